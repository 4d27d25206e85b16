//! Only staff get in. A one-time link (from `/web` on Discord or
//! `frontline web-login NAME` at the machine) starts a session; the link
//! expires in minutes and works once. The session lives in an HttpOnly,
//! SameSite=Strict cookie (Secure when the desk is served over TLS) with an
//! expiry; every state change carries the session's CSRF token; on Discord
//! setups the staff role is checked again on each request (at most once a
//! minute per person, through Discord's API). Secrets are random 256-bit
//! values; the database keeps only their sha256 digests.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

use axum_extra::extract::cookie::{Cookie, SameSite};
use chrono::{DateTime, Duration, Utc};
use serenity::all::{GuildId, Http, RoleId};
use sha2::{Digest, Sha256};

use crate::adapters::discord::ids::user_of;
use crate::store::{SqlStore, StoreError, WebSession, WebStaff};

/// The session cookie's name over plain HTTP (loopback).
pub const COOKIE: &str = "frontline_session";
/// Its name over TLS: the `__Host-` prefix makes browsers refuse it unless
/// it is Secure, for this host only, on every path, so a neighbouring site
/// cannot plant one.
pub const TLS_COOKIE: &str = "__Host-frontline_session";

/// The session cookie's name, `secure` or not.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure { TLS_COOKIE } else { COOKIE }
}

/// How long a staff check through Discord is trusted.
const STAFF_CHECK_TTL: StdDuration = StdDuration::from_secs(60);

/// A new random secret: 32 bytes, hex.
pub fn secret() -> String {
    hex(&rand::random::<[u8; 32]>())
}

/// The sha256 digest of `secret`, hex: what the database keeps.
pub fn digest(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// `bytes` as lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The text `hex` was made from, if it is hex of UTF-8.
pub fn unhex(hex: &str) -> Option<String> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    String::from_utf8(bytes).ok()
}

/// A short-lived cookie for `path` only (a notice carried to the next
/// page); `seconds` 0 removes it.
pub fn flash(
    name: &'static str,
    value: &str,
    path: &str,
    seconds: i64,
    secure: bool,
) -> Cookie<'static> {
    Cookie::build((name, value.to_string()))
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .path(path.to_string())
        .max_age(cookie::time::Duration::seconds(seconds))
        .build()
}

/// Whether two secrets are equal, in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// How long a link works: `minutes`, at most a day (0 makes links that
/// are dead at once, for tests of expiry).
fn link_minutes(minutes: u64) -> i64 {
    i64::try_from(minutes.min(24 * 60)).unwrap_or(24 * 60)
}

/// How long a session lasts: `hours`, from one hour to thirty days.
fn session_hours(hours: u64) -> i64 {
    i64::try_from(hours.clamp(1, 30 * 24)).unwrap_or(12)
}

/// Makes a sign-in link for `staff` valid for `minutes`: the URL under
/// `public_url` to open.
pub async fn make_link(
    store: &SqlStore,
    public_url: &str,
    staff: &WebStaff,
    minutes: u64,
    now: DateTime<Utc>,
) -> Result<String, StoreError> {
    let token = secret();
    let expires = now + Duration::minutes(link_minutes(minutes));
    store
        .create_web_link(&digest(&token), staff, now, expires)
        .await?;
    Ok(format!(
        "{}/login/{token}",
        public_url.trim_end_matches('/')
    ))
}

/// Uses the link `token`: a new session for whom it signs in, with the
/// session id for the cookie; `None` when the link is unknown, expired or
/// used.
pub async fn sign_in(
    store: &SqlStore,
    token: &str,
    hours: u64,
    now: DateTime<Utc>,
) -> Result<Option<(String, WebSession)>, StoreError> {
    let Some(staff) = store.redeem_web_link(&digest(token), now).await? else {
        return Ok(None);
    };
    let id = secret();
    let session = WebSession {
        staff,
        csrf: secret(),
        expires_at: now + Duration::hours(session_hours(hours)),
    };
    store
        .create_web_session(&digest(&id), &session, now)
        .await?;
    Ok(Some((id, session)))
}

/// The session cookie for `id`, until `expires`.
pub fn session_cookie(
    id: String,
    expires: DateTime<Utc>,
    now: DateTime<Utc>,
    secure: bool,
) -> Cookie<'static> {
    let max_age = (expires - now).num_seconds().max(0);
    Cookie::build((cookie_name(secure), id))
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .path("/")
        .max_age(cookie::time::Duration::seconds(max_age))
        .build()
}

