//! Triage: one decision about what to do with what a customer wrote, in the
//! order of the three support levels: a documented fix (2nd level) when its
//! symptoms or its text match strongly, an FAQ answer (1st level) when the
//! best match is confident, *did you mean* when a few are plausible, and a
//! hand-over to a human (3rd level) when nothing fits.
//!
//! Triage only decides, on a ranking from [`crate::ranking`]; holding a
//! conversation is the engine's job. Before all that, [`notices`] tells
//! whether a message is about a maintenance window or outage that holds now.

pub mod notices;

use serde::Serialize;

use crate::index::Part;
use crate::knowledge::{Kind, Knowledge, Lang, SymptomHit};
use crate::ranking::feedback::FeedbackPrior;
use crate::ranking::fusion::{Mode, Ranker};
use crate::ranking::handover::Signals;
use crate::ranking::{
    Asked, Candidate, Thresholds, answerable_lang, candidate_for, conversation_text, rank,
};

/// How many candidates *did you mean* offers at most.
pub const MAX_CHOICES: usize = 3;

/// What the bot does with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 2nd level: walk the customer through a documented fix.
    Fix,
    /// 1st level: answer from the FAQ.
    Answer,
    /// Not sure: offer up to three candidates.
    DidYouMean,
    /// 3rd level: hand over to a human.
    Handover,
}

/// Why the decision was made.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Why {
    /// Symptoms of documented fixes that matched.
    pub symptoms: Vec<MatchedSymptom>,
    /// A sentence for maintainers.
    pub reason: String,
}

/// A symptom that matched, for display.
#[derive(Debug, Clone, Serialize)]
pub struct MatchedSymptom {
    /// The fix's id.
    pub entry_id: String,
    /// The regular expression.
    pub symptom: String,
    /// The text it matched.
    pub matched: String,
}

/// The outcome of triage.
#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    /// What to do.
    pub level: Level,
    /// The customer's language, as detected.
    pub lang: Lang,
    /// Which ranking decided (hybrid when a model understands the language).
    pub mode: Mode,
    /// Confidence in the chosen entry (the top candidate's score without
    /// its answer's lift, the score the lines are drawn on before its
    /// offset; 1 for a symptom match).
    pub confidence: f32,
    /// The "answerable?" model's probability for the ranking, when a model
    /// decided (see `handover`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answerable: Option<f32>,
    /// The answer line of the scale that ranked: the best entry is
    /// answered when its score less its answer's lift reaches this line
    /// plus its offset (and leads
    /// the runner-up by the scale's margin), or, where an "answerable?"
    /// model decides, when its probability (`answerable`) reaches this
    /// line. Scales have lines of their own, so decisions made on different
    /// scales (English and German, say) compare by their distance to it.
    pub line: f32,
    /// The chosen entry (Fix, Answer) or the choices (DidYouMean); empty for Handover.
    pub chosen: Vec<Candidate>,
    /// The ranking, best first (also for Handover, to show what came close).
    pub ranking: Vec<Candidate>,
    /// Why.
    pub why: Why,
}

impl Decision {
    /// The single chosen entry for Fix and Answer.
    pub fn top(&self) -> Option<&Candidate> {
        match self.level {
            Level::Fix | Level::Answer => self.chosen.first(),
            _ => None,
        }
    }
}

/// What triage knows besides the message itself.
#[derive(Debug, Clone, Default)]
pub struct Context<'a> {
    /// Earlier customer messages of the conversation, oldest first.
    pub history: &'a [String],
    /// The language configured for the channel, if any; else detected.
    pub lang: Option<Lang>,
    /// The language the conversation is held in so far, if one is: a
    /// message too short to tell is read in it (else in the default).
    pub fallback_lang: Option<Lang>,
    /// Entries the customer already rejected (*Not what I asked*).
    pub exclude: &'a [String],
    /// Entries already offered about the current problem: a documented fix
    /// among them is offered again only when the new message itself shows
    /// its symptoms, not on the strength of earlier messages alone.
    pub offered: &'a [String],
    /// Customers' feedback on entries, a mild prior.
    pub feedback: Option<&'a FeedbackPrior>,
}

