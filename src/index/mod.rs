//! The search index over one knowledge version: tantivy in RAM for BM25
//! retrieval (with fuzzy terms for misspellings) plus TF-IDF vectors for
//! bounded similarities. It ranks entries for a text; deciding what to do
//! with the ranking is `triage`'s job.
//!
//! Every entry becomes several *units*, one per field: its title, each listed
//! question, its answer text and its tags. Each unit is a tantivy document and
//! each field has its own weight, so a customer's question that closely
//! matches one listed question wins over a vague match on a long answer.

mod analysis;
mod vectors;

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use tantivy::collector::TopDocs;
use tantivy::columnar::Column;
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{FAST, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::{TextAnalyzer, WhitespaceTokenizer};
use tantivy::{Index, IndexWriter, Searcher, TantivyDocument, Term};

pub use analysis::{Analyzer, raw_words};
pub use vectors::{SparseVec, Vocab};

use crate::knowledge::{Entry, Knowledge, Lang};

/// The name our pre-analysed fields are tokenized with.
const TOKENIZER: &str = "frontline_terms";
/// How many units BM25 hands to the reranker.
const CANDIDATE_UNITS: usize = 200;

/// Which part of an entry a unit comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    /// The entry's title.
    Title,
    /// One of its listed questions.
    Question,
    /// Its answer text.
    Answer,
    /// Its tags.
    Tags,
}

/// Ranking parameters. Defaults were calibrated on the dev sets in
/// `shared/eval` (see docs/ranking.md).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RankWeights {
    /// Weight of a title match.
    pub title: f32,
    /// Weight of a listed-question match.
    pub question: f32,
    /// Weight of an answer-text match.
    pub answer: f32,
    /// Weight of a tags match.
    pub tags: f32,
    /// Share of word similarity (the rest is character-trigram similarity).
    pub words: f32,
    /// Weight of trigram terms in BM25 retrieval, relative to words.
    pub grams_boost: f32,
    /// How much the entry's further matching units add to its best one.
    pub support: f32,
    /// Share of the entry's centroid similarity (all its questions together)
    /// in its score; the rest is its best single unit.
    pub centroid: f32,
    /// How much an entry's answer and suggestion lines rise with how much
    /// more its own title and listed questions share their words and
    /// trigrams than the average entry's ([`Hit::offset`]; 0: one line for
    /// all), as the semantic scales' `fusion.tightness` does with meaning.
    /// 0.5 rather than 0.3: more answered at the hand-over target on the
    /// near-miss sets and in German, for a little less on far misses
    /// (docs/ranking.md).
    pub tightness: f32,
}

impl Default for RankWeights {
    fn default() -> Self {
        RankWeights {
            title: 1.0,
            question: 1.0,
            answer: 0.6,
            tags: 0.6,
            words: 0.5,
            grams_boost: 0.2,
            support: 0.1,
            centroid: 0.8,
            tightness: 0.5,
        }
    }
}

impl RankWeights {
    fn of(&self, part: Part) -> f32 {
        match part {
            Part::Title => self.title,
            Part::Question => self.question,
            Part::Answer => self.answer,
            Part::Tags => self.tags,
        }
    }
}

