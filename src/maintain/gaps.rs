//! `frontline gaps`: what to write next. Questions the FAQ could not answer
//! — those that ended in a ticket or got *Not what I asked* — grouped by
//! similarity, most frequent first. Similarity is the index's own analysis
//! (stemmed words, German compounds split) weighted by TF-IDF over these
//! questions, compared by cosine to each group's centre.

use std::collections::HashSet;
use std::fmt::Write as _;

use crate::domain::{ConversationId, Feedback, TicketId};
use crate::index::{Analyzer, SparseVec, Vocab};
use crate::knowledge::Lang;
use crate::store::{AnswerRecord, Ticket};
use crate::terminal::{ellipsis, one_line};

/// Questions at least this similar to a group's centre join it.
pub const DEFAULT_SIMILARITY: f32 = 0.3;

/// Why a question counts as unanswered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// It ended in this ticket.
    Ticket(TicketId),
    /// The customer said this entry was not what they asked.
    NotWhatIAsked(String),
}

/// One unanswered question.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    /// What the customer wrote.
    pub text: String,
    /// Why it counts.
    pub origin: Origin,
}

/// Similar unanswered questions.
#[derive(Debug, Clone, PartialEq)]
pub struct Gap {
    /// The questions, the most typical first.
    pub questions: Vec<Question>,
    /// The words they share most (stemmed).
    pub terms: Vec<String>,
}

/// The unanswered questions: each ticket's first words, and each question
/// an entry was rejected for (once per conversation and text).
pub fn unanswered(answers: &[AnswerRecord], tickets: &[Ticket]) -> Vec<Question> {
    let mut seen: HashSet<(ConversationId, String)> = HashSet::new();
    let mut out = Vec::new();
    for t in tickets {
        let text = t.customer_wrote.join("\n");
        for line in &t.customer_wrote {
            seen.insert((t.conversation, line.clone()));
        }
        if !text.trim().is_empty() {
            out.push(Question {
                text,
                origin: Origin::Ticket(t.id),
            });
        }
    }
    for a in answers
        .iter()
        .filter(|a| a.feedback == Some(Feedback::NotWhatIAsked))
    {
        if seen.insert((a.conversation, a.question.clone())) && !a.question.trim().is_empty() {
            out.push(Question {
                text: a.question.clone(),
                origin: Origin::NotWhatIAsked(a.entry_id.clone()),
            });
        }
    }
    out
}

/// Groups `questions` by similarity, largest group first.
pub fn group(questions: Vec<Question>, min_similarity: f32, default_lang: Lang) -> Vec<Gap> {
    let langs: Vec<Lang> = questions
        .iter()
        .map(|q| crate::lang::detect_reliably(&q.text, default_lang))
        .collect();
    let analyzer = Analyzer::new(
        questions
            .iter()
            .zip(&langs)
            .filter(|(_, l)| **l == Lang::De)
            .map(|(q, _)| q.text.as_str()),
    );
    let mut vocab = Vocab::default();
    let ids: Vec<Vec<u32>> = questions
        .iter()
        .zip(&langs)
        .map(|(q, l)| vocab.add_document(&analyzer.words(&q.text, *l)))
        .collect();
    vocab.finish(questions.len());
    let vectors: Vec<SparseVec> = ids.into_iter().map(|i| vocab.vector(i)).collect();

    let mut groups: Vec<(Vec<usize>, SparseVec)> = Vec::new();
    for (i, v) in vectors.iter().enumerate() {
        let best = groups
            .iter()
            .enumerate()
            .map(|(g, (_, centre))| (g, centre.cosine(v)))
            .filter(|(_, sim)| *sim >= min_similarity)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        match best {
            Some((g, _)) => {
                groups[g].0.push(i);
                groups[g].1 = SparseVec::centroid(groups[g].0.iter().map(|m| &vectors[*m]));
            }
            None => groups.push((vec![i], v.clone())),
        }
    }
    groups.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0[0].cmp(&b.0[0])));
    let texts = vocab.texts();
    groups
        .into_iter()
        .map(|(mut members, centre)| {
            members.sort_by(|a, b| {
                centre
                    .cosine(&vectors[*b])
                    .total_cmp(&centre.cosine(&vectors[*a]))
            });
            Gap {
                questions: members.iter().map(|m| questions[*m].clone()).collect(),
                terms: centre
                    .top(5)
                    .into_iter()
                    .map(|id| texts[id as usize].clone())
                    .collect(),
            }
        })
        .collect()
}

/// The groups as a report, at most `limit` of them.
pub fn render(gaps: &[Gap], limit: usize) -> String {
    let mut out = String::new();
    if gaps.is_empty() {
        out.push_str("no unanswered questions yet\n");
    }
    for (i, gap) in gaps.iter().take(limit).enumerate() {
        let _ = writeln!(
            out,
            "{}. {} question(s) about: {}",
            i + 1,
            gap.questions.len(),
            one_line(&gap.terms.join(", "))
        );
        for q in gap.questions.iter().take(5) {
            let why = match &q.origin {
                Origin::Ticket(t) => format!("ticket #{t}"),
                Origin::NotWhatIAsked(e) => format!("not what I asked: {}", one_line(e)),
            };
            let text = one_line(&ellipsis(&q.text.replace('\n', " / "), 100)).into_owned();
            let _ = writeln!(out, "   - \"{text}\" ({why})");
        }
        if gap.questions.len() > 5 {
            let _ = writeln!(out, "   … and {} more", gap.questions.len() - 5);
        }
    }
    if gaps.len() > limit {
        let _ = writeln!(out, "({} more group(s); use --limit)", gaps.len() - limit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(text: &str, ticket: i64) -> Question {
        Question {
            text: text.into(),
            origin: Origin::Ticket(TicketId(ticket)),
        }
    }

    #[test]
    fn similar_questions_group_together_most_frequent_first() {
        let gaps = group(
            vec![
                q("the coffee machine leaks water", 1),
                q("how do I book a meeting room", 2),
                q("coffee machine is leaking again", 3),
                q("our coffee machine leaks", 4),
            ],
            DEFAULT_SIMILARITY,
            Lang::En,
        );
        assert_eq!(gaps.len(), 2, "{gaps:#?}");
        assert_eq!(gaps[0].questions.len(), 3);
        assert!(
            gaps[0].terms.contains(&"coffe".to_string()),
            "{:?}",
            gaps[0].terms
        );
        assert_eq!(gaps[1].questions, [q("how do I book a meeting room", 2)]);
    }
}
