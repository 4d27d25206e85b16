//! What the pages show, computed from the domain's records: pure, so the
//! filters, the order and the wording are tested without a server or a
//! database. Templates only lay these out (and escape every string).

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use crate::domain::{Reason, Ticket, TicketState};
use crate::knowledge::ContractTerms;
use crate::store::Event;

/// The ticket list's filters, as the form sends them (empty means any).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct TicketFilter {
    /// `open`, `claimed`, `resolved`, `active` (open or claimed, the
    /// default) or `all`.
    pub state: String,
    /// Part of the name of who claimed it.
    pub owner: String,
    /// Part of the contract's customer, id or level, or of the reason.
    pub tag: String,
    /// Opened at least this many hours ago.
    pub older_than: String,
    /// Which page of the list, from 1.
    pub page: String,
}

impl TicketFilter {
    /// The states still being worked on to list (each read whole and
    /// ordered by when it is due), and whether resolved tickets follow
    /// (newest first, read a page at a time).
    pub fn states(&self) -> (Vec<TicketState>, bool) {
        use TicketState::*;
        match self.state.as_str() {
            "all" => (vec![Open, Claimed], true),
            "resolved" => (Vec::new(), true),
            s => match TicketState::parse(s) {
                Some(state) => (vec![state], false),
                None => (vec![Open, Claimed], false),
            },
        }
    }

    /// The page asked for, from 1 (anything else is the first).
    pub fn page(&self) -> usize {
        self.page
            .trim()
            .parse::<usize>()
            .unwrap_or(1)
            .clamp(1, 100_000)
    }

    /// The list's address with these filters, at `page`.
    pub fn href(&self, page: usize) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (key, value) in [
            ("state", &self.state),
            ("owner", &self.owner),
            ("tag", &self.tag),
            ("older_than", &self.older_than),
        ] {
            if !value.trim().is_empty() {
                query.append_pair(key, value.trim());
            }
        }
        if page > 1 {
            query.append_pair("page", &page.to_string());
        }
        format!("/tickets?{}", query.finish())
    }

    /// Whether no filter but the state is set.
    pub fn is_plain(&self) -> bool {
        [&self.owner, &self.tag, &self.older_than]
            .iter()
            .all(|f| f.trim().is_empty())
    }

    /// Whether `t` passes the filters other than the state.
    pub fn keeps(&self, t: &Ticket, now: DateTime<Utc>) -> bool {
        let owner = t.claimed_by.as_ref().map(|p| p.name.as_str());
        self.keeps_parts(owner, t.contract.as_ref(), t.reason)
            && self.opened_before(now).is_none_or(|cut| t.opened_at <= cut)
    }

    /// The latest opening time the age filter lets through, if it is set.
    pub fn opened_before(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let hours = self.older_than.trim().parse::<i64>().ok()?;
        Some(now - Duration::hours(hours.clamp(0, 24 * 365 * 100)))
    }

    /// [`TicketFilter::keeps`] but for the age: on who has the ticket, its
    /// contract and why it came to staff.
    pub fn keeps_parts(
        &self,
        owner: Option<&str>,
        contract: Option<&ContractTerms>,
        reason: Reason,
    ) -> bool {
        let has = |hay: &str, needle: &str| hay.to_lowercase().contains(&needle.to_lowercase());
        let wanted = self.owner.trim();
        if !wanted.is_empty() && !owner.is_some_and(|name| has(name, wanted)) {
            return false;
        }
        let tag = self.tag.trim();
        if !tag.is_empty() {
            let contract = contract.is_some_and(|c| {
                has(&c.customer, tag) || has(&c.id, tag) || has(c.level.as_str(), tag)
            });
            if !contract && !has(reason.as_str(), tag) {
                return false;
            }
        }
        true
    }
}

