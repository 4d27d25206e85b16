//! Customer messages: refuse what cannot be read, greet small talk, and
//! triage everything else with the conversation so far.

use chrono::{DateTime, Utc};

use super::Engine;
use super::contracts;
use super::human;
use super::notices::tell_notice;
use super::phrases;
use super::small_talk::{self, SmallTalk};
use super::turn::{LogLine, Turn};
use crate::brain::Brain;
use crate::domain::{
    Action, Awaiting, Button, Conversation, Decided, Elsewhere, Offer, Offered, Person, Reason,
    Source, SourceKey, ThreadRef,
};
use crate::knowledge::{Entry, Kind, Lang};
use crate::store::{ActorKind, NewAnswer, NewConversation, StoreError, Via};
use crate::triage::notices::match_notice;
use crate::triage::{Context, Decision, Level};

/// What a message says: its text and links to its attachments.
#[derive(Debug, Clone, Copy)]
pub(super) struct Said<'a> {
    /// The text.
    pub text: &'a str,
    /// Links to attached files.
    pub attachments: &'a [String],
    /// Where it was written, if not in the conversation's thread.
    pub elsewhere: Option<&'a Elsewhere>,
    /// The author's roles on the platform, for their contract.
    pub roles: Option<&'a [String]>,
}

impl Said<'_> {
    /// The text (capped at `max` characters) and the links, one per line.
    fn with_links(&self, max: usize) -> String {
        with_links(&capped(self.text.trim(), max), self.attachments)
    }
}

/// `text` followed by `links`, one per line: a message with its attachments
/// as the transcript keeps it and as it is relayed.
pub fn with_links(text: &str, links: &[String]) -> String {
    let mut out = text.to_owned();
    for link in links {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(link);
    }
    out
}

impl Engine {
    pub(super) async fn on_message(
        &self,
        source: &SourceKey,
        thread: &ThreadRef,
        author: &Person,
        said: Said<'_>,
        lang: Option<Lang>,
        now: DateTime<Utc>,
    ) -> Result<Decided, StoreError> {
        let brain = self.brain.get();
        let text = said.text;
        let logged = said.with_links(self.settings.max_message_chars);
        let arrival = Arrival {
            source,
            thread,
            by: author,
            kind: "message",
            logged: &logged,
            opening: text,
            lang,
        };
        let Some((mut turn, mut conv)) = self.arrive(&brain, arrival, now).await? else {
            return Ok(Decided::repeated());
        };
        if conv.customer.id != author.id {
            // Someone else in the customer's thread (staff, a colleague): transcript only.
            return turn.finish().await;
        }
        conv.customer_returns(now);
        contracts::note(brain.knowledge().contracts(), &mut conv, said.roles, now);
        if let Some(elsewhere) = said.elsewhere {
            joined_from(&mut turn, &conv, elsewhere, &logged);
        }
        self.read_message(&brain, &mut turn, &mut conv, source, said, &logged)
            .await?;
        turn.tx.save_conversation(&conv).await?;
        turn.finish().await
    }
}

/// Something someone did in a conversation's thread, as the log keeps it.
pub(super) struct Arrival<'a> {
    /// Platform and event id, for idempotency.
    pub source: &'a SourceKey,
    /// The thread.
    pub thread: &'a ThreadRef,
    /// Who did it; the customer if it starts the conversation.
    pub by: &'a Person,
    /// The log line's kind.
    pub kind: &'static str,
    /// The log line's text.
    pub logged: &'a str,
    /// The text a new conversation's language is detected from.
    pub opening: &'a str,
    /// The place's configured language, for a new conversation.
    pub lang: Option<Lang>,
}

impl Engine {
    /// Begins the turn for `arrival`: the thread's conversation (started if
    /// there is none) with the event logged, or `None` when the same event
    /// (same source) was handled before.
    pub(super) async fn arrive(
        &self,
        brain: &Brain,
        arrival: Arrival<'_>,
        now: DateTime<Utc>,
    ) -> Result<Option<(Turn, Conversation)>, StoreError> {
        let Arrival {
            source,
            thread,
            by,
            kind,
            logged,
            opening,
            lang,
        } = arrival;
        let existing = self.store.conversation_by_thread(thread).await?;
        let mut turn = Turn::begin(&*self.store, now).await?;
        let conv = match existing {
            Some(c) => c,
            None => {
                self.start(brain, &mut turn, thread, by, opening, lang)
                    .await?
            }
        };
        let line = LogLine {
            conversation: conv.id,
            ticket: conv.ticket,
            actor: if conv.customer.id == by.id {
                ActorKind::Customer
            } else {
                ActorKind::Other
            },
            person: Some(by),
            kind,
            text: logged,
            source: Some(source),
        };
        Ok(turn.log(line).await?.then_some((turn, conv)))
    }

