//! Notices in conversations: a customer asking about a maintenance window
//! or outage that holds now is told the notice first, before fixes and the
//! FAQ, and no ticket opens for it unless they insist (*Talk to a human*,
//! `/ticket`); open tickets about it are linked to it in their audit log.
//! Staff publish and end notices here too (`/notice`, `notice` at the
//! desk), kept in the store, and each is announced once when it starts to
//! hold (in the announcement channel, where there is one); whether a
//! message is about one is decided by [`crate::triage::notices`].

use chrono::{DateTime, Utc};

use super::message::offer;
use super::turn::{LogLine, Turn};
use super::{Engine, EngineError, phrases};
use crate::brain::Brain;
use crate::domain::{
    Action, Awaiting, Button, Conversation, ConversationId, Decided, NewNotice, NoticeCommand,
    Person, SourceKey, TicketId, TicketState,
};
use crate::knowledge::notices::merge_notices;
use crate::knowledge::{Notice, NoticeOrigin, check_symptom};
use crate::store::{ActorKind, StoreError};
use crate::triage::notices::{NoticeMatch, match_notice};

/// The platform of the source keys that make each link of a ticket to a
/// notice happen once.
const LINK_PLATFORM: &str = "notice";

impl Engine {
    /// Every notice, planned, active or ended: those staff published, then
    /// those under `notices/` whose id staff did not publish (a published
    /// notice replaces the file's, which is how staff end one at once).
    pub async fn notices(&self) -> Result<Vec<Notice>, StoreError> {
        let brain = self.brain.get();
        self.all_notices(&brain).await
    }

    async fn all_notices(&self, brain: &Brain) -> Result<Vec<Notice>, StoreError> {
        let published = self.store.notices().await?;
        let all = merge_notices(published, brain.knowledge().notices());
        // For answering while the database is away.
        self.known_notices
            .store(Some(std::sync::Arc::new(all.clone())));
        Ok(all)
    }

    /// The notices that hold at `now`.
    pub(super) async fn notices_at(
        &self,
        brain: &Brain,
        now: DateTime<Utc>,
    ) -> Result<Vec<Notice>, StoreError> {
        let mut all = self.all_notices(brain).await?;
        all.retain(|n| n.is_active(now));
        Ok(all)
    }

    /// Links every open ticket whose customer wrote about one of `notices`
    /// to it (once); returns how many were linked now.
    pub(super) async fn link_open_tickets(
        &self,
        turn: &mut Turn,
        notices: &[Notice],
    ) -> Result<usize, StoreError> {
        let tickets = self
            .store
            .tickets(&[TicketState::Open, TicketState::Claimed])
            .await?;
        let mut linked = 0;
        for ticket in tickets {
            let wrote = ticket.customer_wrote.join("\n");
            if let Some(m) = match_notice(notices, &wrote, turn.now)
                && link(turn, ticket.conversation, ticket.id, &m).await?
            {
                linked += 1;
            }
        }
        Ok(linked)
    }

    /// A tick: each notice that holds is announced once, and open tickets
    /// about it are linked to it.
    pub(super) async fn link_notices(&self, now: DateTime<Utc>) -> Result<Decided, StoreError> {
        let notices = self.notices_at(&self.brain.get(), now).await?;
        if notices.is_empty() {
            return Ok(Decided::taken());
        }
        let mut turn = Turn::begin(&*self.store, now).await?;
        for notice in &notices {
            announce(&mut turn, notice).await?;
        }
        self.link_open_tickets(&mut turn, &notices).await?;
        turn.finish().await
    }

    /// Publishes or ends a notice for `staff` at `now`; returns what they
    /// are told. The adapter checked they are staff.
    pub async fn notice_command(
        &self,
        staff: &Person,
        command: &NoticeCommand,
        now: DateTime<Utc>,
    ) -> Result<String, EngineError> {
        let told = match command {
            NoticeCommand::Publish(new) => self.publish(staff, new, now).await?,
            NoticeCommand::End { id } => self.end(staff, id.trim(), now).await?,
        };
        Ok(told)
    }

    async fn publish(
        &self,
        staff: &Person,
        new: &NewNotice,
        now: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        let notice = match notice_of(new, staff, now) {
            Ok(notice) => notice,
            Err(refusal) => return Ok(refusal),
        };
        let brain = self.brain.get();
        let others = self.all_notices(&brain).await?;
        let mut turn = Turn::begin(&*self.store, now).await?;
        turn.tx.publish_notice(&notice).await?;
        let linked = if notice.is_active(now) {
            announce(&mut turn, &notice).await?;
            self.link_open_tickets(&mut turn, std::slice::from_ref(&notice))
                .await?
        } else {
            0
        };
        turn.finish().await?;
        tracing::info!(notice = %notice.id, by = %staff.name, "notice published");
        let mut told = format!(
            "Notice `{}` published: {} of {}, {} {} until {}; {linked} open ticket(s) linked to it.",
            notice.id,
            notice.kind.as_str(),
            notice.services.join(", "),
            notice.status(now).as_str(),
            notice.start.format("%Y-%m-%d %H:%M UTC"),
            notice.end.format("%Y-%m-%d %H:%M UTC"),
        );
        for other in others.iter().filter(|o| overlap(o, &notice, now)) {
            told.push_str(&format!(
                "\nNote: it overlaps `{}` ({} until {}).",
                other.id,
                other.services.join(", "),
                other.end.format("%Y-%m-%d %H:%M UTC")
            ));
        }
        Ok(told)
    }

