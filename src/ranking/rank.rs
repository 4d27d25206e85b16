//! Ranking for a decision: the ranker's hits for the message (and, weaker,
//! the conversation so far), customers' feedback as a mild prior, and the
//! customer's language preferred over others.

use std::collections::HashMap;

use serde::Serialize;

use super::feedback::FeedbackPrior;
use super::fusion::{Mode, Ranker, Scale};
use crate::index::{FaqIndex, Hit, Part};
use crate::knowledge::{Kind, Knowledge, Lang};

/// One ranked entry in a decision.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    /// The entry's id.
    pub id: String,
    /// Index in the knowledge.
    #[serde(skip)]
    pub entry: usize,
    /// Its title.
    pub title: String,
    /// FAQ or fix.
    pub kind: Kind,
    /// Its language.
    pub lang: Lang,
    /// Final score after language preference, 0..=1.
    pub score: f32,
    /// Which part of the entry matched best.
    pub part: Part,
    /// The query terms found there.
    pub matched_terms: Vec<String>,
    /// The lexical word similarity of its best unit (0 where the lexical
    /// search missed it): a signal of the "answerable?" model.
    #[serde(skip)]
    pub words: f32,
    /// How far above the lines of its scale this entry's score, less its
    /// [`Candidate::lift`], must reach to be answered or suggested
    /// ([`Hit::offset`]); shown in `ask --json` and `eval --dump`, so a
    /// decision can be followed by hand.
    pub offset: f32,
    /// How much its answer moved its score for the ranking ([`Hit::lift`]),
    /// taken off before a line is drawn; shown beside the offset.
    pub lift: f32,
}

impl Candidate {
    /// The score the answer and suggestion lines are drawn on: the score
    /// less the entry's offset and its answer's lift.
    pub fn decisive(&self) -> f32 {
        self.score - self.lift - self.offset
    }

    /// The score the lines would be drawn on with no offset: the score
    /// without its answer's lift.
    pub fn unlifted(&self) -> f32 {
        self.score - self.lift
    }

    /// Multiplies the score by `factor`, the answer's lift with it.
    fn scale(&mut self, factor: f32) {
        self.score *= factor;
        self.lift *= factor;
    }
}

/// What is ranked: the message, in the customer's language, with what the
/// conversation adds.
#[derive(Debug, Clone, Copy)]
pub struct Asked<'a> {
    /// The latest message.
    pub text: &'a str,
    /// The customer's language.
    pub lang: Lang,
    /// Earlier customer messages of the conversation, oldest first.
    pub history: &'a [String],
    /// Entries the customer already rejected: never ranked.
    pub exclude: &'a [String],
    /// Customers' feedback on entries, a mild prior.
    pub feedback: Option<&'a FeedbackPrior>,
}