/// Something went wrong inside tantivy.
#[derive(Debug, thiserror::Error)]
#[error("building the search index")]
pub struct IndexError(#[from] tantivy::TantivyError);

#[derive(Clone, Copy)]
struct Fields {
    unit: Field,
    words_en: Field,
    words_de: Field,
    grams: Field,
}

impl Fields {
    fn words(&self, lang: Lang) -> Field {
        match lang {
            Lang::En => self.words_en,
            Lang::De => self.words_de,
        }
    }
}

/// Per entry (`langs`, each entry's language), how much more its title
/// and listed questions share their words and trigrams than the average
/// entry's of its language, weighed as ranking weighs them (`words`, the
/// rest trigrams): the mean cosine over the pairs of its texts less the
/// language's mean of that; 0 for an entry with fewer than two texts.
fn tightness(units: &[Unit], langs: &[Lang], words: f32) -> Vec<f32> {
    let mut asked: Vec<Vec<&Unit>> = vec![Vec::new(); langs.len()];
    for u in units
        .iter()
        .filter(|u| matches!(u.part, Part::Title | Part::Question))
    {
        if let Some(of_entry) = asked.get_mut(u.entry as usize) {
            of_entry.push(u);
        }
    }
    let over_pairs = |texts: &[&Unit], part: fn(&Unit) -> &SparseVec| {
        let n = texts.len() as f32;
        let sum = SparseVec::sum(texts.iter().map(|u| part(u)));
        let own: f32 = texts.iter().map(|u| part(u).norm_squared()).sum();
        (sum.norm_squared() - own) / (n * (n - 1.0))
    };
    let pairs: Vec<Option<f32>> = asked
        .iter()
        .map(|texts| {
            (texts.len() >= 2).then(|| {
                words * over_pairs(texts, |u| &u.words)
                    + (1.0 - words) * over_pairs(texts, |u| &u.grams)
            })
        })
        .collect();
    Lang::centred(&pairs, langs)
}

/// The centre of an entry's title and questions.
struct Centroid {
    words: SparseVec,
    grams: SparseVec,
}

struct Unit {
    entry: u32,
    part: Part,
    lang: Lang,
    words: SparseVec,
    grams: SparseVec,
}

/// A ranked entry.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    /// Index of the entry in the knowledge.
    pub entry: usize,
    /// Similarity in 0..=1 (higher is closer).
    pub score: f32,
    /// The best unit's word similarity.
    pub words: f32,
    /// The best unit's trigram similarity.
    pub grams: f32,
    /// Which part of the entry matched best.
    pub part: Part,
    /// Query terms (analysed) found in that part.
    pub matched: Vec<String>,
    /// How far above its scale's answer and suggestion lines this entry's
    /// score, less its [`Hit::lift`], must reach (below them, when
    /// negative): see
    /// [`crate::ranking::fusion::FusionWeights::tightness`] on a semantic
    /// scale, [`RankWeights::tightness`] on the lexical one.
    pub offset: f32,
    /// How much the entry's answer moved its score for the ranking (see
    /// [`crate::ranking::fusion::FusionWeights::answer`]; 0 elsewhere):
    /// taken off again before a line is drawn.
    pub lift: f32,
}

impl Hit {
    /// The score the answer and suggestion lines are drawn on: the score
    /// less the entry's offset and its answer's lift.
    pub fn decisive(&self) -> f32 {
        self.score - self.lift - self.offset
    }

    /// Multiplies the score by `factor` (a preference), the answer's lift
    /// with it, so that the lines still see the score without it.
    pub fn scale(&mut self, factor: f32) {
        self.score *= factor;
        self.lift *= factor;
    }

    /// The score without the answer's lift.
    pub fn unlifted(&self) -> f32 {
        self.score - self.lift
    }
}

/// A searchable index of one knowledge version.
pub struct FaqIndex {
    analyzer: Analyzer,
    searcher: Searcher,
    fields: Fields,
    unit_columns: Vec<Column<u64>>,
    units: Vec<Unit>,
    centroids: Vec<Centroid>,
    /// Per entry, its offset to the lines ([`Hit::offset`]).
    offsets: Vec<f32>,
    words: HashMap<Lang, Vocab>,
    grams: Vocab,
    weights: RankWeights,
    /// Term id to text, for explaining matches.
    word_text: HashMap<Lang, Vec<String>>,
}

impl FaqIndex {
    /// Indexes every entry of `knowledge`.
    pub fn build(knowledge: &Knowledge, weights: RankWeights) -> Result<Self, IndexError> {
        let entries = knowledge.entries();
        let analyzer = Analyzer::new(
            entries
                .iter()
                .filter(|e| e.lang == Lang::De)
                .flat_map(unit_texts)
                .map(|(_, t)| t),
        );
        let (schema, fields) = schema();
        let index = Index::create_in_ram(schema);
        index.tokenizers().register(
            TOKENIZER,
            TextAnalyzer::from(WhitespaceTokenizer::default()),
        );
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 64 * 1024 * 1024)?;

