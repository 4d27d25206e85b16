//! What the staff desk in a browser keeps and reads: one-time sign-in links,
//! the sessions they start, and the reads its pages need beyond the
//! [`Store`](crate::store::Store) trait (one conversation's answers with
//! their scores, a search over transcripts). Only sha256 digests of link
//! tokens and session ids are stored, so a copy of the database signs nobody
//! in; any instance sharing the database honours a link or session.

use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;

use super::reads::placeholders;
use super::rows::{TICKET_SELECT, TicketRow};
use super::{SqlStore, on_pool, on_writer};
use crate::domain::{ConversationId, Feedback, Person, Reason, Ticket, TicketId, TicketState};
use crate::knowledge::ContractTerms;
use crate::store::StoreError;

/// Who a sign-in link or session is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebStaff {
    /// The member of staff, as the engine knows them (`console:NAME` for a
    /// link made at the terminal, `discord:ID` for one asked for on Discord).
    pub person: Person,
    /// The Discord server whose staff role they hold, for links asked for
    /// on Discord: the role is checked again on each request.
    pub guild: Option<String>,
}

/// A signed-in session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSession {
    /// Whose.
    pub staff: WebStaff,
    /// The token every form of this session carries.
    pub csrf: String,
    /// When it ends.
    pub expires_at: DateTime<Utc>,
}

/// An answer the bot gave in one conversation, with its score.
#[derive(Debug, Clone, PartialEq)]
pub struct GivenAnswer {
    /// The entry.
    pub entry_id: String,
    /// Its title.
    pub title: String,
    /// `faq` or `fix`.
    pub kind: String,
    /// `triage`, `choice` or `next`.
    pub via: String,
    /// Triage's confidence.
    pub confidence: f64,
    /// When.
    pub given_at: DateTime<Utc>,
    /// What the customer said to it.
    pub feedback: Option<Feedback>,
}

/// A conversation whose transcript matches a search.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// The conversation.
    pub conversation: ConversationId,
    /// Its latest ticket, if it has one.
    pub ticket: Option<TicketId>,
    /// The newest matching line.
    pub text: String,
    /// When it was written.
    pub at: DateTime<Utc>,
}

/// What the ticket list sorts and filters by, read without the rest of
/// the ticket: reading thousands of tickets whole to show a page of them
/// would cost a page load tens of milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    /// The ticket.
    pub id: TicketId,
    /// Open, claimed, resolved.
    pub state: TicketState,
    /// The name of who has it.
    pub owner: Option<String>,
    /// Its contract's terms.
    pub contract: Option<ContractTerms>,
    /// Why it came to staff.
    pub reason: Reason,
    /// Since when it waits for a claim (not read for resolved tickets).
    pub waiting_since: Option<DateTime<Utc>>,
}

type StaffRow = (String, String, Option<String>);

fn staff_of((id, name, guild): StaffRow) -> WebStaff {
    WebStaff {
        person: Person::new(id, name),
        guild,
    }
}