/// Decides for `text`.
pub fn triage(
    knowledge: &Knowledge,
    ranker: &Ranker<'_>,
    default_lang: Lang,
    text: &str,
    ctx: &Context<'_>,
) -> Decision {
    let lang = ctx.lang.unwrap_or_else(|| {
        answerable_lang(
            knowledge,
            ranker.lexical,
            text,
            ctx.fallback_lang.unwrap_or(default_lang),
        )
    });
    let excluded = |entry: usize| {
        ctx.exclude
            .iter()
            .any(|id| *id == knowledge.entry(entry).id)
    };
    let asked = Asked {
        text,
        lang,
        history: ctx.history,
        exclude: ctx.exclude,
        feedback: ctx.feedback,
    };
    let (ranking, scale, lexical_top) = rank(knowledge, ranker, ranker.mode(lang), &asked);
    let thresholds = ranker.thresholds(scale);
    let symptom_hits = counted_symptoms(knowledge, text, ctx, &excluded, |fix| {
        ranks_strongly_for_another(&ranking, thresholds, fix)
    });

    let why_symptoms: Vec<MatchedSymptom> = symptom_hits
        .iter()
        .map(|h| MatchedSymptom {
            entry_id: knowledge.entry(h.entry).id.clone(),
            symptom: h.symptom.clone(),
            matched: h.matched.clone(),
        })
        .collect();
    let model_gate = ranker.gate(scale);
    let mut decision = Decision {
        level: Level::Handover,
        lang,
        mode: scale.mode(),
        confidence: ranking.first().map_or(0.0, Candidate::unlifted),
        answerable: None,
        line: model_gate.map_or(thresholds.answer, |g| g.threshold),
        chosen: Vec::new(),
        ranking,
        why: Why {
            symptoms: why_symptoms,
            reason: String::new(),
        },
    };

    if let Some(fix) = strongest_fix(&symptom_hits) {
        let candidate = decision
            .ranking
            .iter()
            .find(|c| c.entry == fix)
            .cloned()
            .unwrap_or_else(|| candidate_for(knowledge, fix, 1.0, Part::Title, Vec::new()));
        decision.level = Level::Fix;
        decision.confidence = 1.0;
        decision.why.reason = format!(
            "symptom {} of `{}` matched",
            decision
                .why
                .symptoms
                .iter()
                .filter(|s| s.entry_id == candidate.id)
                .map(|s| format!("`{}`", s.matched))
                .collect::<Vec<_>>()
                .join(", "),
            candidate.id
        );
        decision.chosen = vec![candidate];
        return decision;
    }
    let Some(top) = decision.ranking.first().cloned() else {
        decision.why.reason = "no entry shares a word with the question".into();
        return decision;
    };
    let runner_up = decision.ranking.get(1).map_or(0.0, |c| c.score);
    let gate = model_gate.map(|g| {
        let ranked: Vec<(usize, f32, f32)> = decision
            .ranking
            .iter()
            .map(|c| (c.entry, c.decisive(), c.words))
            .collect();
        g.decide(&Signals::of(&ranked, lexical_top, text))
    });
    decision.answerable = gate.map(|(p, _)| p);
    let answers = match gate {
        Some((_, answers)) => answers,
        None => top.decisive() >= thresholds.answer && top.score - runner_up >= thresholds.margin,
    };
    if top.kind == Kind::Fix && top.score >= thresholds.fix_text {
        decision.level = Level::Fix;
        decision.why.reason = format!(
            "the text matches documented fix `{}` strongly ({:.2})",
            top.id, top.score
        );
        decision.chosen = vec![top];
    } else if answers {
        decision.level = Level::Answer;
        decision.why.reason = match gate {
            Some((p, _)) => format!(
                "best match `{}` ({:.2}) is answerable with probability {p:.2}, at least this FAQ's line",
                top.id, top.score
            ),
            None => format!(
                "best match `{}` ({:.2}) is above its answer threshold {:.2} and leads by {:.2}",
                top.id,
                top.score,
                thresholds.answer + top.offset + top.lift,
                top.score - runner_up
            ),
        };
        decision.chosen = vec![top];
    } else if let Some((p, _)) = gate {
        decision.why.reason = format!(
            "best match `{}` ({:.2}) is answerable with probability {p:.2} only, below this FAQ's line",
            top.id, top.score
        );
    } else if decision
        .ranking
        .iter()
        .any(|c| c.decisive() >= thresholds.suggest)
    {
        decision.level = Level::DidYouMean;
        decision.chosen = decision
            .ranking
            .iter()
            .filter(|c| c.decisive() >= thresholds.suggest)
            .take(MAX_CHOICES)
            .cloned()
            .collect();
        decision.why.reason = format!(
            "{} plausible match(es), none confident (best {:.2} < {:.2} or lead < {:.2})",
            decision.chosen.len(),
            top.score,
            thresholds.answer + top.offset + top.lift,
            thresholds.margin
        );
    } else {
        decision.why.reason = format!(
            "best match `{}` ({:.2}) is below its suggestion threshold {:.2}",
            top.id,
            top.score,
            thresholds.suggest + top.offset + top.lift
        );
    }
    decision
}