    /// Starts the conversation of `thread` with `customer`, in the place's
    /// configured language if it has one, else in the language `text` is in.
    pub(super) async fn start(
        &self,
        brain: &Brain,
        turn: &mut Turn,
        thread: &ThreadRef,
        customer: &Person,
        text: &str,
        channel_lang: Option<Lang>,
    ) -> Result<Conversation, StoreError> {
        let lang = channel_lang
            .unwrap_or_else(|| crate::lang::detect_reliably(text, brain.settings().default_lang.0));
        let new = NewConversation {
            thread: thread.clone(),
            customer: customer.clone(),
            lang,
            at: turn.now,
        };
        let mut conv = turn.tx.create_conversation(&new).await?;
        if channel_lang.is_some() && conv.state.channel_lang.is_none() {
            conv.state.channel_lang = channel_lang;
        }
        Ok(conv)
    }

    /// A customer writes too fast: asked once to slow down, in the
    /// conversation's language (or the place's, or the default).
    pub(super) async fn on_flooding(
        &self,
        thread: &ThreadRef,
        lang: Option<Lang>,
        now: DateTime<Utc>,
    ) -> Result<Decided, StoreError> {
        let conv = self.store.conversation_by_thread(thread).await?;
        let lang = conv
            .as_ref()
            .map(|c| c.lang)
            .or(lang)
            .unwrap_or(self.brain.get().settings().default_lang.0);
        let mut turn = Turn::begin(&*self.store, now).await?;
        let action = Action::Say {
            thread: thread.clone(),
            text: phrases::slow_down(lang),
            buttons: Vec::new(),
        };
        turn.push(conv.map(|c| c.id), None, action);
        turn.finish().await
    }

