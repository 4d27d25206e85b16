//! Ranking for a decision: the ranker's hits for the message (and, weaker,
//! the conversation so far), customers' feedback as a mild prior, and the
//! customer's language preferred over others.

use std::collections::HashMap;

use super::{Candidate, Context, conversation_text};
use crate::fusion::{Mode, Ranker, Scale};
use crate::index::{Hit, Part};
use crate::knowledge::{Knowledge, Lang};

/// The ranking for `text`, with the conversation so far as a weaker signal,
/// customers' feedback as a mild prior and the customer's language preferred:
/// when an entry in their language is plausible, no entry in another
/// language ranks above it. Also the scale its scores are on (the message's
/// ranking decides it; the conversation's counts only on the same scale).
pub(super) fn rank(
    knowledge: &Knowledge,
    ranker: &Ranker<'_>,
    mode: Mode,
    lang: Lang,
    text: &str,
    ctx: &Context<'_>,
    excluded: &dyn Fn(usize) -> bool,
) -> (Vec<Candidate>, Scale, Option<usize>) {
    const LIMIT: usize = 10;
    /// Earlier messages count, but less than the latest one.
    const HISTORY_DAMPING: f32 = 0.9;
    let mut by_entry: HashMap<usize, Hit> = HashMap::new();
    let ranked = ranker.search(text, lang, mode, LIMIT + ctx.exclude.len());
    let scale = ranked.scale;
    let lexical_top = ranked.lexical_top;
    let thresholds = ranker.thresholds(scale);
    for hit in ranked.hits {
        by_entry.insert(hit.entry, hit);
    }
    if !ctx.history.is_empty() {
        let whole = ranker.search(
            &conversation_text(ctx.history, text),
            lang,
            mode,
            LIMIT + ctx.exclude.len(),
        );
        let hits = if whole.scale == scale {
            whole.hits
        } else {
            Vec::new()
        };
        for mut hit in hits {
            hit.score *= HISTORY_DAMPING;
            // The conversation refines what the latest message is about; it
            // does not bring back an entry the latest message has nothing to do with.
            if let Some(existing) = by_entry.get(&hit.entry)
                && existing.score < hit.score
            {
                by_entry.insert(hit.entry, hit);
            }
        }
    }
    let has_own_language = by_entry.keys().any(|e| knowledge.entry(*e).lang == lang);
    let mut ranking: Vec<Candidate> = by_entry
        .into_values()
        .filter(|h| !excluded(h.entry))
        .map(|h| {
            let mut score = h.score;
            if has_own_language && knowledge.entry(h.entry).lang != lang {
                score *= thresholds.other_language;
            }
            if let Some(f) = ctx.feedback {
                score *= f.factor(&knowledge.entry(h.entry).id);
            }
            Candidate {
                words: h.words,
                ..candidate_for(knowledge, h.entry, score, h.part, h.matched)
            }
        })
        .collect();
    ranking.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.entry.cmp(&b.entry)));
    let best_own = ranking
        .iter()
        .find(|c| c.lang == lang && c.score >= thresholds.suggest)
        .map(|c| c.score);
    if let Some(best_own) = best_own {
        for c in ranking.iter_mut().filter(|c| c.lang != lang) {
            c.score = c.score.min(best_own);
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

pub(super) fn candidate_for(
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
    }
}

/// The customer's language among those the knowledge is written in: a
/// knowledge in one language answers in it whatever detection says (short
/// texts are easily mistaken).
pub(super) fn answerable_lang(knowledge: &Knowledge, text: &str, default_lang: Lang) -> Lang {
    match knowledge.langs() {
        [only] => *only,
        _ => crate::lang::detect(text, default_lang),
    }
}