/// The symptoms that count for `text`. Symptoms the message itself shows
/// count, with those of the same fixes in the conversation so far. When it
/// shows none, symptoms found only in earlier messages count for a fix that
/// was not offered about this problem yet, unless the message on its own
/// ranks strongly for another entry: a follow-up ("what now?") still gets
/// the fix the conversation points to, a new problem ("my printer prints
/// blank pages") is not answered with the old one.
fn counted_symptoms(
    knowledge: &Knowledge,
    text: &str,
    ctx: &Context<'_>,
    excluded: &dyn Fn(usize) -> bool,
    elsewhere: impl Fn(usize) -> bool,
) -> Vec<SymptomHit> {
    let symptoms = knowledge.symptoms();
    let own: Vec<usize> = symptoms
        .matches(text)
        .into_iter()
        .map(|h| h.entry)
        .filter(|e| !excluded(*e))
        .collect();
    let whole = conversation_text(ctx.history, text);
    let all = symptoms
        .matches(&whole)
        .into_iter()
        .filter(|h| !excluded(h.entry));
    if !own.is_empty() {
        return all.filter(|h| own.contains(&h.entry)).collect();
    }
    let offered = |entry: usize| {
        ctx.offered
            .iter()
            .any(|id| *id == knowledge.entry(entry).id)
    };
    let earlier: Vec<SymptomHit> = all.filter(|h| !offered(h.entry)).collect();
    match strongest_fix(&earlier) {
        Some(fix) if !elsewhere(fix) => earlier,
        _ => Vec::new(),
    }
}

/// Whether the ranking, on its own, would answer with an entry other than
/// `fix` (an FAQ answer or a fix by its text).
fn ranks_strongly_for_another(ranking: &[Candidate], thresholds: &Thresholds, fix: usize) -> bool {
    let Some(top) = ranking.first() else {
        return false;
    };
    let runner_up = ranking.get(1).map_or(0.0, |c| c.score);
    let strong = if top.kind == Kind::Fix {
        top.score >= thresholds.fix_text
    } else {
        top.decisive() >= thresholds.answer && top.score - runner_up >= thresholds.margin
    };
    strong && top.entry != fix
}

/// The fix with the most matching symptoms (the first on a tie).
fn strongest_fix(hits: &[SymptomHit]) -> Option<usize> {
    let mut counts: Vec<(usize, usize)> = Vec::new();
    for h in hits {
        match counts.iter_mut().find(|(e, _)| *e == h.entry) {
            Some((_, n)) => *n += 1,
            None => counts.push((h.entry, 1)),
        }
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(e, _)| e)
}