    async fn read_message(
        &self,
        brain: &Brain,
        turn: &mut Turn,
        conv: &mut Conversation,
        source: &SourceKey,
        said: Said<'_>,
        logged: &str,
    ) -> Result<(), StoreError> {
        let text = said.text;
        let chars = text.trim().chars().count();
        let say = |text: String| Action::Say {
            thread: conv.thread.clone(),
            text,
            buttons: Vec::new(),
        };
        if chars > self.settings.max_message_chars {
            let text = phrases::too_long(conv.lang, chars, self.settings.max_message_chars);
            turn.push(Some(conv.id), None, say(text));
            return Ok(());
        }
        let nothing = chars == 0 && said.attachments.is_empty();
        if let (Awaiting::Human { ticket }, false) = (&conv.state.awaiting, nothing) {
            let ticket = *ticket;
            // The bot keeps out. Staff in the thread read it there; staff
            // who are not (a DM, the terminal desk) get it relayed, with
            // links to what is attached (a screenshot).
            let relay = Action::CustomerMessage {
                ticket,
                thread: conv.thread.clone(),
                from: conv.customer.clone(),
                text: logged.to_owned(),
            };
            turn.push(Some(conv.id), Some(ticket), relay);
            return Ok(());
        }
        if chars == 0 {
            turn.push(Some(conv.id), None, say(phrases::empty(conv.lang)));
            return Ok(());
        }
        if let Awaiting::Details { .. } = conv.state.awaiting {
            // An answer to the question for a detail staff need (a request
            // for a person hands over with what was given so far).
            conv.state.push_topic(text.trim());
            if human::asks_for_human(text) {
                return self
                    .escalate(turn, conv, Reason::FixDidNotHelp, source)
                    .await;
            }
            return self.detail_answered(turn, conv, text, source).await;
        }
        match small_talk::classify(text) {
            Some(SmallTalk::Greeting) => {
                turn.push(
                    Some(conv.id),
                    None,
                    say(phrases::describe_please(conv.lang)),
                );
                return Ok(());
            }
            Some(SmallTalk::Thanks) => {
                turn.push(Some(conv.id), None, say(phrases::welcome(conv.lang)));
                return Ok(());
            }
            None => {}
        }
        if let Awaiting::Rating { .. } = conv.state.awaiting {
            conv.state.new_topic();
        }
        conv.state.push_topic(text.trim());
        conv.lang = match conv.state.channel_lang {
            Some(configured) => configured,
            None => crate::lang::detect_reliably(text, conv.lang),
        };
        // Asking for a person in so many words is a request, as the button
        // is (and insists past a notice the customer was told of).
        if human::asks_for_human(text) {
            return self
                .escalate(turn, conv, Reason::AskedForHuman, source)
                .await;
        }
        // Their own contract, or remote maintenance it does not include:
        // after what a contract would include, only an answer the FAQ has
        // (how to start a session), no ticket unless they ask.
        match contracts::answer(brain.knowledge().contracts(), turn, conv, text) {
            contracts::Replied::No => {}
            contracts::Replied::Answered => return Ok(()),
            contracts::Replied::Offered => {
                let decision = self.triage_topic(brain, conv);
                if !matches!(decision.level, Level::Answer | Level::Fix) {
                    return Ok(());
                }
                let (via, reason) = (Via::Triage, Reason::NoMatch);
                return self
                    .respond(brain, turn, conv, &decision, via, reason, source)
                    .await;
            }
        }
        // A maintenance window or outage that holds comes first: the
        // customer learns it is known, and no ticket opens for it.
        let notices = self.notices_at(brain, turn.now).await?;
        if let Some(found) = match_notice(&notices, text, turn.now) {
            tell_notice(turn, conv, &found);
            let key = super::offline::notice_key(&found.notice.id);
            if self.offline_given.entry_for(source) == Some(key) {
                self.button_after_offline_notice(turn, conv);
            }
            return Ok(());
        }
        if let Awaiting::Notice { .. } = conv.state.awaiting {
            // Something else now: a ticket for it is not about the notice.
            conv.state.awaiting = Awaiting::Question;
        }
        let decision = self.triage_topic(brain, conv);
        // A lone word or number nothing matches ("asdf", "42") is too little
        // for staff, who would only ask the same: the customer is asked
        // first (and told how to ask for a person), unless something came
        // with it or answers were offered on this topic already.
        if decision.level == Level::Handover
            && said.attachments.is_empty()
            && conv.state.offered.is_empty()
            && conv.state.rejected.is_empty()
            && small_talk::says_too_little(&conv.state.topic)
        {
            let ask = Action::Say {
                thread: conv.thread.clone(),
                text: phrases::say_more(conv.lang),
                buttons: Vec::new(),
            };
            turn.push(Some(conv.id), None, ask);
            return Ok(());
        }
        self.respond(
            brain,
            turn,
            conv,
            &decision,
            Via::Triage,
            Reason::NoMatch,
            source,
        )
        .await
    }

    /// Triages the topic's latest message with the earlier ones as context,
    /// leaving out entries the customer rejected; a fix already offered
    /// about this topic comes again only if the latest message shows its
    /// symptoms.
    pub(super) fn triage_topic(&self, brain: &Brain, conv: &Conversation) -> Decision {
        let topic = &conv.state.topic;
        let (text, history) = topic
            .split_last()
            .map_or(("", &[][..]), |(last, rest)| (last.as_str(), rest));
        let prior = self.prior.load();
        let offered: Vec<String> = conv
            .state
            .offered
            .iter()
            .map(|o| o.entry_id.clone())
            .collect();
        brain.triage(
            text,
            &Context {
                history,
                lang: conv.state.channel_lang,
                fallback_lang: Some(conv.lang),
                exclude: &conv.state.rejected,
                offered: &offered,
                feedback: Some(&prior),
            },
        )
    }

