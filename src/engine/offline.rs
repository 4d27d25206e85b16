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
use crate::domain::{Action, Conversation, Inbound, Source, SourceKey};
use crate::triage::{Context, Level};

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
    /// The FAQ answer or documented fix for `event`, decided from the
    /// knowledge alone, when the event is a customer's message that starts
    /// its thread and the answer is confident; `None` otherwise (small
    /// talk, an empty or huge message, *did you mean*, a hand-over: those
    /// wait for the database). The answer has no buttons; they follow when
    /// the event is handled.
    pub fn answer_offline(&self, event: &Inbound, starts_thread: bool) -> Option<Action> {
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
        let prior = self.prior.load();
        let decision = brain.triage(
            text.trim(),
            &Context {
                history: &[],
                lang,
                exclude: &[],
                offered: &[],
                feedback: Some(&prior),
            },
        );
        if !matches!(decision.level, Level::Answer | Level::Fix) {
            return None;
        }
        let entry = brain.knowledge().entry(decision.top()?.entry);
        Some(Action::Answer {
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
        })
    }

    /// `answer` (from [`Engine::answer_offline`]) reached the customer who
    /// wrote `event`: when the event is handled, the answer is recorded
    /// instead of sent again.
    pub fn offline_answer_given(&self, event: &Inbound, answer: &Action) {
        if let (Inbound::Message { source, .. }, Action::Answer { source: entry, .. }) =
            (event, answer)
        {
            self.offline_given.remember(source, &entry.entry_id);
        }
    }
}

impl Engine {
    /// The answer just decided was given while the database was away: it
    /// goes in the transcript without being sent again, and its feedback
    /// buttons, which the offline answer lacked, follow on their own.
    pub(super) fn buttons_after_offline_answer(&self, turn: &mut Turn, conv: &Conversation) {
        let Some(Action::Answer { buttons, .. }) = turn.already_delivered_answer() else {
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
