//! One turn of the engine: a transaction plus the actions decided in it.
//! Finishing a turn writes every action to the outbox, logs what the bot
//! said in the transcript, and commits — all or nothing.

use chrono::{DateTime, Utc};

use crate::domain::{
    Action, ConversationId, Decided, Person, Refusal, Ruling, SourceKey, TicketId, UserId,
};
use crate::store::{ActorKind, NewEvent, Store, StoreError, Tx};

/// A transaction and the actions decided in it.
pub struct Turn {
    /// The transaction.
    pub tx: Box<dyn Tx>,
    /// The time of the inbound event.
    pub now: DateTime<Utc>,
    actions: Vec<Planned>,
    /// Whose private notices the client shows itself (not queued).
    shown_by_client: Option<UserId>,
    /// Whether the event acts; [`Turn::refuse`] says it does not.
    ruling: Ruling,
}

/// An action decided in a turn.
struct Planned {
    conversation: Option<ConversationId>,
    ticket: Option<TicketId>,
    action: Action,
    /// `false` for what the customer already has (an answer given while
    /// the database was unreachable): logged, not sent again.
    deliver: bool,
    /// Whether the caller gets it back: what is queued, and the notices the
    /// client shows itself.
    returned: bool,
}

impl Turn {
    /// Begins a turn.
    pub async fn begin(store: &dyn Store, now: DateTime<Utc>) -> Result<Self, StoreError> {
        Ok(Turn {
            tx: store.begin().await?,
            now,
            actions: Vec::new(),
            shown_by_client: None,
            ruling: Ruling::Taken,
        })
    }

    /// Private notices to `actor` are shown by the client the event came
    /// from (`source`, see [`SourceKey::shows_notices`]): returned, not queued.
    pub fn notices_shown_by(&mut self, source: &SourceKey, actor: &Person) {
        if source.shows_notices() {
            self.shown_by_client = Some(actor.id.clone());
        }
    }

    /// Decides an action about `conversation` (and `ticket`, for the transcript).
    pub fn push(
        &mut self,
        conversation: Option<ConversationId>,
        ticket: Option<TicketId>,
        action: Action,
    ) {
        let shown = matches!(
            (&action, &self.shown_by_client),
            (Action::Ephemeral { user, .. }, Some(actor)) if user == actor
        );
        self.actions.push(Planned {
            conversation,
            ticket,
            action,
            deliver: !shown,
            returned: true,
        });
    }

    /// Keeps the last action decided, if `given` says it is what was
    /// delivered already (an answer, a notice), in the transcript but does
    /// not send it, because the customer already has it; returns it (`None`,
    /// changing nothing, otherwise).
    pub fn already_delivered(&mut self, given: impl Fn(&Action) -> bool) -> Option<&Action> {
        let last = self.actions.last_mut().filter(|p| given(&p.action))?;
        last.deliver = false;
        last.returned = false;
        Some(&last.action)
    }

    /// The event is refused for `why` (the person is told in an action).
    pub fn refuse(&mut self, why: Refusal) {
        self.ruling = Ruling::Refused(why);
    }

    /// Records an event in `conversation`'s log; `false` if its source was
    /// seen before.
    pub async fn log(&mut self, event: LogLine<'_>) -> Result<bool, StoreError> {
        self.tx
            .record_event(&NewEvent {
                conversation: event.conversation,
                ticket: event.ticket,
                at: self.now,
                actor: event.actor,
                person: event.person.cloned(),
                kind: event.kind,
                text: event.text.to_string(),
                source: event.source.cloned(),
            })
            .await
    }

    /// Enqueues the actions, logs the bot's words, commits; returns the
    /// actions to deliver and whether the event acted.
    pub async fn finish(mut self) -> Result<Decided, StoreError> {
        let actions = std::mem::take(&mut self.actions);
        for planned in &actions {
            let conversation = planned.conversation;
            if let (Some(conversation), Some((kind, text))) =
                (conversation, transcript(&planned.action))
            {
                self.log(LogLine {
                    conversation,
                    ticket: planned.ticket,
                    actor: ActorKind::Bot,
                    person: None,
                    kind,
                    text: &text,
                    source: None,
                })
                .await?;
            }
            if planned.deliver {
                self.tx
                    .enqueue(&planned.action, conversation, self.now)
                    .await?;
            }
        }
        self.tx.commit().await?;
        let (conversations, actions) = actions
            .into_iter()
            .filter(|p| p.returned)
            .map(|p| (p.conversation, p.action))
            .unzip();
        Ok(Decided {
            actions,
            conversations,
            ruling: self.ruling,
        })
    }
}

/// An event to log.
pub struct LogLine<'a> {
    /// The conversation.
    pub conversation: ConversationId,
    /// The ticket, if any.
    pub ticket: Option<TicketId>,
    /// Who.
    pub actor: ActorKind,
    /// Their identity.
    pub person: Option<&'a Person>,
    /// What happened.
    pub kind: &'static str,
    /// The words.
    pub text: &'a str,
    /// The inbound event, for idempotency.
    pub source: Option<&'a crate::engine::SourceKey>,
}

/// What the bot said in a customer's thread, for the transcript.
fn transcript(action: &Action) -> Option<(&'static str, String)> {
    match action {
        Action::Answer {
            title,
            source,
            kind,
            ..
        } => {
            let what = match kind {
                crate::knowledge::Kind::Faq => "answer",
                crate::knowledge::Kind::Fix => "fix",
            };
            Some((what, format!("{title} [{}]", source.entry_id)))
        }
        Action::Choices { text, buttons, .. } => {
            let options: Vec<&str> = buttons.iter().map(|b| b.label.as_str()).collect();
            Some(("choices", format!("{text} {}", options.join(" | "))))
        }
        Action::Say { text, .. }
        | Action::TicketOpened { text, .. }
        | Action::AskRating { text, .. }
        | Action::InactivityNotice { text, .. }
        | Action::Close { text, .. } => Some(("bot", text.clone())),
        _ => None,
    }
}