    /// Acts on a triage decision: answer, fix, choices or a ticket.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn respond(
        &self,
        brain: &Brain,
        turn: &mut Turn,
        conv: &mut Conversation,
        decision: &Decision,
        via: Via,
        reason: Reason,
        source: &SourceKey,
    ) -> Result<(), StoreError> {
        match (decision.level, decision.top()) {
            (Level::Fix | Level::Answer, Some(top)) => {
                let entry = brain.knowledge().entry(top.entry);
                let recognised = decision
                    .why
                    .symptoms
                    .iter()
                    .filter(|s| s.entry_id == entry.id)
                    .map(|s| s.matched.clone())
                    .collect();
                self.give_answer(turn, conv, entry, decision.confidence, via, recognised)
                    .await?;
                if self.offline_given.entry_for(source).as_deref() == Some(entry.id.as_str()) {
                    self.buttons_after_offline_answer(turn, conv);
                }
                Ok(())
            }
            (Level::DidYouMean, _) if !decision.chosen.is_empty() => {
                offer_choices(turn, conv, decision);
                Ok(())
            }
            _ => self.escalate(turn, conv, reason, source).await,
        }
    }

    /// Shows `entry` with its feedback buttons and logs the answer.
    pub(super) async fn give_answer(
        &self,
        turn: &mut Turn,
        conv: &mut Conversation,
        entry: &Entry,
        confidence: f32,
        via: Via,
        recognised: Vec<String>,
    ) -> Result<(), StoreError> {
        // Buttons speak the language of the answer they sit under.
        conv.lang = entry.lang;
        let answer = turn
            .tx
            .record_answer(&NewAnswer {
                conversation: conv.id,
                entry_id: entry.id.clone(),
                title: entry.title.clone(),
                kind: entry.kind,
                via,
                question: conv.state.topic.last().cloned().unwrap_or_default(),
                confidence,
                lang: conv.lang,
                at: turn.now,
            })
            .await?;
        conv.state.offered.push(Offered {
            answer,
            entry_id: entry.id.clone(),
            title: entry.title.clone(),
            feedback: None,
        });
        conv.state.awaiting = Awaiting::Feedback {
            answer,
            entry_id: entry.id.clone(),
            kind: entry.kind,
        };
        conv.state.offer += 1;
        let buttons = match entry.kind {
            Kind::Fix => vec![Button::FixedIt, Button::StillBroken],
            Kind::Faq => vec![Button::Solved, Button::NotWhatIAsked, Button::TalkToHuman],
        };
        let action = Action::Answer {
            thread: conv.thread.clone(),
            kind: entry.kind,
            title: entry.title.clone(),
            body: entry.answer_markdown.clone(),
            source: Source {
                entry_id: entry.id.clone(),
                path: entry.origin.path.to_string_lossy().replace('\\', "/"),
                line: entry.origin.line,
            },
            recognised,
            buttons: buttons.iter().map(|b| offer(b.clone(), conv)).collect(),
            offer: conv.state.offer,
        };
        turn.push(Some(conv.id), None, action);
        Ok(())
    }
}

/// A message written in a support channel joins the customer's open
/// conversation: they are told there where it went, and the thread quotes
/// it, so that whoever reads the thread (the customer, staff) sees it.
fn joined_from(turn: &mut Turn, conv: &Conversation, elsewhere: &Elsewhere, logged: &str) {
    let told = Action::Say {
        thread: elsewhere.place.clone(),
        text: phrases::added_to_open_question(conv.lang, &elsewhere.link),
        buttons: Vec::new(),
    };
    turn.push(Some(conv.id), None, told);
    let quoted = Action::Say {
        thread: conv.thread.clone(),
        text: phrases::also_wrote(conv.lang, logged),
        buttons: Vec::new(),
    };
    turn.push(Some(conv.id), None, quoted);
}

/// *Did you mean*: one button per plausible entry, then *Talk to a human*.
fn offer_choices(turn: &mut Turn, conv: &mut Conversation, decision: &Decision) {
    let mut buttons: Vec<Offer> = decision
        .chosen
        .iter()
        .map(|c| Offer {
            button: Button::Choose(c.id.clone()),
            label: c.title.clone(),
        })
        .collect();
    buttons.push(offer(Button::TalkToHuman, conv));
    conv.state.awaiting = Awaiting::Choice {
        entries: decision.chosen.iter().map(|c| c.id.clone()).collect(),
    };
    conv.state.offer += 1;
    let action = Action::Choices {
        thread: conv.thread.clone(),
        text: phrases::did_you_mean(conv.lang),
        buttons,
        offer: conv.state.offer,
    };
    turn.push(Some(conv.id), None, action);
}

/// A button labelled in the conversation's language.
pub(super) fn offer(button: Button, conv: &Conversation) -> Offer {
    Offer {
        label: phrases::label(&button, conv.lang, None),
        button,
    }
}

/// At most `max` characters of `text`, marked when cut.
pub(super) fn capped(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}