/// The ranking for `text`, with the conversation so far as a weaker signal,
/// customers' feedback as a mild prior and the customer's language preferred:
/// when an entry in their language is plausible, no entry in another
/// language ranks above it. Also the scale its scores are on (the message's
/// ranking decides it; the conversation's counts only on the same scale).
pub fn rank(
    knowledge: &Knowledge,
    ranker: &Ranker<'_>,
    mode: Mode,
    asked: &Asked<'_>,
) -> (Vec<Candidate>, Scale, Option<usize>) {
    const LIMIT: usize = 10;
    /// Earlier messages count, but less than the latest one.
    const HISTORY_DAMPING: f32 = 0.9;
    let Asked {
        text,
        lang,
        history,
        exclude,
        feedback,
    } = *asked;
    let excluded = |entry: usize| exclude.iter().any(|id| *id == knowledge.entry(entry).id);
    let mut by_entry: HashMap<usize, Hit> = HashMap::new();
    let ranked = ranker.search(text, lang, mode, LIMIT + exclude.len());
    let scale = ranked.scale;
    let lexical_top = ranked.lexical_top;
    let thresholds = ranker.thresholds(scale);
    for hit in ranked.hits {
        by_entry.insert(hit.entry, hit);
    }
    if !history.is_empty() {
        let whole = ranker.search(
            &conversation_text(history, text),
            lang,
            mode,
            LIMIT + exclude.len(),
        );
        let hits = if whole.scale == scale {
            whole.hits
        } else {
            Vec::new()
        };
        for mut hit in hits {
            hit.scale(HISTORY_DAMPING);
            // The conversation refines what the latest message is about; it
            // does not bring back an entry the latest message has nothing to do with.
            // Where the conversation's score is the higher, it ranks by
            // that, and the lines see the higher of the two scores without
            // the answer's lift; otherwise the latest message's hit stays
            // as it is, lift and all.
            if let Some(existing) = by_entry.get(&hit.entry)
                && existing.score < hit.score
            {
                let unlifted = existing.unlifted().max(hit.unlifted());
                hit.lift = hit.score - unlifted;
                by_entry.insert(hit.entry, hit);
            }
        }
    }
    let mut hits: Vec<Hit> = by_entry.into_values().collect();
    discount_other_languages(&mut hits, knowledge, lang, thresholds.other_language);
    let mut ranking: Vec<Candidate> = hits
        .into_iter()
        .filter(|h| !excluded(h.entry))
        .map(|h| {
            let mut c = Candidate {
                words: h.words,
                offset: h.offset,
                lift: h.lift,
                ..candidate_for(knowledge, h.entry, h.score, h.part, h.matched)
            };
            if let Some(f) = feedback {
                c.scale(f.factor(&c.id));
            }
            c
        })
        .collect();
    ranking.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.entry.cmp(&b.entry)));
    let best_own = ranking
        .iter()
        .find(|c| c.lang == lang && c.unlifted() >= thresholds.suggest)
        .map(|c| (c.score, c.unlifted()));
    if let Some((best_score, best_unlifted)) = best_own {
        // Capped at the best own entry: its score for the order, the
        // score without its lift for the lines.
        for c in ranking.iter_mut().filter(|c| c.lang != lang) {
            let unlifted = c.unlifted().min(best_unlifted);
            c.score = c.score.min(best_score);
            c.lift = c.score - unlifted;
        }
        ranking.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then((b.lang == lang).cmp(&(a.lang == lang)))
                .then(a.entry.cmp(&b.entry))
        });
    }
    ranking.truncate(LIMIT);
    (ranking, scale, lexical_top)
}

/// When one of `hits` is in `lang`, multiplies the scores of those in
/// another language by `factor` (the customer's language preferred; the
/// calibration ranks its samples the same way).
pub(crate) fn discount_other_languages(
    hits: &mut [Hit],
    knowledge: &Knowledge,
    lang: Lang,
    factor: f32,
) {
    if hits.iter().any(|h| knowledge.entry(h.entry).lang == lang) {
        for h in hits
            .iter_mut()
            .filter(|h| knowledge.entry(h.entry).lang != lang)
        {
            h.scale(factor);
        }
    }
}

/// The candidate for `entry` at `score`, before the ranking's own signals.
pub fn candidate_for(
    knowledge: &Knowledge,
    entry: usize,
    score: f32,
    part: Part,
    matched: Vec<String>,
) -> Candidate {
    let e = knowledge.entry(entry);
    Candidate {
        id: e.id.clone(),
        entry,
        title: e.title.clone(),
        kind: e.kind,
        lang: e.lang,
        score,
        part,
        matched_terms: matched,
        words: 0.0,
        offset: 0.0,
        lift: 0.0,
    }
}

/// The customer's language among those the knowledge is written in: a
/// knowledge in one language answers in it whatever detection says (short
/// texts are easily mistaken). Where detection cannot be sure, the words
/// that only one language's entries use decide ([`FaqIndex::lang_by_words`]),
/// else `fallback`.
pub fn answerable_lang(
    knowledge: &Knowledge,
    index: &FaqIndex,
    text: &str,
    fallback: Lang,
) -> Lang {
    match knowledge.langs() {
        [only] => *only,
        _ => crate::lang::detect_with(text, fallback, |t| index.lang_by_words(t)),
    }
}

/// The conversation so far and the latest message as one text.
pub fn conversation_text(history: &[String], text: &str) -> String {
    let mut all = history.join("\n");
    if !all.is_empty() {
        all.push('\n');
    }
    all.push_str(text);
    all
}
