//! Handing over to a human: opening a ticket that carries what the customer
//! wrote and what the bot suggested, and the card staff see for it.

use chrono::{DateTime, Utc};

use super::Engine;
use super::contracts;
use super::details;
use super::message::{Arrival, capped};
use super::notices::link_line;
use super::phrases;
use super::press::feedback_on;
use super::turn::{LogLine, Turn};
use crate::domain::{
    Action, Awaiting, Card, CardStatus, Conversation, Decided, Feedback, Person, Reason, Refusal,
    SourceKey, StaffButton, Suggested, ThreadRef, Ticket, TicketState,
};
use crate::knowledge::{ContractTerms, Lang};
use crate::store::{ActorKind, NewTicket, Opened, StoreError};

impl Engine {
    /// A customer asks for a human (`/ticket`): the conversation starts if
    /// need be, the summary joins what staff will read, and a ticket opens
    /// (or the customer hears that one is open already). Only the
    /// conversation's customer can ask in it.
    pub(super) async fn on_ticket(
        &self,
        source: &SourceKey,
        thread: &ThreadRef,
        by: &Person,
        asked: Asked<'_>,
        lang: Option<Lang>,
        now: DateTime<Utc>,
    ) -> Result<Decided, StoreError> {
        let brain = self.brain.get();
        let summary = asked.summary.map(str::trim).filter(|s| !s.is_empty());
        let summary = summary.map(|s| capped(s, self.settings.max_message_chars));
        let arrival = Arrival {
            source,
            thread,
            by,
            kind: "ticket_request",
            logged: summary.as_deref().unwrap_or(""),
            opening: summary.as_deref().unwrap_or(""),
            lang,
        };
        let Some((mut turn, mut conv)) = self.arrive(&brain, arrival, now).await? else {
            return Ok(Decided::repeated());
        };
        if let Some(text) = super::question::not_theirs(&conv, by) {
            let told = Action::Ephemeral {
                user: by.id.clone(),
                text,
            };
            turn.push(None, None, told);
            turn.refuse(Refusal::NotYours);
            return turn.finish().await;
        }
        conv.customer_returns(now);
        contracts::note(brain.knowledge().contracts(), &mut conv, asked.roles, now);
        if let Awaiting::Rating { .. } = conv.state.awaiting {
            conv.state.new_topic();
        }
        if let Awaiting::Feedback { answer, .. } = conv.state.awaiting {
            feedback_on(&mut turn, &mut conv, answer, Feedback::TalkToHuman).await?;
        }
        if let Some(summary) = &summary {
            conv.state.push_topic(summary);
        }
        self.escalate(&mut turn, &mut conv, Reason::AskedForHuman, source)
            .await?;
        turn.tx.save_conversation(&conv).await?;
        turn.finish().await
    }