impl SqlStore {
    /// Keeps a sign-in link (by the digest of its token) for `staff`, valid
    /// until `expires_at`.
    pub async fn create_web_link(
        &self,
        token_hash: &str,
        staff: &WebStaff,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        on_writer!(self, |p| {
            sqlx::query(
                "INSERT INTO web_links \
                 (token_hash, person_id, person_name, guild_id, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(token_hash)
            .bind(&staff.person.id.0)
            .bind(&staff.person.name)
            .bind(staff.guild.as_deref())
            .bind(now)
            .bind(expires_at)
            .execute(p)
            .await?;
        });
        Ok(())
    }

    /// Uses the link with this token digest: whom it signs in, if it exists,
    /// has not expired at `now` and was never used. One statement, so two
    /// instances redeeming the same link at once cannot both succeed.
    pub async fn redeem_web_link(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<WebStaff>, StoreError> {
        let row: Option<StaffRow> = on_writer!(self, |p| {
            sqlx::query_as(
                "UPDATE web_links SET used_at = $2 \
                 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 \
                 RETURNING person_id, person_name, guild_id",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(p)
            .await?
        });
        Ok(row.map(staff_of))
    }

    /// Starts a session (by the digest of its id) for `staff`.
    pub async fn create_web_session(
        &self,
        id_hash: &str,
        session: &WebSession,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        on_writer!(self, |p| {
            // Expired sessions and links go as new ones come.
            sqlx::query("DELETE FROM web_sessions WHERE expires_at <= $1")
                .bind(now)
                .execute(p)
                .await?;
            sqlx::query("DELETE FROM web_links WHERE expires_at <= $1")
                .bind(now)
                .execute(p)
                .await?;
            sqlx::query(
                "INSERT INTO web_sessions \
                 (id_hash, person_id, person_name, guild_id, csrf, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id_hash)
            .bind(&session.staff.person.id.0)
            .bind(&session.staff.person.name)
            .bind(session.staff.guild.as_deref())
            .bind(&session.csrf)
            .bind(now)
            .bind(session.expires_at)
            .execute(p)
            .await?;
        });
        Ok(())
    }

    /// The session with this id digest, unless it has ended at `now`.
    pub async fn web_session(
        &self,
        id_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<WebSession>, StoreError> {
        type Row = (String, String, Option<String>, String, DateTime<Utc>);
        let row: Option<Row> = on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT person_id, person_name, guild_id, csrf, expires_at FROM web_sessions \
                 WHERE id_hash = $1 AND expires_at > $2",
            )
            .bind(id_hash)
            .bind(now)
            .fetch_optional(p)
            .await?
        });
        Ok(row.map(|(id, name, guild, csrf, expires_at)| WebSession {
            staff: staff_of((id, name, guild)),
            csrf,
            expires_at,
        }))
    }

    /// Ends the session with this id digest (signing out).
    pub async fn end_web_session(&self, id_hash: &str) -> Result<(), StoreError> {
        on_writer!(self, |p| {
            sqlx::query("DELETE FROM web_sessions WHERE id_hash = $1")
                .bind(id_hash)
                .execute(p)
                .await?;
        });
        Ok(())
    }

    /// The tickets in `states` opened before `opened_before` (if given),
    /// newest first, with only what the ticket list sorts and filters by.
    pub async fn list_tickets(
        &self,
        states: &[TicketState],
        opened_before: Option<DateTime<Utc>>,
    ) -> Result<Vec<Listed>, StoreError> {
        type Row = (
            i64,
            String,
            Option<String>,
            Option<String>,
            String,
            Option<DateTime<Utc>>,
        );
        if states.is_empty() {
            return Ok(Vec::new());
        }
        let before = match opened_before {
            Some(_) => format!(" AND opened_at <= ${}", states.len() + 1),
            None => String::new(),
        };
        let sql = format!(
            // A resolved ticket's waiting time is not read: thousands of
            // timestamps parsed for nothing (SQLite keeps them as text).
            "SELECT id, state, claimed_by_name, contract, reason, \
             CASE WHEN state = 'resolved' THEN NULL ELSE waiting_since END FROM tickets \
             WHERE state IN ({}){before} ORDER BY id DESC",
            placeholders(1, states.len())
        );
        let rows: Vec<Row> = on_pool!(self, |p| {
            let mut q = sqlx::query_as(AssertSqlSafe(sql));
            for s in states {
                q = q.bind(s.as_str());
            }
            if let Some(before) = opened_before {
                q = q.bind(before);
            }
            q.fetch_all(p).await?
        });
        let corrupt = |what: &str, value: &str| StoreError::Corrupt(format!("{what} `{value}`"));
        rows.into_iter()
            .map(|(id, state, owner, contract, reason, waiting_since)| {
                Ok(Listed {
                    id: TicketId(id),
                    state: TicketState::parse(&state)
                        .ok_or_else(|| corrupt("ticket state", &state))?,
                    owner,
                    contract: contract
                        .as_deref()
                        .map(serde_json::from_str)
                        .transpose()
                        .map_err(|e| StoreError::Corrupt(format!("contract: {e}")))?,
                    reason: Reason::parse(&reason).ok_or_else(|| corrupt("reason", &reason))?,
                    waiting_since,
                })
            })
            .collect()
    }

    /// The newest `limit` resolved tickets after the newest `skip`, and how
    /// many are resolved.
    pub async fn newest_resolved(
        &self,
        limit: usize,
        skip: usize,
    ) -> Result<(Vec<TicketId>, usize), StoreError> {
        let (count, ids): (i64, Vec<i64>) = on_pool!(self, |p| {
            let count = sqlx::query_scalar("SELECT count(*) FROM tickets WHERE state = 'resolved'")
                .fetch_one(p)
                .await?;
            let ids = sqlx::query_scalar(
                "SELECT id FROM tickets WHERE state = 'resolved' ORDER BY id DESC \
                 LIMIT $1 OFFSET $2",
            )
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .bind(i64::try_from(skip).unwrap_or(i64::MAX))
            .fetch_all(p)
            .await?;
            (count, ids)
        });
        Ok((
            ids.into_iter().map(TicketId).collect(),
            usize::try_from(count).unwrap_or_default(),
        ))
    }

    /// The tickets `ids`, whole, newest first.
    pub async fn tickets_by_id(&self, ids: &[TicketId]) -> Result<Vec<Ticket>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "{TICKET_SELECT} WHERE t.id IN ({}) ORDER BY t.id DESC",
            placeholders(1, ids.len())
        );
        let rows: Vec<TicketRow> = on_pool!(self, |p| {
            let mut q = sqlx::query_as(AssertSqlSafe(sql));
            for id in ids {
                q = q.bind(id.0);
            }
            q.fetch_all(p).await?
        });
        rows.into_iter().map(Ticket::try_from).collect()
    }