    async fn end(
        &self,
        staff: &Person,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        let brain = self.brain.get();
        let current = self.all_notices(&brain).await?;
        let Some(notice) = current.iter().find(|n| n.id == id && n.end > now) else {
            return Ok(format!("There is no notice `{id}` that still holds."));
        };
        let mut turn = Turn::begin(&*self.store, now).await?;
        match &notice.origin {
            NoticeOrigin::Staff { .. } => {
                turn.tx.end_notice(id, now).await?;
            }
            NoticeOrigin::File { .. } => {
                // A published copy ending now replaces the file's notice.
                let ended = Notice {
                    start: notice.start.min(now),
                    end: now,
                    origin: NoticeOrigin::Staff {
                        by: staff.name.clone(),
                        at: now,
                    },
                    ..notice.clone()
                };
                turn.tx.publish_notice(&ended).await?;
            }
        }
        turn.finish().await?;
        tracing::info!(notice = %id, by = %staff.name, "notice ended");
        Ok(format!(
            "Notice `{id}` ended; it no longer answers customers."
        ))
    }
}

/// Announces `notice` in the announcement channel, once per notice and
/// start whichever instance gets there first.
async fn announce(turn: &mut Turn, notice: &Notice) -> Result<(), StoreError> {
    if turn.tx.announce_notice(notice, turn.now).await? {
        let action = Action::Announce {
            notice: notice.id.clone(),
            text: phrases::announcement(notice),
        };
        turn.push(None, None, action);
    }
    Ok(())
}

/// Tells the customer of the notice their message is about, with
/// *Talk to a human* under it for a problem that is something else.
pub(super) fn tell_notice(turn: &mut Turn, conv: &mut Conversation, found: &NoticeMatch<'_>) {
    let notice = found.notice;
    conv.state.awaiting = Awaiting::Notice {
        notice: notice.id.clone(),
    };
    let action = Action::Say {
        thread: conv.thread.clone(),
        text: phrases::notice(conv.lang, notice),
        buttons: vec![offer(Button::TalkToHuman, conv)],
    };
    turn.push(Some(conv.id), None, action);
}

/// Links `ticket` to the notice `found` in its audit log, once; `false` if
/// it was linked before.
async fn link(
    turn: &mut Turn,
    conversation: ConversationId,
    ticket: TicketId,
    found: &NoticeMatch<'_>,
) -> Result<bool, StoreError> {
    let text = format!(
        "linked to notice {} ({}): the customer wrote \"{}\"",
        found.notice.id,
        found.notice.services.join(", "),
        found.matched
    );
    link_line(turn, conversation, ticket, &found.notice.id, &text).await
}

/// Logs `text` as the link of `ticket` to notice `id`, once per pair.
pub(super) async fn link_line(
    turn: &mut Turn,
    conversation: ConversationId,
    ticket: TicketId,
    id: &str,
    text: &str,
) -> Result<bool, StoreError> {
    let key = SourceKey::new(LINK_PLATFORM, format!("{id}/ticket-{ticket}"));
    turn.log(LogLine {
        conversation,
        ticket: Some(ticket),
        actor: ActorKind::Bot,
        person: None,
        kind: "notice",
        text,
        source: Some(&key),
    })
    .await
}

/// The notice staff asked for, or why it cannot be published.
fn notice_of(new: &NewNotice, staff: &Person, now: DateTime<Utc>) -> Result<Notice, String> {
    let id = new.id.trim();
    if id.is_empty() || id.chars().any(char::is_whitespace) || id.chars().count() > 80 {
        return Err("A notice needs an id: one word such as `mail-outage`.".to_owned());
    }
    let services: Vec<String> = new
        .services
        .iter()
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
    if services.is_empty() {
        return Err("A notice names the services it affects, e.g. `mail`.".to_owned());
    }
    let symptoms: Vec<String> = new
        .symptoms
        .iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    if let Some(Err(problem)) = symptoms
        .iter()
        .map(|s| check_symptom(s).map_err(|p| p.message(s)))
        .find(Result::is_err)
    {
        return Err(format!("{problem}. Nothing was published."));
    }
    let text = |t: &Option<String>| {
        t.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    let (text_en, text_de) = (text(&new.text_en), text(&new.text_de));
    if text_en.is_none() && text_de.is_none() {
        return Err(
            "A notice needs the text customers are told (English, German or both).".to_owned(),
        );
    }
    if new.lasts <= chrono::Duration::zero() {
        return Err("A notice must last a while, e.g. `4h`.".to_owned());
    }
    let start = new.start.unwrap_or(now);
    Ok(Notice {
        id: id.to_owned(),
        kind: new.kind,
        start,
        end: start + new.lasts,
        services,
        symptoms,
        text_en,
        text_de,
        origin: NoticeOrigin::Staff {
            by: staff.name.clone(),
            at: now,
        },
    })
}

/// Whether `other` (another notice that has not ended) shares a service
/// and part of its window with `notice`.
fn overlap(other: &Notice, notice: &Notice, now: DateTime<Utc>) -> bool {
    other.id != notice.id
        && other.end > now
        && other.overlaps(notice)
        && other.services.iter().any(|s| notice.services.contains(s))
}
