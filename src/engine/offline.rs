//! Answering while the database is unreachable. The FAQ is in memory, so a
//! question that opens a conversation can still get its answer at once: the
//! intake (`crate::intake`) asks [`Engine::answer_offline`] and delivers the
//! answer directly, and the event waits for the database. When it is handled
//! then, the engine records the answer as given and sends only the feedback
//! buttons the offline answer lacked, instead of answering twice.
//!
//! Only a message that starts its thread is answered this way: in a thread
//! that may already have a conversation, the bot cannot know whether a
//! human has the ticket (it keeps out then) or what was said before.

use std::collections::HashMap;
use std::sync::Mutex;

use super::small_talk;
use super::turn::Turn;
use super::{Engine, phrases};
use chrono::{DateTime, Utc};

use crate::domain::{Action, Conversation, Inbound, Source, SourceKey};
use crate::triage::notices::match_notice;
use crate::triage::{Context, Level};

/// An answer given while the database is unreachable: what to deliver, and
/// what it was (an entry's id, or a notice's) for when the event is handled.
#[derive(Debug, Clone, PartialEq)]
pub struct Offline {
    /// What the customer gets at once.
    pub action: Action,
    key: String,
}

/// What [`Given`] keeps for a notice told while the database was away.
pub(super) fn notice_key(id: &str) -> String {
    format!("notice:{id}")
}

/// How many offline answers are remembered until their events are handled.
const REMEMBERED: usize = 100_000;

/// Offline answers given, by the source of the message they answered.
#[derive(Debug, Default)]
pub(super) struct Given(Mutex<HashMap<SourceKey, String>>);

impl Given {
    fn remember(&self, source: &SourceKey, entry_id: &str) {
        let mut given = self.0.lock().expect("not poisoned");
        if given.len() >= REMEMBERED {
            given.clear();
        }
        given.insert(source.clone(), entry_id.to_owned());
    }

    /// The entry answered offline to the message from `source`, if any.
    pub(super) fn entry_for(&self, source: &SourceKey) -> Option<String> {
        self.0.lock().expect("not poisoned").get(source).cloned()
    }

    /// Forgets the offline answer to `source` once its event is recorded.
    pub(super) fn forget(&self, source: &SourceKey) {
        self.0.lock().expect("not poisoned").remove(source);
    }
}

impl Engine {
    /// The answer to `event` at `now` decided without the database, when
    /// the event is a customer's message that starts its thread: a notice
    /// that holds and that it is about (as last read from the database, or
    /// from the files), else a confident FAQ answer or documented fix;
    /// `None` otherwise (small talk, an empty or huge message, *did you
    /// mean*, a hand-over: those wait for the database). It has no buttons;
    /// they follow when the event is handled.
    pub fn answer_offline(
        &self,
        event: &Inbound,
        starts_thread: bool,
        now: DateTime<Utc>,
    ) -> Option<Offline> {
        let Inbound::Message {
            thread, text, lang, ..
        } = event.cleaned()
        else {
            return None;
        };
        let chars = text.trim().chars().count();
        if !starts_thread
            || chars == 0
            || chars > self.settings.max_message_chars
            || small_talk::classify(&text).is_some()
        {
            return None;
        }
        let brain = self.brain.get();
        let known = self.known_notices.load_full();
        let notices = known
            .as_deref()
            .map_or(brain.knowledge().notices(), Vec::as_slice);
        if let Some(found) = match_notice(notices, &text, now) {
            let lang = lang.unwrap_or_else(|| {
                crate::lang::detect_reliably(&text, brain.settings().default_lang.0)
            });
            return Some(Offline {
                key: notice_key(&found.notice.id),
                action: Action::Say {
                    thread: thread.clone(),
                    text: phrases::notice(lang, found.notice),
                    buttons: Vec::new(),
                },
            });
        }
        let prior = self.prior.load();
        let decision = brain.triage(
            text.trim(),
            &Context {
                history: &[],
                lang,
                fallback_lang: None,
                exclude: &[],
                offered: &[],
                feedback: Some(&prior),
            },
        );
        if !matches!(decision.level, Level::Answer | Level::Fix) {
            return None;
        }
        let entry = brain.knowledge().entry(decision.top()?.entry);
        let action = Action::Answer {
            thread: thread.clone(),
            kind: entry.kind,
            title: entry.title.clone(),
            body: entry.answer_markdown.clone(),
            source: Source::of(entry),
            recognised: decision
                .why
                .symptoms
                .iter()
                .filter(|s| s.entry_id == entry.id)
                .map(|s| s.matched.clone())
                .collect(),
            buttons: Vec::new(),
            offer: 0,
        };
        Some(Offline {
            key: entry.id.clone(),
            action,
        })
    }

    /// `answer` (from [`Engine::answer_offline`]) reached the customer who
    /// wrote `event`: when the event is handled, the answer is recorded
    /// instead of sent again.
    pub fn offline_answer_given(&self, event: &Inbound, answer: &Offline) {
        if let Inbound::Message { source, .. } = event {
            self.offline_given.remember(source, &answer.key);
        }
    }
}

impl Engine {
    /// The notice just told was told while the database was away: it goes
    /// in the transcript without being sent again, and *Talk to a human*,
    /// which the offline one lacked, follows on its own.
    pub(super) fn button_after_offline_notice(&self, turn: &mut Turn, conv: &Conversation) {
        let Some(Action::Say { buttons, .. }) =
            turn.already_delivered(|a| matches!(a, Action::Say { .. }))
        else {
            return;
        };
        let follow = Action::Say {
            thread: conv.thread.clone(),
            text: phrases::something_else(conv.lang),
            buttons: buttons.clone(),
        };
        turn.push(Some(conv.id), None, follow);
    }

    /// The answer just decided was given while the database was away: it
    /// goes in the transcript without being sent again, and its feedback
    /// buttons, which the offline answer lacked, follow on their own.
    pub(super) fn buttons_after_offline_answer(&self, turn: &mut Turn, conv: &Conversation) {
        let Some(Action::Answer { buttons, .. }) =
            turn.already_delivered(|a| matches!(a, Action::Answer { .. }))
        else {
            return;
        };
        let follow = Action::Say {
            thread: conv.thread.clone(),
            text: phrases::did_that_help(conv.lang),
            buttons: buttons.clone(),
        };
        turn.push(Some(conv.id), None, follow);
    }
}