        let mut words: HashMap<Lang, Vocab> =
            Lang::ALL.iter().map(|l| (*l, Vocab::default())).collect();
        let mut grams = Vocab::default();
        let mut staged = Vec::new();
        for (entry_ix, entry) in entries.iter().enumerate() {
            for (part, text) in unit_texts(entry) {
                let w = analyzer.words(text, entry.lang);
                let g = analyzer.grams(text);
                if w.is_empty() && g.is_empty() {
                    continue;
                }
                let unit_ix = staged.len() as u64;
                let mut doc = TantivyDocument::default();
                doc.add_u64(fields.unit, unit_ix);
                doc.add_text(fields.words(entry.lang), w.join(" "));
                doc.add_text(fields.grams, g.join(" "));
                writer.add_document(doc)?;
                let word_ids = words
                    .get_mut(&entry.lang)
                    .expect("every language")
                    .add_document(&w);
                let gram_ids = grams.add_document(&g);
                staged.push((entry_ix as u32, part, entry.lang, word_ids, gram_ids));
            }
        }
        writer.commit()?;
        let per_lang: HashMap<Lang, usize> = staged.iter().fold(HashMap::new(), |mut m, s| {
            *m.entry(s.2).or_default() += 1;
            m
        });
        for (lang, vocab) in &mut words {
            vocab.finish(per_lang.get(lang).copied().unwrap_or(0));
        }
        grams.finish(staged.len());
        let units: Vec<Unit> = staged
            .into_iter()
            .map(|(entry, part, lang, w, g)| Unit {
                entry,
                part,
                lang,
                words: words[&lang].vector(w),
                grams: grams.vector(g),
            })
            .collect();
        let centroids = (0..entries.len() as u32)
            .map(|e| {
                let asked = || {
                    units.iter().filter(move |u| {
                        u.entry == e && matches!(u.part, Part::Title | Part::Question)
                    })
                };
                Centroid {
                    words: SparseVec::centroid(asked().map(|u| &u.words)),
                    grams: SparseVec::centroid(asked().map(|u| &u.grams)),
                }
            })
            .collect();
        let langs: Vec<Lang> = entries.iter().map(|e| e.lang).collect();
        let offsets = tightness(&units, &langs, weights.words)
            .into_iter()
            .map(|t| weights.tightness * t)
            .collect();
        let reader = index.reader()?;
        let searcher = reader.searcher();
        let unit_columns = searcher
            .segment_readers()
            .iter()
            .map(|s| s.fast_fields().u64("unit"))
            .collect::<Result<_, _>>()?;
        let word_text = words.iter().map(|(lang, v)| (*lang, v.texts())).collect();
        Ok(FaqIndex {
            analyzer,
            searcher,
            fields,
            unit_columns,
            units,
            centroids,
            offsets,
            words,
            grams,
            weights,
            word_text,
        })
    }

    /// How many units (title, questions, answer, tags of every entry) are indexed.
    pub fn unit_count(&self) -> usize {
        self.units.len()
    }

    /// The language whose entries use more of the words of `text` that
    /// no entry of another language uses, if one does (titles, questions,
    /// answers and tags, compared by stem, a German compound by its parts
    /// too): for a text too short for detection to be sure.
    pub fn lang_by_words(&self, text: &str) -> Option<Lang> {
        let mut votes: HashMap<Lang, usize> = HashMap::new();
        for word in raw_words(text) {
            // A German compound counts by its parts too ("Druckertreiber").
            let mut using = Lang::ALL.iter().filter(|&&lang| {
                self.words.get(&lang).is_some_and(|v| {
                    self.analyzer
                        .words(&word, lang)
                        .iter()
                        .any(|stem| v.contains(stem))
                })
            });
            if let (Some(&lang), None) = (using.next(), using.next()) {
                *votes.entry(lang).or_default() += 1;
            }
        }
        let mut ranked: Vec<(Lang, usize)> = votes.into_iter().collect();
        ranked.sort_by_key(|&(_, n)| std::cmp::Reverse(n));
        match ranked[..] {
            [(lang, _)] => Some(lang),
            [(lang, a), (_, b), ..] if a > b => Some(lang),
            _ => None,
        }
    }

    /// Entries ranked for `text`, best first, at most `limit`.
    pub fn search(&self, text: &str, limit: usize) -> Vec<Hit> {
        let query_words: HashMap<Lang, Vec<String>> = Lang::ALL
            .iter()
            .map(|l| (*l, self.analyzer.words(text, *l)))
            .collect();
        let query_grams = self.analyzer.grams(text);
        let query = self.tantivy_query(text);
        let top = match self.searcher.search(
            &query,
            &TopDocs::with_limit(CANDIDATE_UNITS).order_by_score(),
        ) {
            Ok(top) => top,
            Err(e) => {
                tracing::warn!(error = %e, "index search failed");
                return Vec::new();
            }
        };
        let qwords: HashMap<Lang, SparseVec> = query_words
            .iter()
            .map(|(l, w)| (*l, self.words[l].vector_of(w)))
            .collect();
        let qgrams = self.grams.vector_of(&query_grams);
        let mut best: HashMap<u32, (f32, f32, usize)> = HashMap::new(); // entry -> (best, sum, unit)
        for (_, addr) in top {
            let Some(unit_ix) = self.unit_columns[addr.segment_ord as usize].first(addr.doc_id)
            else {
                continue;
            };
            let unit = &self.units[unit_ix as usize];
            let sim = self.similarity(unit, &qwords[&unit.lang], &qgrams);
            let score = sim * self.weights.of(unit.part);
            let slot = best
                .entry(unit.entry)
                .or_insert((0.0, 0.0, unit_ix as usize));
            slot.1 += score;
            if score > slot.0 {
                slot.0 = score;
                slot.2 = unit_ix as usize;
            }
        }
        let mut hits: Vec<Hit> = best
            .into_iter()
            .map(|(entry, (top, sum, unit_ix))| {
                let unit = &self.units[unit_ix];
                let qw = &qwords[&unit.lang];
                let support = (sum - top).min(top) * self.weights.support;
                let c = &self.centroids[entry as usize];
                let centre = self.weights.words * c.words.cosine(qw)
                    + (1.0 - self.weights.words) * c.grams.cosine(&qgrams);
                let blended = (1.0 - self.weights.centroid) * (top + support).min(1.0)
                    + self.weights.centroid * centre;
                Hit {
                    entry: entry as usize,
                    score: blended.min(1.0),
                    words: unit.words.cosine(qw),
                    grams: unit.grams.cosine(&qgrams),
                    offset: self.offsets.get(entry as usize).copied().unwrap_or(0.0),
                    lift: 0.0,
                    part: unit.part,
                    matched: unit
                        .words
                        .shared(qw)
                        .into_iter()
                        .map(|id| self.word_text[&unit.lang][id as usize].clone())
                        .collect(),
                }
            })
            .collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.entry.cmp(&b.entry)));
        hits.truncate(limit);
        hits
    }

    fn similarity(&self, unit: &Unit, qwords: &SparseVec, qgrams: &SparseVec) -> f32 {
        let w = self.weights.words;
        w * unit.words.cosine(qwords) + (1.0 - w) * unit.grams.cosine(qgrams)
    }

    /// BM25 retrieval: known words as terms; a word no language knows
    /// (a typo, an unknown compound) as fuzzy terms and its trigrams.
    fn tantivy_query(&self, text: &str) -> BooleanQuery {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut seen = HashSet::new();
        for word in raw_words(text) {
            if !seen.insert(word.clone()) {
                continue;
            }
            let stems: Vec<(Lang, Vec<String>)> = Lang::ALL
                .iter()
                .map(|l| (*l, self.analyzer.words(&word, *l)))
                .collect();
            let known_somewhere = stems
                .iter()
                .any(|(l, terms)| terms.last().is_some_and(|t| self.words[l].contains(t)));
            for (lang, terms) in &stems {
                let field = self.fields.words(*lang);
                for t in terms {
                    let term = Term::from_field_text(field, t);
                    if self.words[lang].contains(t) {
                        let q = TermQuery::new(term, IndexRecordOption::WithFreqs);
                        clauses.push((Occur::Should, Box::new(q)));
                    } else if !known_somewhere && let Some(distance) = typo_distance(t) {
                        clauses.push((
                            Occur::Should,
                            Box::new(FuzzyTermQuery::new(term, distance, true)),
                        ));
                    }
                }
            }
            if !known_somewhere {
                for g in self.analyzer.grams(&word) {
                    if !self.grams.contains(&g) {
                        continue;
                    }
                    let q = TermQuery::new(
                        Term::from_field_text(self.fields.grams, &g),
                        IndexRecordOption::WithFreqs,
                    );
                    clauses.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(Box::new(q), self.weights.grams_boost)),
                    ));
                }
            }
        }
        BooleanQuery::new(clauses)
    }
}

