//! Actions, tickets and transcripts as terminal text. Buttons become
//! numbered choices; the numbers are what the customer types.

use std::fmt::Write as _;

use crate::engine::{Action, Card, CardStatus, Offer, PingLevel};
use crate::knowledge::Kind;
use crate::store::{Event, Ticket};

/// `action` as the terminal shows it.
pub fn action(action: &Action) -> String {
    match action {
        Action::Answer {
            kind,
            title,
            body,
            source,
            recognised,
            buttons,
            ..
        } => {
            let mut out = format!("bot: {title}\n\n{body}\n\n");
            if !recognised.is_empty() {
                let _ = writeln!(out, "(recognised: {})", recognised.join(", "));
            }
            let level = match kind {
                Kind::Fix => "documented fix",
                Kind::Faq => "FAQ",
            };
            let _ = writeln!(
                out,
                "-- {level}; source: {} ({}:{})",
                source.entry_id, source.path, source.line
            );
            out + &inline_buttons(buttons)
        }
        Action::Choices { text, buttons, .. } => {
            let mut out = format!("bot: {text}\n");
            for (i, b) in buttons.iter().enumerate() {
                let _ = writeln!(out, "  [{}] {}", i + 1, b.label);
            }
            out
        }
        Action::Say { text, buttons, .. } => format!("bot: {text}\n") + &inline_buttons(buttons),
        Action::TicketOpened { text, .. } => format!("bot: {text}\n"),
        Action::AskRating { text, buttons, .. } => {
            format!("bot: {text}\n") + &inline_buttons(buttons)
        }
        Action::InactivityNotice { text, .. } => format!("bot: {text}\n"),
        Action::Close { text, .. } => format!("bot: {text}\n(conversation closed)\n"),
        Action::AddToThread { staff, .. } => format!("({} joined the conversation)\n", staff.name),
        Action::StaffMessage { from, text, .. } => format!("{} (support): {text}\n", from.name),
        Action::CustomerMessage {
            ticket, from, text, ..
        } => format!("#{ticket} {}: {text}\n", from.name),
        Action::PostStaffCard(c) => format!("NEW {}", card(c)),
        Action::UpdateStaffCard(c) => format!("UPDATE {}", card(c)),
        Action::PingStaff {
            role, level, text, ..
        } => match level {
            PingLevel::Normal => format!("@{role} {text}\n"),
            PingLevel::Loud => format!("@{role} !!! {text}\n"),
        },
        Action::Ephemeral { text, .. } => format!("(only you see this) {text}\n"),
    }
}

/// `[1] Solved  [2] Not what I asked  …` (empty without buttons).
fn inline_buttons(buttons: &[Offer]) -> String {
    if buttons.is_empty() {
        return String::new();
    }
    let items: Vec<String> = buttons
        .iter()
        .enumerate()
        .map(|(i, b)| format!("[{}] {}", i + 1, b.label))
        .collect();
    format!("{}\n", items.join("  "))
}

/// A staff card.
pub fn card(c: &Card) -> String {
    let status = match &c.status {
        CardStatus::Open => "open, unclaimed".to_string(),
        CardStatus::Claimed { by } => format!("claimed by {}", by.name),
        CardStatus::Resolved { by, note } => format!("resolved by {}: {note}", by.name),
    };
    let mut out = format!(
        "ticket #{} from {} — {status}\n  why: {}\n",
        c.ticket,
        c.customer.name,
        c.reason.describe()
    );
    for line in &c.customer_wrote {
        let _ = writeln!(out, "  customer wrote: {line}");
    }
    for s in &c.suggested {
        let feedback = s.feedback.map_or("no feedback", |f| f.as_str());
        let _ = writeln!(
            out,
            "  bot suggested: {} [{}] ({feedback})",
            s.title, s.entry_id
        );
    }
    out
}

/// A ticket's one-line summary for lists.
pub fn ticket_line(t: &Ticket) -> String {
    let who = match (&t.claimed_by, t.state) {
        (Some(p), crate::store::TicketState::Claimed) => format!(" by {}", p.name),
        _ => String::new(),
    };
    format!(
        "#{:<4} {:<8}{who:<12} {}  {}: {}",
        t.id,
        t.state.as_str(),
        t.opened_at.format("%Y-%m-%d %H:%M"),
        t.customer.name,
        ellipsis(t.question(), 60)
    )
}

/// A ticket with its whole transcript and audit log.
pub fn ticket_with_transcript(t: &Ticket, events: &[Event]) -> String {
    let mut out = card(&crate::engine::card(t));
    let _ = writeln!(
        out,
        "  opened: {}",
        t.opened_at.format("%Y-%m-%d %H:%M UTC")
    );
    if let Some(r) = t.rating {
        let _ = writeln!(out, "  rating: {r} of 5");
    }
    let _ = writeln!(out, "transcript:");
    for e in events {
        let who = e.actor_name.as_deref().unwrap_or(&e.actor);
        let _ = writeln!(
            out,
            "  {}  {who:<10} {:<14} {}",
            e.at.format("%m-%d %H:%M"),
            e.kind,
            e.text
        );
    }
    out
}

/// At most `max` characters of `text`.
pub fn ellipsis(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}