/// One row of the ticket list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketRow {
    /// Its number.
    pub id: i64,
    /// `open`, `claimed`, `resolved`.
    pub state: &'static str,
    /// The customer's name.
    pub customer: String,
    /// What they asked, shortened.
    pub question: String,
    /// Who has it.
    pub owner: String,
    /// The contract's level, if any.
    pub contract: String,
    /// When it is due (waiting and claimed) or was resolved.
    pub when: String,
    /// Whether it is overdue.
    pub overdue: bool,
    /// How long ago it opened.
    pub age: String,
}

impl TicketRow {
    /// The row of `t` at `now`.
    pub fn of(t: &Ticket, now: DateTime<Utc>, default: Duration) -> Self {
        let due = t.due_at(default);
        let (when, overdue) = match t.state {
            TicketState::Resolved => (
                t.resolved_at
                    .map(|at| format!("resolved {}", stamp(at)))
                    .unwrap_or_default(),
                false,
            ),
            _ => (format!("due {}", stamp(due)), due < now),
        };
        TicketRow {
            id: t.id.0,
            state: t.state.as_str(),
            customer: t.customer.name.clone(),
            question: shorten(t.question(), 90),
            owner: t
                .claimed_by
                .as_ref()
                .map(|p| p.name.clone())
                .unwrap_or_default(),
            contract: t
                .contract
                .as_ref()
                .map(|c| c.level.as_str().to_string())
                .unwrap_or_default(),
            when,
            overdue,
            age: ago(now - t.opened_at),
        }
    }
}

/// One line of a transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// When.
    pub at: String,
    /// `customer`, `bot`, `staff` or `system`.
    pub actor: String,
    /// Their name, or the actor.
    pub who: String,
    /// What happened (`message`, `answer`, `note`, `claim`, …).
    pub kind: String,
    /// The words, as written.
    pub text: String,
}

impl Line {
    /// The line of `e`.
    pub fn of(e: &Event) -> Self {
        Line {
            at: stamp(e.at),
            actor: e.actor.clone(),
            who: e.actor_name.clone().unwrap_or_else(|| e.actor.clone()),
            kind: e.kind.clone(),
            text: e.text.clone(),
        }
    }
}

/// Why a ticket came to staff, for people.
pub fn reason(reason: Reason) -> &'static str {
    match reason {
        Reason::NoMatch => "No entry of the FAQ matched",
        Reason::AskedForHuman => "The customer asked for a human",
        Reason::FixDidNotHelp => "The documented fix did not help",
        Reason::NothingElseFits => "None of the suggestions fit",
    }
}

/// A moment for people: `2026-12-05 14:03 UTC`.
pub fn stamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A span for people: `45 min`, `5 h`, `3 d`.
pub fn ago(span: Duration) -> String {
    let minutes = span.num_minutes().max(0);
    if minutes < 120 {
        format!("{minutes} min")
    } else if minutes < 48 * 60 {
        format!("{} h", minutes / 60)
    } else {
        format!("{} d", minutes / (24 * 60))
    }
}