    /// Opens a ticket for the conversation's current problem, once per
    /// `source` and once per conversation.
    pub(super) async fn escalate(
        &self,
        turn: &mut Turn,
        conv: &mut Conversation,
        reason: Reason,
        source: &SourceKey,
    ) -> Result<(), StoreError> {
        // The customer was told of a notice and insists: the ticket is
        // linked to it, so staff see what they were told.
        let told_notice = match &conv.state.awaiting {
            Awaiting::Notice { notice } => Some(notice.clone()),
            _ => None,
        };
        let new = NewTicket {
            conversation: conv.id,
            source: source.clone(),
            reason,
            customer_wrote: conv.state.topic.clone(),
            suggested: conv
                .state
                .offered
                .iter()
                .map(|o| Suggested {
                    entry_id: o.entry_id.clone(),
                    title: o.title.clone(),
                    feedback: o.feedback,
                })
                .collect(),
            contract: self.contract_terms(conv, turn.now),
            details: details::collected(conv),
            at: turn.now,
        };
        match turn.tx.open_ticket(&new).await? {
            Opened::New(ticket) => {
                conv.ticket = Some(ticket.id);
                conv.state.awaiting = Awaiting::Human { ticket: ticket.id };
                turn.log(LogLine {
                    conversation: conv.id,
                    ticket: Some(ticket.id),
                    actor: ActorKind::Bot,
                    person: None,
                    kind: "ticket_opened",
                    text: reason.describe(),
                    source: None,
                })
                .await?;
                if let Some(notice) = &told_notice {
                    let text = format!(
                        "linked to notice {notice}: the customer was told of it and asked for a human"
                    );
                    link_line(turn, conv.id, ticket.id, notice, &text).await?;
                }
                let told = Action::TicketOpened {
                    thread: conv.thread.clone(),
                    ticket: ticket.id,
                    text: phrases::ticket_opened(conv.lang, ticket.id),
                };
                turn.push(Some(conv.id), Some(ticket.id), told);
                // What their contract promises, to the customer alone.
                if let Some(terms) = &ticket.contract {
                    let next = Action::Private {
                        user: conv.customer.id.clone(),
                        text: phrases::contract_next_steps(conv.lang, terms),
                    };
                    turn.push(Some(conv.id), Some(ticket.id), next);
                }
                turn.push(
                    Some(conv.id),
                    Some(ticket.id),
                    Action::PostStaffCard(card(&ticket)),
                );
            }
            Opened::Existing(ticket) => {
                if ticket.state != TicketState::Resolved {
                    conv.ticket = Some(ticket.id);
                    conv.state.awaiting = Awaiting::Human { ticket: ticket.id };
                }
                let said = Action::Say {
                    thread: conv.thread.clone(),
                    text: phrases::ticket_already_open(conv.lang, ticket.id),
                    buttons: Vec::new(),
                };
                turn.push(Some(conv.id), Some(ticket.id), said);
            }
        }
        Ok(())
    }
}

/// A customer's request for a human (`/ticket`).
#[derive(Debug, Clone, Copy)]
pub(super) struct Asked<'a> {
    /// What is wrong, in their words.
    pub summary: Option<&'a str>,
    /// Their roles on the platform, for their contract.
    pub roles: Option<&'a [String]>,
}

impl Engine {
    /// What the contract covering the conversation's customer promises,
    /// to keep with their ticket.
    fn contract_terms(&self, conv: &Conversation, now: DateTime<Utc>) -> Option<ContractTerms> {
        let id = conv.state.contract.as_deref()?;
        self.brain
            .get()
            .knowledge()
            .contracts()
            .get(id)
            .filter(|c| c.is_valid(now))
            .map(|c| c.terms())
    }
}

/// The staff card of `ticket` as it stands.
pub fn card(ticket: &Ticket) -> Card {
    let (status, buttons) = match (&ticket.state, &ticket.claimed_by, &ticket.resolved_by) {
        (TicketState::Resolved, _, by) => (
            CardStatus::Resolved {
                by: by
                    .clone()
                    .or_else(|| ticket.claimed_by.clone())
                    .unwrap_or_else(|| Person::new("unknown", "unknown")),
                note: ticket.resolution.clone().unwrap_or_default(),
            },
            vec![StaffButton::Reopen],
        ),
        (TicketState::Claimed, Some(by), _) => (
            CardStatus::Claimed { by: by.clone() },
            vec![StaffButton::Unclaim, StaffButton::Resolve],
        ),
        _ => (
            CardStatus::Open,
            vec![StaffButton::Claim, StaffButton::Resolve],
        ),
    };
    Card {
        ticket: ticket.id,
        thread: ticket.thread.clone(),
        customer: ticket.customer.clone(),
        status,
        reason: ticket.reason,
        customer_wrote: ticket.customer_wrote.clone(),
        suggested: ticket.suggested.clone(),
        opened_at: ticket.opened_at,
        contract: ticket.contract.clone(),
        details: ticket.details.clone(),
        buttons,
    }
}
