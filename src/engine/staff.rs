//! Staff commands on a ticket: claim (one owner; the others are told who),
//! unclaim, note, reply, resolve (the customer is asked to rate) and reopen.
//! Who may act is settled by conditional updates in the store, so two
//! instances cannot both let someone in.

use chrono::{DateTime, Utc};

use super::Engine;
use super::escalate::card;
use super::message::offer;
use super::phrases;
use super::turn::{LogLine, Turn};
use crate::domain::{
    Action, Awaiting, Conversation, Decided, MayReply, Person, Rating, Refusal, SourceKey,
    StaffCommand, Ticket, TicketId, TicketState,
};
use crate::store::{ActorKind, Claim, Guarded, StoreError};

impl Engine {
    pub(super) async fn on_staff(
        &self,
        source: &SourceKey,
        id: TicketId,
        staff: &Person,
        command: &StaffCommand,
        now: DateTime<Utc>,
    ) -> Result<Decided, StoreError> {
        let ticket = self.store.ticket(id).await?;
        let conv = match &ticket {
            Some(t) => self.store.conversation(t.conversation).await?,
            None => None,
        };
        let mut turn = Turn::begin(&*self.store, now).await?;
        turn.notices_shown_by(source, staff);
        let (Some(ticket), Some(mut conv)) = (ticket, conv) else {
            turn.push(
                None,
                None,
                notice(staff, format!("There is no ticket #{id}.")),
            );
            turn.refuse(Refusal::NotFound);
            return turn.finish().await;
        };
        let line = LogLine {
            conversation: conv.id,
            ticket: Some(id),
            actor: ActorKind::Staff,
            person: Some(staff),
            kind: command_kind(command),
            text: command_text(command),
            source: Some(source),
        };
        if !turn.log(line).await? {
            return Ok(Decided::repeated());
        }
        let mut s = StaffTurn {
            turn: &mut turn,
            conv: &mut conv,
            staff,
            id,
            refused: None,
        };
        let save = match command {
            StaffCommand::Claim => s.claim().await?,
            StaffCommand::Unclaim => s.unclaim().await?,
            StaffCommand::Note { .. } => s.note(),
            StaffCommand::Reply { text } => s.reply(&ticket, text),
            StaffCommand::Resolve { note } => s.resolve(note).await?,
            StaffCommand::Reopen => s.reopen().await?,
        };
        // The command's line above says what was asked; the log also says
        // when it was refused, so that it does not read as done.
        if let Some(why) = s.refused.take() {
            turn.log(LogLine {
                conversation: conv.id,
                ticket: Some(id),
                actor: ActorKind::Bot,
                person: None,
                kind: "refused",
                text: &why,
                source: None,
            })
            .await?;
        }
        if save {
            turn.tx.save_conversation(&conv).await?;
        }
        turn.finish().await
    }
}

/// What becomes of what a member of staff writes where it reaches the
/// customer only when they may write to them (a relay thread beside a
/// ticket opened by direct message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Relayed {
    /// It goes to the customer (as [`StaffCommand::Reply`]).
    Send,
    /// Colleagues talking it over, or no such ticket: nothing happens.
    Quiet,
    /// Not sent; the writer is told why, where they wrote.
    Refused(String),
}

impl Engine {
    /// What becomes of `text` written by `staff` beside ticket `id` (see
    /// [`Relayed`]): sent only by whoever claimed it, while it is claimed
    /// ([`Ticket::may_reply`], the rule of every way staff write).
    pub async fn relay_from(
        &self,
        id: TicketId,
        staff: &Person,
        text: &str,
    ) -> Result<Relayed, StoreError> {
        let Some(ticket) = self.store.ticket(id).await? else {
            return Ok(Relayed::Quiet);
        };
        Ok(match ticket.may_reply(staff) {
            MayReply::Yes if text.trim().is_empty() => Relayed::Refused(
                "Not sent to the customer: only text and attachments are relayed.".to_owned(),
            ),
            MayReply::Yes => Relayed::Send,
            MayReply::ClaimedBy(_) => Relayed::Quiet,
            MayReply::NotClaimed => Relayed::Refused(format!(
                "Not sent to the customer: claim ticket #{id} first, then write here."
            )),
            MayReply::Resolved => Relayed::Refused(format!(
                "Not sent to the customer: ticket #{id} is resolved; reopen it to write to them."
            )),
        })
    }
}