    /// The answers given in `conversation`, oldest first, with their scores.
    pub async fn answers_in(
        &self,
        conversation: ConversationId,
    ) -> Result<Vec<GivenAnswer>, StoreError> {
        type Row = (
            String,
            String,
            String,
            String,
            f64,
            DateTime<Utc>,
            Option<String>,
        );
        let rows: Vec<Row> = on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT entry_id, title, kind, via, confidence, given_at, feedback \
                 FROM answers WHERE conversation_id = $1 ORDER BY id",
            )
            .bind(conversation.0)
            .fetch_all(p)
            .await?
        });
        rows.into_iter()
            .map(
                |(entry_id, title, kind, via, confidence, given_at, feedback)| {
                    let feedback = match feedback {
                        Some(f) => Some(Feedback::parse(&f).ok_or_else(|| {
                            StoreError::Corrupt(format!("answer feedback {f:?}"))
                        })?),
                        None => None,
                    };
                    Ok(GivenAnswer {
                        entry_id,
                        title,
                        kind,
                        via,
                        confidence,
                        given_at,
                        feedback,
                    })
                },
            )
            .collect()
    }

    /// Conversations whose transcript holds every one of `words` (case
    /// aside, in any script) in one line written by a customer or staff,
    /// newest first, at most `limit`. The database narrows the lines down
    /// by each word's longest ASCII part (SQLite folds only ASCII case);
    /// the words are then matched here, whole.
    pub async fn search_transcripts(
        &self,
        words: &[String],
        limit: usize,
    ) -> Result<Vec<Found>, StoreError> {
        let words: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
        if words.is_empty() {
            return Ok(Vec::new());
        }
        let patterns: Vec<String> = words.iter().filter_map(|w| ascii_pattern(w)).collect();
        let conditions: String = (0..patterns.len())
            .map(|i| format!(" AND lower(text) LIKE ${} ESCAPE '\\'", i + 1))
            .collect();
        let sql = format!(
            "SELECT conversation_id, text, at FROM events \
             WHERE actor IN ('customer', 'other', 'staff'){conditions} \
             ORDER BY id DESC LIMIT {SEARCHED}"
        );
        type Row = (i64, String, DateTime<Utc>);
        let rows: Vec<Row> = on_pool!(self, |p| {
            let mut query = sqlx::query_as(AssertSqlSafe(sql));
            for pattern in &patterns {
                query = query.bind(pattern);
            }
            query.fetch_all(p).await?
        });
        let mut seen = std::collections::HashSet::new();
        let mut found: Vec<Found> = rows
            .into_iter()
            .filter(|(_, text, _)| {
                let text = text.to_lowercase();
                words.iter().all(|w| text.contains(w.as_str()))
            })
            .filter(|(conversation, _, _)| seen.insert(*conversation))
            .take(limit)
            .map(|(conversation, text, at)| Found {
                conversation: ConversationId(conversation),
                ticket: None,
                text,
                at,
            })
            .collect();
        if found.is_empty() {
            return Ok(found);
        }
        let sql = format!(
            "SELECT conversation_id, max(id) FROM tickets WHERE conversation_id IN ({}) \
             GROUP BY conversation_id",
            placeholders(1, found.len())
        );
        let tickets: Vec<(i64, i64)> = on_pool!(self, |p| {
            let mut query = sqlx::query_as(AssertSqlSafe(sql));
            for f in &found {
                query = query.bind(f.conversation.0);
            }
            query.fetch_all(p).await?
        });
        let tickets: std::collections::HashMap<i64, i64> = tickets.into_iter().collect();
        for f in &mut found {
            f.ticket = tickets.get(&f.conversation.0).copied().map(TicketId);
        }
        Ok(found)
    }
}

/// How many of the newest lines a search looks at, at most.
const SEARCHED: usize = 20_000;

/// `%part%` for `LIKE` from the longest ASCII part of `word` (lowercase),
/// with `%`, `_` and `\` taken literally; `None` if it has none.
fn ascii_pattern(word: &str) -> Option<String> {
    let part = word
        .split(|c: char| !c.is_ascii())
        .max_by_key(|part| part.len())
        .filter(|part| !part.is_empty())?;
    let mut out = String::from("%");
    for c in part.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::ascii_pattern;

    #[test]
    fn patterns_take_the_longest_ascii_part_and_wildcards_literally() {
        assert_eq!(ascii_pattern("drucker").as_deref(), Some("%drucker%"));
        assert_eq!(ascii_pattern("übersicht").as_deref(), Some("%bersicht%"));
        assert_eq!(ascii_pattern("größe").as_deref(), Some("%gr%"));
        assert_eq!(ascii_pattern("ääö"), None);
        assert_eq!(
            ascii_pattern("50%_a\\b").as_deref(),
            Some("%50\\%\\_a\\\\b%")
        );
    }
}