/// The cookie that signs out.
pub fn removal_cookie(secure: bool) -> Cookie<'static> {
    Cookie::build((cookie_name(secure), ""))
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .path("/")
        .max_age(cookie::time::Duration::ZERO)
        .build()
}

/// Whether someone signed in is still staff.
#[derive(Clone, Default)]
pub struct StaffCheck {
    discord: Option<DiscordStaff>,
}

/// A server and a person in it.
type Member = (String, String);
/// When a member was checked, and whether they held the role.
type Checked = (Instant, bool);

#[derive(Clone)]
struct DiscordStaff {
    http: Arc<Http>,
    role: RoleId,
    seen: Arc<Mutex<HashMap<Member, Checked>>>,
}

impl StaffCheck {
    /// No Discord: only people signed in at the machine (`console:` ids) get in.
    pub fn terminal_only() -> Self {
        StaffCheck::default()
    }

    /// Checks Discord members for `role` through `http`.
    pub fn discord(http: Arc<Http>, role: RoleId) -> Self {
        StaffCheck {
            discord: Some(DiscordStaff {
                http,
                role,
                seen: Arc::default(),
            }),
        }
    }

    /// Whether `staff` may use the desk now. A link made at the machine's
    /// terminal stands (whoever runs commands there is staff); a Discord
    /// member must still hold the staff role in the server the link was
    /// asked for in. When that cannot be checked, they are refused.
    pub async fn allows(&self, staff: &WebStaff) -> bool {
        let id = &staff.person.id.0;
        if id.starts_with("console:") {
            return true;
        }
        let (Some(discord), Some(guild)) = (&self.discord, &staff.guild) else {
            return false;
        };
        let key = (guild.clone(), id.clone());
        if let Some((at, allowed)) = discord.seen.lock().expect("not poisoned").get(&key)
            && at.elapsed() < STAFF_CHECK_TTL
        {
            return *allowed;
        }
        let allowed = discord.holds_role(guild, staff).await;
        discord
            .seen
            .lock()
            .expect("not poisoned")
            .insert(key, (Instant::now(), allowed));
        allowed
    }
}

impl DiscordStaff {
    async fn holds_role(&self, guild: &str, staff: &WebStaff) -> bool {
        let (Ok(guild), Ok(user)) = (guild.parse::<u64>(), user_of(&staff.person)) else {
            return false;
        };
        match self.http.get_member(GuildId::new(guild), user).await {
            Ok(member) => member.roles.contains(&self.role),
            Err(e) => {
                tracing::warn!(error = %e, "checking a desk user's staff role");
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Person;

    #[test]
    fn secrets_are_long_random_and_only_their_digests_match() {
        let a = secret();
        let b = secret();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(digest(&a), digest(&a));
        assert_ne!(digest(&a), digest(&b));
        assert_ne!(digest(&a), a);
        assert!(same_secret(&a, &a.clone()));
        assert!(!same_secret(&a, &b));
        assert!(!same_secret(&a, &a[..63]));
    }

    #[test]
    fn the_session_cookie_is_http_only_strict_and_expires() {
        let now = Utc::now();
        let cookie = session_cookie("id".into(), now + Duration::hours(2), now, false).to_string();
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Strict"), "{cookie}");
        assert!(cookie.contains("Max-Age=7200"), "{cookie}");
        assert!(!cookie.contains("Secure"), "{cookie}");
        let tls = session_cookie("id".into(), now + Duration::hours(2), now, true).to_string();
        assert!(tls.contains("Secure"), "{tls}");
        assert!(tls.starts_with("__Host-frontline_session="), "{tls}");
        assert!(cookie.starts_with("frontline_session="), "{cookie}");
    }

    #[tokio::test]
    async fn terminal_staff_get_in_and_discord_members_need_a_check() {
        let check = StaffCheck::terminal_only();
        let at_the_machine = WebStaff {
            person: Person::new("console:berta", "berta"),
            guild: None,
        };
        assert!(check.allows(&at_the_machine).await);
        let from_discord = WebStaff {
            person: Person::new("discord:123456789012345678", "Bo"),
            guild: Some("987654321098765432".into()),
        };
        assert!(
            !check.allows(&from_discord).await,
            "no way to check: refused"
        );
    }
}