/// A staff command being handled. Methods return whether the conversation
/// changed and must be saved.
struct StaffTurn<'a> {
    turn: &'a mut Turn,
    conv: &'a mut Conversation,
    staff: &'a Person,
    id: TicketId,
    /// What the member of staff was told, if the command was refused.
    refused: Option<String>,
}

impl StaffTurn<'_> {
    fn tell_staff(&mut self, text: String) {
        let n = notice(self.staff, text);
        self.turn.push(Some(self.conv.id), Some(self.id), n);
    }

    /// The command is refused for `why`; the member of staff is told `text`.
    fn refuse(&mut self, why: Refusal, text: String) {
        self.refused = Some(text.clone());
        self.tell_staff(text);
        self.turn.refuse(why);
    }

    fn tell_customer(&mut self, action: Action) {
        self.turn.push(Some(self.conv.id), Some(self.id), action);
    }

    fn update_card(&mut self, ticket: &Ticket) {
        self.tell_customer(Action::UpdateStaffCard(card(ticket)));
    }

    fn say(&self, text: String) -> Action {
        Action::Say {
            thread: self.conv.thread.clone(),
            text,
            buttons: Vec::new(),
        }
    }

    async fn claim(&mut self) -> Result<bool, StoreError> {
        let id = self.id;
        match self.turn.tx.claim(id, self.staff, self.turn.now).await? {
            Claim::Won(ticket) => {
                self.update_card(&ticket);
                self.tell_customer(Action::AddToThread {
                    thread: self.conv.thread.clone(),
                    staff: self.staff.clone(),
                    ticket: Some(id),
                });
                let joined = phrases::staff_joined(self.conv.lang, &self.staff.name);
                self.tell_customer(self.say(joined));
            }
            Claim::AlreadyClaimed { by } if by.id == self.staff.id => {
                self.tell_staff(format!("You already have ticket #{id}."));
            }
            Claim::AlreadyClaimed { by } => self.refuse(
                Refusal::Conflict,
                format!("Ticket #{id} is already claimed by {}.", by.name),
            ),
            Claim::Resolved => self.refuse(
                Refusal::Conflict,
                format!("Ticket #{id} is resolved; reopen it first."),
            ),
            Claim::Missing => self.refuse(Refusal::NotFound, format!("There is no ticket #{id}.")),
        }
        Ok(false)
    }

    async fn unclaim(&mut self) -> Result<bool, StoreError> {
        let id = self.id;
        match self.turn.tx.unclaim(id, self.staff, self.turn.now).await? {
            Guarded::Done(ticket) => {
                self.update_card(&ticket);
                self.tell_staff(format!("You gave ticket #{id} back to the queue."));
            }
            Guarded::Refused(ticket) => {
                self.refuse(Refusal::Conflict, not_yours(&ticket, self.staff));
            }
            Guarded::Missing => {
                self.refuse(Refusal::NotFound, format!("There is no ticket #{id}."))
            }
        }
        Ok(false)
    }

    fn note(&mut self) -> bool {
        self.tell_staff(format!("Note added to ticket #{}.", self.id));
        false
    }

    fn reply(&mut self, ticket: &Ticket, text: &str) -> bool {
        if ticket.may_reply(self.staff) != MayReply::Yes {
            self.refuse(Refusal::Conflict, not_yours(ticket, self.staff));
            return false;
        }
        self.tell_customer(Action::StaffMessage {
            thread: self.conv.thread.clone(),
            from: self.staff.clone(),
            text: text.to_string(),
        });
        self.conv.last_activity_at = self.turn.now;
        true
    }

    async fn resolve(&mut self, note: &str) -> Result<bool, StoreError> {
        let id = self.id;
        let note = note.trim();
        if note.is_empty() {
            self.refuse(
                Refusal::Incomplete,
                format!("Resolving needs a note saying what solved it: `resolve {id} <note>`."),
            );
            return Ok(false);
        }
        let now = self.turn.now;
        match self.turn.tx.resolve(id, self.staff, note, now).await? {
            Guarded::Done(ticket) => {
                self.update_card(&ticket);
                let lang = self.conv.lang;
                self.tell_customer(self.say(phrases::resolved(lang, &self.staff.name, note)));
                let buttons = Rating::all()
                    .map(|r| offer(crate::domain::Button::Rate(r), self.conv))
                    .collect();
                self.tell_customer(Action::AskRating {
                    thread: self.conv.thread.clone(),
                    ticket: id,
                    text: phrases::ask_rating(lang),
                    buttons,
                });
                self.conv.ticket = None;
                self.conv.state.new_topic();
                self.conv.state.awaiting = Awaiting::Rating { ticket: id };
                self.conv.last_activity_at = now;
                Ok(true)
            }
            Guarded::Refused(ticket) if ticket.state == TicketState::Resolved => {
                self.refuse(
                    Refusal::Conflict,
                    format!("Ticket #{id} is already resolved."),
                );
                Ok(false)
            }
            Guarded::Refused(ticket) => {
                self.refuse(Refusal::Conflict, not_yours(&ticket, self.staff));
                Ok(false)
            }
            Guarded::Missing => {
                self.refuse(Refusal::NotFound, format!("There is no ticket #{id}."));
                Ok(false)
            }
        }
    }

    async fn reopen(&mut self) -> Result<bool, StoreError> {
        let id = self.id;
        let now = self.turn.now;
        match self.turn.tx.reopen(id, now).await? {
            Guarded::Done(ticket) => {
                self.update_card(&ticket);
                let text = phrases::reopened(self.conv.lang, id);
                self.tell_customer(self.say(text));
                self.conv.ticket = Some(id);
                self.conv.state.awaiting = Awaiting::Human { ticket: id };
                self.conv.status = crate::domain::Status::Open;
                self.conv.last_activity_at = now;
                Ok(true)
            }
            Guarded::Refused(ticket) if ticket.state != TicketState::Resolved => {
                self.refuse(Refusal::Conflict, format!("Ticket #{id} is not resolved."));
                Ok(false)
            }
            Guarded::Refused(_) => {
                self.refuse(
                    Refusal::Conflict,
                    format!(
                        "Ticket #{id} cannot be reopened: its conversation has another open ticket."
                    ),
                );
                Ok(false)
            }
            Guarded::Missing => {
                self.refuse(Refusal::NotFound, format!("There is no ticket #{id}."));
                Ok(false)
            }
        }
    }
}

