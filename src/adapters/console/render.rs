//! Actions, tickets and transcripts as terminal text. Buttons become
//! numbered choices; the numbers are what the customer types. Every word
//! that came from outside (customers, staff, the FAQ) goes through
//! [`crate::terminal`]: control characters are shown, not obeyed, and a
//! line break in a message is indented under it, never a line of its own.

use std::fmt::Write as _;

use crate::domain::{Action, Card, CardStatus, Offer, PingLevel};
use crate::knowledge::Kind;
use crate::store::{Event, Ticket};
use crate::terminal::{ellipsis, hanging, one_line, terminal_safe};

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
            let mut out = format!("bot: {}\n\n{}\n\n", one_line(title), terminal_safe(body));
            if !recognised.is_empty() {
                let _ = writeln!(out, "(recognised: {})", one_line(&recognised.join(", ")));
            }
            let level = match kind {
                Kind::Fix => "documented fix",
                Kind::Faq => "FAQ",
            };
            let _ = writeln!(
                out,
                "-- {level}; source: {} ({}:{})",
                one_line(&source.entry_id),
                one_line(&source.path),
                source.line
            );
            out + &inline_buttons(buttons)
        }
        Action::Choices { text, buttons, .. } => {
            let mut out = format!("bot: {}\n", terminal_safe(text));
            for (i, b) in buttons.iter().enumerate() {
                let _ = writeln!(out, "  [{}] {}", i + 1, one_line(&b.label));
            }
            out
        }
        Action::Say { text, buttons, .. } => bot(text) + &inline_buttons(buttons),
        Action::TicketOpened { text, .. } => bot(text),
        Action::AskRating { text, buttons, .. } => bot(text) + &inline_buttons(buttons),
        Action::InactivityNotice { text, .. } => bot(text),
        Action::Close { text, .. } => bot(text) + "(conversation closed)\n",
        Action::AddToThread { staff, .. } => {
            format!("({} joined the conversation)\n", one_line(&staff.name))
        }
        Action::StaffMessage { from, text, .. } => {
            hanging(&format!("{} (support): ", from.name), text) + "\n"
        }
        Action::CustomerMessage {
            ticket, from, text, ..
        } => hanging(&format!("#{ticket} {}: ", from.name), text) + "\n",
        Action::PostStaffCard(c) => format!("NEW {}", card(c)),
        Action::UpdateStaffCard(c) => format!("UPDATE {}", card(c)),
        Action::PingStaff {
            role, level, text, ..
        } => match level {
            PingLevel::Normal => hanging(&format!("@{role} "), text) + "\n",
            PingLevel::Loud => hanging(&format!("@{role} !!! "), text) + "\n",
        },
        Action::Announce { text, .. } => hanging("(announced) ", text) + "\n",
        Action::Ephemeral { text, .. } | Action::Private { text, .. } => {
            hanging("(only you see this) ", text) + "\n"
        }
    }
}

/// The bot's words: its own, but they may quote a name or a note.
fn bot(text: &str) -> String {
    format!("bot: {}\n", terminal_safe(text))
}

/// `[1] Solved  [2] Not what I asked  …` (empty without buttons).
fn inline_buttons(buttons: &[Offer]) -> String {
    if buttons.is_empty() {
        return String::new();
    }
    let items: Vec<String> = buttons
        .iter()
        .enumerate()
        .map(|(i, b)| format!("[{}] {}", i + 1, one_line(&b.label)))
        .collect();
    format!("{}\n", items.join("  "))
}

/// A staff card.
pub fn card(c: &Card) -> String {
    let status = match &c.status {
        CardStatus::Open => "open, unclaimed".to_string(),
        CardStatus::Claimed { by } => format!("claimed by {}", one_line(&by.name)),
        CardStatus::Resolved { by, note } => {
            format!("resolved by {}: {}", one_line(&by.name), one_line(note))
        }
    };
    let mut out = format!(
        "ticket #{} from {} — {status}\n  why: {}\n",
        c.ticket,
        one_line(&c.customer.name),
        c.reason.describe()
    );
    if let Some(contract) = &c.contract {
        let _ = writeln!(out, "{}", hanging("  contract: ", &contract.summary()));
    }
    for d in &c.details {
        let label = format!("  {}: ", d.need.staff_label().to_lowercase());
        let _ = writeln!(out, "{}", hanging(&label, &d.value));
    }
    for line in &c.customer_wrote {
        let _ = writeln!(out, "{}", hanging("  customer wrote: ", line));
    }
    for s in &c.suggested {
        let feedback = s.feedback.map_or("no feedback", |f| f.as_str());
        let _ = writeln!(
            out,
            "  bot suggested: {} [{}] ({feedback})",
            one_line(&s.title),
            one_line(&s.entry_id)
        );
    }
    out
}

/// A ticket's one-line summary for lists: when it is due while it is not
/// resolved (`default`: the response time without a contract).
pub fn ticket_line(t: &Ticket, default: chrono::Duration) -> String {
    use crate::store::TicketState;
    let who = match (&t.claimed_by, t.state) {
        (Some(p), TicketState::Claimed) => format!(" by {}", one_line(&p.name)),
        _ => String::new(),
    };
    let when = match t.state {
        TicketState::Resolved => format!("opened {}", t.opened_at.format("%Y-%m-%d %H:%M")),
        _ => format!("due    {}", t.due_at(default).format("%Y-%m-%d %H:%M")),
    };
    let contract = t
        .contract
        .as_ref()
        .map(|c| format!(" [{}]", c.level.as_str()))
        .unwrap_or_default();
    format!(
        "#{:<4} {:<8}{who:<12} {when}  {}{contract}: {}",
        t.id,
        t.state.as_str(),
        one_line(&t.customer.name),
        one_line(&ellipsis(t.question(), 60))
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
    if let (Some(c), true) = (&t.contract, t.state != crate::store::TicketState::Resolved) {
        let _ = writeln!(
            out,
            "  respond by: {} (promised)",
            t.due_at(c.response()).format("%Y-%m-%d %H:%M UTC")
        );
    }
    if let Some(r) = t.rating {
        let _ = writeln!(out, "  rating: {r} of 5");
    }
    let _ = writeln!(out, "transcript:");
    for e in events {
        let who = one_line(e.actor_name.as_deref().unwrap_or(&e.actor));
        let prefix = format!(
            "  {}  {who:<10} {:<14} ",
            e.at.format("%m-%d %H:%M"),
            one_line(&e.kind)
        );
        let _ = writeln!(out, "{}", hanging(&prefix, &e.text));
    }
    out
}