/// How many edits a misspelt term may be from a known one.
fn typo_distance(term: &str) -> Option<u8> {
    match term.chars().count() {
        0..=3 => None,
        4..=7 => Some(1),
        _ => Some(2),
    }
}

/// The texts of an entry's units: title, each question, answer, tags.
fn unit_texts(entry: &Entry) -> impl Iterator<Item = (Part, &str)> {
    std::iter::once((Part::Title, entry.title.as_str()))
        .chain(entry.questions.iter().map(|q| (Part::Question, q.as_str())))
        .chain(std::iter::once((Part::Answer, entry.answer_text.as_str())))
        .chain(entry.tags.iter().map(|t| (Part::Tags, t.as_str())))
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let fields = Fields {
        unit: b.add_u64_field("unit", FAST),
        words_en: b.add_text_field("words_en", text.clone()),
        words_de: b.add_text_field("words_de", text.clone()),
        grams: b.add_text_field("grams", text),
    };
    (b.build(), fields)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::{Kind, Origin};

    fn entry(id: &str, title: &str, questions: &[&str]) -> Entry {
        Entry {
            id: id.into(),
            title: title.into(),
            questions: questions.iter().map(|q| q.to_string()).collect(),
            tags: Vec::new(),
            lang: Lang::En,
            kind: Kind::Faq,
            symptoms: Vec::new(),
            needs: Vec::new(),
            answer_markdown: String::new(),
            answer_text: String::new(),
            origin: Origin {
                path: format!("{id}.md").into(),
                line: 1,
            },
        }
    }

    fn knowledge() -> Knowledge {
        Knowledge::new(vec![
            entry(
                "password",
                "Reset my password",
                &["reset my password", "password reset", "reset the password"],
            ),
            entry(
                "billing",
                "Billing",
                &[
                    "invoice was wrong",
                    "why was I charged twice",
                    "change my payment card",
                ],
            ),
            entry("printer", "Printer offline", &[]),
        ])
        .unwrap()
    }

    fn offset(index: &FaqIndex, text: &str, id: usize) -> f32 {
        let hits = index.search(text, 5);
        hits.iter().find(|h| h.entry == id).expect("found").offset
    }

    #[test]
    fn a_preference_scales_the_answers_lift_with_the_score_so_the_lines_see_neither() {
        let mut hit = Hit {
            entry: 0,
            score: 0.8,
            words: 0.0,
            grams: 0.0,
            part: Part::Title,
            matched: Vec::new(),
            offset: 0.05,
            lift: 0.1,
        };
        assert!((hit.decisive() - 0.65).abs() < 1e-6);
        hit.scale(0.5);
        assert!((hit.score - 0.4).abs() < 1e-6);
        assert!(
            (hit.decisive() - (0.5 * 0.7 - 0.05)).abs() < 1e-6,
            "the score without the lift, scaled, less the offset: {hit:?}"
        );
    }

    #[test]
    fn the_offset_is_the_mean_similarity_over_pairs_against_the_languages_average() {
        // Entry 0 lists its title again: its one pair is identical (1).
        // Entry 1's title and question share no word or trigram (0). The
        // average is 0.5, so at weight 0.5 the offsets are +0.25 and -0.25.
        let k = Knowledge::new(vec![
            entry("same", "alpha beta", &["alpha beta"]),
            entry("apart", "gamma", &["xylo"]),
        ])
        .unwrap();
        let index = FaqIndex::build(&k, RankWeights::default()).unwrap();
        assert!((offset(&index, "alpha beta", 0) - 0.25).abs() < 1e-5);
        assert!((offset(&index, "gamma", 1) + 0.25).abs() < 1e-5);
    }

    #[test]
    fn an_entry_whose_questions_share_their_words_has_its_lines_raised_a_scattered_one_lowered() {
        let k = knowledge();
        let index = FaqIndex::build(&k, RankWeights::default()).unwrap();
        let tight = offset(&index, "reset password", 0);
        let loose = offset(&index, "invoice charged twice", 1);
        assert!(tight > 0.0 && loose < 0.0, "{tight} {loose}");
        assert!(
            (tight + loose).abs() < 1e-5,
            "against the average of the two"
        );
        assert_eq!(offset(&index, "printer offline", 2), 0.0, "a title alone");
        let hit = &index.search("reset password", 1)[0];
        assert!((hit.decisive() - (hit.score - tight)).abs() < 1e-6);
        let flat = FaqIndex::build(
            &k,
            RankWeights {
                tightness: 0.0,
                ..RankWeights::default()
            },
        )
        .unwrap();
        assert_eq!(offset(&flat, "reset password", 0), 0.0);
        assert_eq!(flat.search("reset password", 1)[0].score, hit.score);
    }
}