/// Why someone may not act on a ticket that is not theirs.
fn not_yours(ticket: &Ticket, staff: &Person) -> String {
    match ticket.may_reply(staff) {
        MayReply::Resolved => format!("Ticket #{} is resolved.", ticket.id),
        MayReply::ClaimedBy(by) => format!("Ticket #{} is claimed by {}.", ticket.id, by.name),
        MayReply::Yes | MayReply::NotClaimed => format!(
            "Ticket #{} is not claimed by you; claim it first.",
            ticket.id
        ),
    }
}

fn notice(staff: &Person, text: String) -> Action {
    Action::Ephemeral {
        user: staff.id.clone(),
        text,
    }
}

fn command_kind(command: &StaffCommand) -> &'static str {
    match command {
        StaffCommand::Claim => "claim",
        StaffCommand::Unclaim => "unclaim",
        StaffCommand::Note { .. } => "note",
        StaffCommand::Resolve { .. } => "resolve",
        StaffCommand::Reopen => "reopen",
        StaffCommand::Reply { .. } => "staff_reply",
    }
}

fn command_text(command: &StaffCommand) -> &str {
    match command {
        StaffCommand::Note { text } | StaffCommand::Reply { text } => text,
        StaffCommand::Resolve { note } => note,
        _ => "",
    }
}