/// `text` on one line, at most `max` characters (an ellipsis marks a cut).
pub fn shorten(text: &str, max: usize) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= max {
        return line;
    }
    let mut cut: String = line.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ConversationId, Person, ThreadRef, TicketId};

    /// A fixed moment the tests count from.
    fn now() -> DateTime<Utc> {
        "2026-12-05T12:00:00Z".parse().unwrap()
    }

    fn ticket(id: i64, state: TicketState, hours_ago: i64, owner: Option<&str>) -> Ticket {
        let opened = now() - Duration::hours(hours_ago);
        Ticket {
            id: TicketId(id),
            conversation: ConversationId(id),
            thread: ThreadRef(format!("console:{id}")),
            customer: Person::new("console:ana", "Ana"),
            state,
            reason: Reason::NoMatch,
            customer_wrote: vec!["the printer   prints\nnothing".into()],
            suggested: Vec::new(),
            claimed_by: owner.map(|o| Person::new(format!("console:{o}"), o)),
            resolved_by: None,
            resolution: None,
            rating: None,
            opened_at: opened,
            waiting_since: opened,
            first_claimed_at: None,
            resolved_at: None,
            ping_level: 0,
            contract: None,
            details: Vec::new(),
        }
    }

    fn filter(state: &str, owner: &str, tag: &str, older_than: &str) -> TicketFilter {
        TicketFilter {
            state: state.into(),
            owner: owner.into(),
            tag: tag.into(),
            older_than: older_than.into(),
            page: String::new(),
        }
    }

    #[test]
    fn the_pages_of_a_list_keep_its_filters() {
        let f = filter("all", "Jörg & co", "", "");
        assert_eq!(f.page(), 1);
        assert_eq!(
            f.href(2),
            "/tickets?state=all&owner=J%C3%B6rg+%26+co&page=2"
        );
        assert_eq!(f.href(1), "/tickets?state=all&owner=J%C3%B6rg+%26+co");
        let odd = TicketFilter {
            page: "-3".into(),
            ..TicketFilter::default()
        };
        assert_eq!(odd.page(), 1);
    }

    #[test]
    fn the_list_shows_open_and_claimed_tickets_unless_told_otherwise() {
        use TicketState::*;
        assert_eq!(
            filter("", "", "", "").states(),
            (vec![Open, Claimed], false)
        );
        assert_eq!(
            filter("nonsense", "", "", "").states(),
            (vec![Open, Claimed], false)
        );
        assert_eq!(
            filter("claimed", "", "", "").states(),
            (vec![Claimed], false)
        );
        assert_eq!(filter("resolved", "", "", "").states(), (vec![], true));
        assert_eq!(
            filter("all", "", "", "").states(),
            (vec![Open, Claimed], true)
        );
    }

    #[test]
    fn owner_tag_and_age_filter_and_waiting_tickets_come_first() {
        let now = now();
        let tickets = vec![
            ticket(1, TicketState::Claimed, 30, Some("Bob")),
            ticket(2, TicketState::Open, 1, None),
            ticket(3, TicketState::Open, 5, None),
        ];
        let apply = |f: TicketFilter, tickets: Vec<Ticket>| {
            let kept = tickets.into_iter().filter(|t| f.keeps(t, now)).collect();
            crate::domain::by_due(kept, Duration::minutes(60))
        };
        let all = apply(filter("", "", "", ""), tickets.clone());
        let ids: Vec<i64> = all.iter().map(|t| t.id.0).collect();
        assert_eq!(
            ids,
            vec![3, 2, 1],
            "waiting first, the longest waiting first"
        );
        let bobs = apply(filter("", "bo", "", ""), tickets.clone());
        assert_eq!(bobs.len(), 1);
        assert_eq!(bobs[0].id.0, 1);
        let old = apply(filter("", "", "", "4"), tickets.clone());
        assert_eq!(old.iter().map(|t| t.id.0).collect::<Vec<_>>(), vec![3, 1]);
        let by_reason = apply(filter("", "", "no_match", ""), tickets.clone());
        assert_eq!(by_reason.len(), 3);
        let none = apply(filter("", "", "vollwartung", ""), tickets);
        assert!(none.is_empty());
    }

    #[test]
    fn a_row_says_when_it_is_due_and_whether_that_has_passed() {
        let now = now();
        let row = TicketRow::of(
            &ticket(3, TicketState::Open, 5, None),
            now,
            Duration::minutes(60),
        );
        assert!(row.overdue);
        assert!(row.when.starts_with("due "));
        assert_eq!(row.question, "the printer prints nothing");
        assert_eq!(row.age, "5 h");
        let fresh = TicketRow::of(
            &ticket(4, TicketState::Open, 0, None),
            now,
            Duration::minutes(60),
        );
        assert!(!fresh.overdue);
    }

    #[test]
    fn long_texts_are_cut_with_an_ellipsis() {
        assert_eq!(shorten("abc", 3), "abc");
        assert_eq!(shorten("abcd", 3), "ab…");
        assert_eq!(ago(Duration::minutes(5)), "5 min");
        assert_eq!(ago(Duration::hours(3)), "3 h");
        assert_eq!(ago(Duration::days(4)), "4 d");
    }
}
