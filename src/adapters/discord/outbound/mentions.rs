//! Nobody gets pinged by accident. Customer text the bot echoes (a summary on
//! a ticket card, a quoted question) has its `@everyone`, `@here`, user and
//! role mentions made inert, and every outgoing message carries an
//! `allowed_mentions` that allows nothing except, when the engine asks for it,
//! the staff role. Deciding *when* to ping staff is the engine's job.

use std::sync::LazyLock;

use regex::Regex;
use serenity::all::{CreateAllowedMentions, RoleId};

/// A zero-width space: Discord no longer sees a mention, people still read it.
const BREAK: &str = "\u{200B}";

static MENTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"@(everyone|here)|<@[!&]?\d+>").expect("the mention pattern is valid")
});

/// `text` with every mass, user and role mention broken so it cannot ping.
pub fn neutralise(text: &str) -> String {
    MENTION
        .replace_all(text, |caps: &regex::Captures<'_>| {
            let found = &caps[0];
            match found.strip_prefix('@') {
                Some(rest) => format!("@{BREAK}{rest}"),
                None => format!("<@{BREAK}{}", &found[2..]),
            }
        })
        .into_owned()
}

/// Allowed mentions that ping nobody, not even the author of a replied-to message.
pub fn no_pings() -> CreateAllowedMentions {
    CreateAllowedMentions::new().replied_user(false)
}

/// Allowed mentions that ping `role` and nobody else.
pub fn staff_ping(role: RoleId) -> CreateAllowedMentions {
    no_pings().roles(vec![role])
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn mass_mentions_are_broken() {
        let out = neutralise("hey @everyone and @here!");
        assert_eq!(out, "hey @\u{200B}everyone and @\u{200B}here!");
        assert!(!out.contains("@everyone") && !out.contains("@here"));
    }

    #[test]
    fn user_and_role_mentions_are_broken() {
        let out = neutralise("ping <@123> <@!456> <@&789> please");
        assert_eq!(
            out,
            "ping <@\u{200B}123> <@\u{200B}!456> <@\u{200B}&789> please"
        );
        assert!(!MENTION.is_match(&out));
    }

    #[test]
    fn text_without_mentions_is_unchanged() {
        for text in [
            "mail me at a@b.org",
            "<#123> is a channel",
            "E1042: @ work",
            "",
        ] {
            assert_eq!(neutralise(text), text);
        }
    }

    #[test]
    fn neutralising_twice_changes_nothing_more() {
        let once = neutralise("@everyone <@&1>");
        assert_eq!(neutralise(&once), once);
    }

    #[test]
    fn outgoing_messages_allow_no_mentions() {
        assert_eq!(
            serde_json::to_value(no_pings()).unwrap(),
            json!({"parse": [], "users": [], "roles": [], "replied_user": false})
        );
    }

    #[test]
    fn a_staff_ping_allows_exactly_the_staff_role() {
        assert_eq!(
            serde_json::to_value(staff_ping(RoleId::new(42))).unwrap(),
            json!({"parse": [], "users": [], "roles": ["42"], "replied_user": false})
        );
    }
}
