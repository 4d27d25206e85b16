//! What time does: unclaimed tickets ping the staff role after a while and
//! again, louder, later (sooner where the customer's contract promises a
//! short response); quiet conversations get a notice and are then
//! closed; open tickets about a maintenance window or outage that holds
//! are linked to it. Each item is its own small transaction guarded by a conditional
//! update, so instances ticking at once do each thing once.

use chrono::{DateTime, Utc};

use super::turn::{LogLine, Turn};
use super::{Engine, EngineSettings, phrases};
use crate::domain::{Action, Conversation, Decided, PingLevel, Status};
use crate::knowledge::{Lang, show_duration};
use crate::store::{ActorKind, DuePing, StoreError};

impl Engine {
    pub(super) async fn on_tick(&self, now: DateTime<Utc>) -> Result<Decided, StoreError> {
        let s = &self.settings;
        let mut decided = Decided::taken();
        self.refresh_feedback().await?;
        decided.extend(self.link_notices(now).await?);
        let due = self
            .store
            .due_pings(
                now,
                EngineSettings::minutes(s.ping_after_minutes),
                EngineSettings::minutes(s.loud_ping_after_minutes),
            )
            .await?;
        for ping in due {
            decided.extend(self.ping(&ping, now).await?);
        }
        let quiet = self
            .store
            .quiet_conversations(
                now - EngineSettings::hours(s.notice_after_hours),
                now - EngineSettings::hours(s.close_after_notice_hours),
            )
            .await?;
        for conv in quiet {
            match self.quiet(conv, now).await {
                Ok(done) => decided.extend(done),
                // The customer wrote, or another instance did it: nothing to do now.
                Err(StoreError::Conflict) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(decided)
    }

    async fn ping(&self, due: &DuePing, now: DateTime<Utc>) -> Result<Decided, StoreError> {
        let Some(ticket) = self.store.ticket(due.ticket).await? else {
            return Ok(Decided::taken());
        };
        let mut turn = Turn::begin(&*self.store, now).await?;
        if !turn.tx.mark_pinged(due.ticket, due.level).await? {
            return Ok(Decided::taken());
        }
        let waited = (now - ticket.waiting_since).num_minutes().max(0);
        let mut text = if due.level >= 2 {
            format!(
                "Ticket #{} has waited {waited} minutes and still nobody has claimed it!",
                due.ticket
            )
        } else {
            format!(
                "Ticket #{} has waited {waited} minutes for someone to claim it.",
                due.ticket
            )
        };
        if let Some(contract) = &ticket.contract {
            let left = (ticket.due_at(contract.response()) - now).num_minutes();
            text.push_str(&format!(
                " {} has {} with a promised response within {}: ",
                contract.customer,
                contract.level.label(Lang::En),
                show_duration(contract.response(), Lang::En),
            ));
            text.push_str(&if left > 0 {
                format!("{left} minutes left.")
            } else {
                format!("overdue by {} minutes.", -left)
            });
        }
        let level = if due.level >= 2 {
            PingLevel::Loud
        } else {
            PingLevel::Normal
        };
        turn.log(LogLine {
            conversation: due.conversation,
            ticket: Some(due.ticket),
            actor: ActorKind::System,
            person: None,
            kind: "pinged",
            text: &text,
            source: None,
        })
        .await?;
        let action = Action::PingStaff {
            ticket: due.ticket,
            role: self.settings.staff_role.clone(),
            level,
            text,
        };
        turn.push(Some(due.conversation), Some(due.ticket), action);
        turn.finish().await
    }

    async fn quiet(
        &self,
        mut conv: Conversation,
        now: DateTime<Utc>,
    ) -> Result<Decided, StoreError> {
        let mut turn = Turn::begin(&*self.store, now).await?;
        let thread = conv.thread.clone();
        let action = if conv.notice_sent_at.is_none() {
            conv.notice_sent_at = Some(now);
            let hours = self.settings.close_after_notice_hours;
            Action::InactivityNotice {
                thread,
                text: phrases::inactivity_notice(conv.lang, hours),
            }
        } else {
            conv.status = Status::Closed;
            conv.state.new_topic();
            Action::Close {
                thread,
                text: phrases::closed(conv.lang),
            }
        };
        turn.tx.save_conversation(&conv).await?;
        turn.push(Some(conv.id), None, action);
        turn.finish().await
    }
}
