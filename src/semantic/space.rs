//! The vectors of one knowledge version: every entry's title and listed
//! questions, and each entry's centroid (the normalised mean of those), by
//! the main model and, if configured, by the companion and the multilingual
//! encoders, with the similarities of a query to each entry. The main model
//! and the multilingual encoder also embed the start of each answer (see
//! [`passage`]).

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{
    Adaptation, BuildKind, CacheStats, Classifier, Encoder, Semantic, SemanticError, adapt,
    classifier, dot,
};
use crate::knowledge::{Kind, Knowledge, Lang, MIN_QUESTIONS};

/// How much of an answer is embedded, at most, in characters (cut at a
/// word): its opening says what it is about, and a long answer would
/// otherwise cost a long pass of the encoder for each entry.
pub const PASSAGE_CHARS: usize = 600;

/// The text of `entry`'s answer that is embedded, the entry listing
/// `listed` questions in the FAQ: the start of its plain text, up to
/// [`PASSAGE_CHARS`] characters, cut at a word. Empty (nothing embedded)
/// for an entry that lists [`MIN_QUESTIONS`] questions or more, where the
/// answer does not weigh in the ranking (see `FusionWeights::answer`),
/// and for a documented fix, whose answer is steps to take rather than
/// words a customer uses (it is found by its symptoms and listed
/// questions).
pub fn passage(entry: &crate::knowledge::Entry, listed: usize) -> &str {
    if entry.kind == Kind::Fix || listed >= MIN_QUESTIONS {
        return "";
    }
    let text = entry.answer_text.trim();
    let Some((end, _)) = text.char_indices().nth(PASSAGE_CHARS) else {
        return text;
    };
    let cut = &text[..end];
    cut.rfind(char::is_whitespace)
        .map_or(cut, |space| &cut[..space])
        .trim_end()
}

/// How close a query is to one entry.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct EntrySimilarity {
    /// Cosine to the closest of its title and listed questions.
    pub best: f32,
    /// Cosine to its centroid.
    pub centroid: f32,
    /// Its probability under the classifier trained on the listed questions.
    pub classifier: f32,
    /// The companion encoder's cosines, when one is loaded.
    pub companion: Option<Cosines>,
    /// How much more tightly the entry's own texts cluster than the
    /// average entry of its language: the mean cosine over the pairs of its
    /// texts, by the main model (or the multilingual encoder, where that
    /// ranks), less that average. An entry whose questions lie close together
    /// is met closely by its own customers, so a question it is merely
    /// the nearest to must come closer before it is answered.
    pub tightness: f32,
    /// Cosine to the start of the entry's answer ([`passage`]), where the
    /// encoder that ranks embedded answers and the entry has one.
    pub answer: Option<f32>,
    /// How many questions the entry lists: its answer weighs the more in
    /// the ranking the fewer it lists.
    pub listed: usize,
}

/// A query's cosines to one entry in one embedding space.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Cosines {
    /// To the closest of its title and listed questions.
    pub best: f32,
    /// To its centroid.
    pub centroid: f32,
}

/// Unit vectors of listed texts in one embedding space, with the entry of
/// each and every entry's unit centroid.
struct Vectors {
    dim: usize,
    /// Row after row.
    rows: Vec<f32>,
    /// Row after row, one per entry.
    centroids: Vec<f32>,
    /// Per entry, how much more tightly its texts cluster than the average
    /// entry's (see [`tightness`]).
    tightness: Vec<f32>,
    /// Row after row, one per entry: its answer's passage, all zeros for
    /// an entry without one; empty where no entry's answer is embedded.
    answers: Vec<f32>,
    /// Per entry, whether its answer is embedded here.
    answered: Vec<bool>,
}

impl Vectors {
    /// From the vectors of texts labelled `row_entry` (indices into
    /// `langs`, each entry's language).
    fn new(vectors: &[super::Vector], row_entry: &[u32], langs: &[Lang], dim: usize) -> Self {
        let mut rows = Vec::with_capacity(vectors.len() * dim);
        for v in vectors {
            rows.extend_from_slice(v);
        }
        Self::from_rows(rows, row_entry, langs, dim)
    }

    /// From rows laid out one after the other, labelled `row_entry`.
    fn from_rows(rows: Vec<f32>, row_entry: &[u32], langs: &[Lang], dim: usize) -> Self {
        let entries = langs.len();
        let mut centroids = vec![0f32; entries * dim];
        for (v, &e) in rows.chunks_exact(dim.max(1)).zip(row_entry) {
            let c = &mut centroids[e as usize * dim..][..dim];
            c.iter_mut().zip(v.iter()).for_each(|(c, x)| *c += x);
        }
        let tightness = tightness(&rows, &centroids, row_entry, langs, dim);
        for c in centroids.chunks_mut(dim) {
            let norm = dot(c, c).sqrt();
            if norm > 0.0 {
                c.iter_mut().for_each(|x| *x /= norm);
            }
        }
        Vectors {
            dim,
            rows,
            centroids,
            tightness,
            answers: Vec::new(),
            answered: Vec::new(),
        }
    }

    /// These vectors with the entries' answers embedded (`answers`, one
    /// per entry; an empty vector for an entry without one).
    fn with_answers(mut self, answers: &[super::Vector]) -> Self {
        self.answered = answers.iter().map(|v| v.len() == self.dim).collect();
        if self.answered.contains(&true) {
            self.answers = vec![0f32; self.entries() * self.dim];
            for (row, v) in self.answers.chunks_exact_mut(self.dim.max(1)).zip(answers) {
                if v.len() == row.len() {
                    row.copy_from_slice(v);
                }
            }
        }
        self
    }

    /// The cosine of `query` to entry `e`'s answer, if it has one here.
    fn answer(&self, e: usize, query: &[f32]) -> Option<f32> {
        if !self.answered.get(e).copied().unwrap_or(false) {
            return None;
        }
        Some(dot(&self.answers[e * self.dim..][..self.dim], query))
    }

    fn entries(&self) -> usize {
        self.centroids.len() / self.dim.max(1)
    }

    /// Row `i`.
    fn row(&self, i: usize) -> &[f32] {
        &self.rows[i * self.dim..][..self.dim]
    }

    /// Each entry's best cosine to `query` among the listed texts in `rows`
    /// (-1 for an entry with none there).
    fn best(&self, query: &[f32], row_entry: &[u32], rows: std::ops::Range<usize>) -> Vec<f32> {
        let mut best = vec![-1f32; self.entries()];
        let vectors = self.rows[rows.start * self.dim..rows.end * self.dim].chunks_exact(self.dim);
        for (row, &e) in vectors.zip(&row_entry[rows]) {
            let slot = &mut best[e as usize];
            *slot = slot.max(dot(row, query));
        }
        best
    }

    /// The cosine of `query` to each entry's centroid.
    fn centroid_cosines<'a>(&'a self, query: &'a [f32]) -> impl Iterator<Item = f32> + 'a {
        self.centroids
            .chunks_exact(self.dim)
            .map(move |c| dot(c, query))
    }

    /// Entry `e`'s tightness beside the average entry's.
    fn tightness(&self, e: usize) -> f32 {
        self.tightness.get(e).copied().unwrap_or(0.0)
    }

    /// Both cosines of `query` to every entry, scanning all rows here.
    fn cosines(&self, query: &[f32], row_entry: &[u32]) -> Vec<Cosines> {
        self.best(query, row_entry, 0..row_entry.len())
            .into_iter()
            .zip(self.centroid_cosines(query))
            .map(|(best, centroid)| Cosines { best, centroid })
            .collect()
    }
}

/// Per entry, how much more tightly its texts (unit rows labelled
/// `row_entry`, summed per entry in `sums`) cluster than the average entry
/// of its language (`langs`, by entry): the mean cosine over the pairs of
/// its texts, minus the mean of that over the entries of the language
/// that have two texts or more (0 for an entry with fewer: nothing to
/// tell). The mean over pairs does not grow with the number of texts, as
/// the cosine to a centroid would, so an entry listing thirty questions
/// is not taken for a tighter one than an entry listing three; and an
/// encoder that does not understand a language does not move the average
/// of the others.
fn tightness(
    rows: &[f32],
    sums: &[f32],
    row_entry: &[u32],
    langs: &[Lang],
    dim: usize,
) -> Vec<f32> {
    let mut squares = vec![0f32; langs.len()];
    let mut count = vec![0usize; langs.len()];
    for (r, &e) in rows.chunks_exact(dim.max(1)).zip(row_entry) {
        squares[e as usize] += dot(r, r);
        count[e as usize] += 1;
    }
    // Over the pairs: (|sum|² - Σ|r|²) / (n (n - 1)).
    let pairs: Vec<Option<f32>> = sums
        .chunks_exact(dim.max(1))
        .zip(squares.iter().zip(&count))
        .map(|(sum, (&sq, &n))| (n >= 2).then(|| (dot(sum, sum) - sq) / (n * (n - 1)) as f32))
        .collect();
    Lang::centred(&pairs, langs)
}

/// The embedded titles and questions of one knowledge version.
pub struct SemanticIndex {
    /// Every title and listed question by the main model.
    vectors: Vectors,
    /// The entry of each row.
    row_entry: Vec<u32>,
    /// How many questions each entry lists.
    listed: Vec<usize>,
    /// The same texts by the companion encoder, if one is loaded.
    companion: Option<Vectors>,
    /// The same texts by the multilingual encoder, if one is loaded, and a
    /// classifier trained on them where the entries list questions.
    multilingual: Option<(Vectors, Option<Classifier>)>,
    classifier: Classifier,
    /// The last layer trained for this knowledge, if any (shared with the
    /// indexes derived from this one).
    adaptation: Option<Arc<Adaptation>>,
    /// What the cache did during the build (for the main model; the
    /// companion's is [`SemanticIndex::companion_stats`]).
    pub stats: CacheStats,
    /// What the companion's cache did, if there is a companion.
    pub companion_stats: Option<CacheStats>,
    /// What the multilingual encoder's cache did, if there is one.
    pub multilingual_stats: Option<CacheStats>,
    /// How long embedding took.
    pub build_time: Duration,
}

/// What one index build embeds, and with what.
struct Build<'b> {
    knowledge: &'b Knowledge,
    semantic: &'b Semantic,
    kind: BuildKind,
    /// See [`Adaptation::train`].
    stands_for: Option<usize>,
    /// Every title and listed question, entry after entry.
    texts: &'b [&'b str],
    /// Each entry's answer passage ([`passage`]; empty: none).
    passages: &'b [&'b str],
    /// The entry of each text.
    row_entry: &'b [u32],
    /// Each entry's language.
    langs: &'b [Lang],
}

/// The main model's part of a build.
struct Main {
    adaptation: Option<Adaptation>,
    vectors: Vectors,
    stats: CacheStats,
}

impl<'b> Build<'b> {
    /// The main model's last layer adapted to the knowledge (when
    /// configured), and every text embedded with it. Should it fail, the
    /// other encoders beside it have embedded for nothing (and, in a build
    /// of the FAQ itself, kept what they embedded in their caches).
    fn main(&self) -> Result<Main, SemanticError> {
        let semantic = self.semantic;
        let adaptation = if semantic.adapt {
            let ids: Vec<&str> = self
                .knowledge
                .entries()
                .iter()
                .map(|e| e.id.as_str())
                .collect();
            Adaptation::train(
                &semantic.encoder,
                self.texts,
                self.row_entry,
                &ids,
                semantic.cache_dir.as_deref(),
                self.stands_for,
            )?
        } else {
            None
        };
        let passages = self.passages_in(|lang| semantic.understands(lang));
        let (vectors, stats) = semantic.cache.embed_all(
            &semantic.encoder,
            adaptation.as_ref(),
            &self.with_passages(&passages),
            self.kind,
        )?;
        let vectors = self.vectors_and_answers(&vectors, &passages, semantic.encoder.dim());
        Ok(Main {
            adaptation,
            vectors,
            stats,
        })
    }

    /// The companion's vectors, if there is one; one that fails leaves the
    /// main model ranking alone.
    fn companion(&self) -> Option<(Vectors, CacheStats)> {
        let c = self.semantic.companion.as_ref()?;
        c.cache
            .embed_with("", self.texts, self.kind, |batch| {
                self.semantic.encoder.install(|| c.embed(batch))
            })
            .inspect_err(|e| {
                tracing::warn!(error = %e, "the companion encoder failed; ranking without it");
            })
            .ok()
            .map(|(v, stats)| (self.vectors(&v, c.dim()), stats))
    }

    /// The multilingual encoder's vectors, if there is one and the
    /// knowledge has entries in a language it ranks (else its customers
    /// are all ranked by the main model, or lexically). An encoder that
    /// fails leaves the others ranking.
    fn multilingual(&self) -> Option<(Vectors, CacheStats)> {
        let semantic = self.semantic;
        if semantic.multilingual_langs(self.knowledge).is_empty() {
            return None;
        }
        let m = semantic.multilingual()?;
        let passages = self.passages_in(|lang| semantic.multilingual_for(lang).is_some());
        m.embed_listed(self.texts, &passages, self.kind)
            .inspect_err(|e| {
                tracing::warn!(error = %e, "the multilingual encoder failed; ranking without it");
            })
            .ok()
            .map(|(v, stats)| (self.vectors_and_answers(&v, &passages, m.dim()), stats))
    }

    /// The build's texts as embedded in one space (`dim` wide).
    fn vectors(&self, embedded: &[super::Vector], dim: usize) -> Vectors {
        Vectors::new(embedded, self.row_entry, self.langs, dim)
    }

    /// Each entry's answer passage where an encoder that ranks `lang`
    /// needs it (empty for an entry in another language: its answer would
    /// only ever meet questions the encoder does not rank).
    fn passages_in(&self, ranks: impl Fn(Lang) -> bool) -> Vec<&'b str> {
        self.passages
            .iter()
            .zip(self.langs)
            .map(|(&p, &lang)| if ranks(lang) { p } else { "" })
            .collect()
    }

    /// The listed texts, then the `passages` (one per entry) that are not
    /// empty.
    fn with_passages(&self, passages: &[&'b str]) -> Vec<&'b str> {
        let passages = passages.iter().filter(|p| !p.is_empty());
        self.texts.iter().chain(passages).copied().collect()
    }

    /// The vectors of [`Build::with_passages`]' texts: the listed ones,
    /// then each entry's answer (none for an empty passage).
    fn vectors_and_answers(
        &self,
        embedded: &[super::Vector],
        passages: &[&str],
        dim: usize,
    ) -> Vectors {
        debug_assert_eq!(
            embedded.len(),
            self.texts.len() + passages.iter().filter(|p| !p.is_empty()).count()
        );
        let (listed, answers) = embedded.split_at(self.texts.len().min(embedded.len()));
        let mut answers = answers.iter();
        let per_entry: Vec<super::Vector> = passages
            .iter()
            .map(|p| match p.is_empty() {
                true => super::Vector::default(),
                false => answers.next().cloned().unwrap_or_default(),
            })
            .collect();
        self.vectors(listed, dim).with_answers(&per_entry)
    }
}

impl SemanticIndex {
    /// Embeds every title and listed question of `knowledge`, and the
    /// answers of entries that list few ([`passage`]), from the cache
    /// where possible. The adapted layers and classifiers kept in the cache
    /// directory are not pruned here: see [`SemanticIndex::prune`].
    pub fn build(knowledge: &Knowledge, semantic: &Semantic) -> Result<Self, SemanticError> {
        // Each entry lists what it lists here.
        Self::build_as(knowledge, semantic, BuildKind::New, &[], None)
    }

    /// Marks this index's adapted layer and classifiers used just now, then
    /// lets go of all but the most recently used of each kind in
    /// `semantic`'s cache directory. Called once the FAQ's build and its
    /// calibration are both done: the calibration's rounds, which run
    /// beside the build and write layers of their own, would otherwise
    /// push out the FAQ's (a later start would then train it again).
    pub fn prune(&self, semantic: &Semantic) {
        let Some(dir) = semantic.cache_dir.as_deref() else {
            return;
        };
        if let Some(a) = &self.adaptation {
            a.touch(dir);
        }
        self.classifier.touch();
        if let Some((_, Some(c))) = &self.multilingual {
            c.touch();
        }
        Self::prune_kept(semantic);
    }

    /// Lets go of all but the most recently used adapted layers and
    /// classifiers in `semantic`'s cache directory (also after a build that
    /// failed, whose calibration may have written some).
    pub fn prune_kept(semantic: &Semantic) {
        if let Some(dir) = semantic.cache_dir.as_deref() {
            adapt::prune(dir);
            classifier::prune(dir);
        }
    }

    /// [`SemanticIndex::build`] for a knowledge made up to calibrate the
    /// hand-over (a round of `ranking::handover`): what it embeds is not
    /// kept ([`BuildKind::Scratch`]). `listed` is how many questions each
    /// of its entries lists in the FAQ it was made from (a round holds
    /// some out), so that an entry's answer weighs as it does there;
    /// `trained` is how many texts that FAQ's adapted layer trains on
    /// ([`Adaptation::training_size`]), so that the round's is trained
    /// alike.
    pub fn build_for_calibration(
        knowledge: &Knowledge,
        semantic: &Semantic,
        listed: &[usize],
        trained: usize,
    ) -> Result<Self, SemanticError> {
        Self::build_as(
            knowledge,
            semantic,
            BuildKind::Scratch,
            listed,
            Some(trained),
        )
    }

    /// Builds the index, entry `i` listing `listed[i]` questions in the
    /// FAQ (its own count where that is missing), its adapted layer
    /// standing for one trained on `stands_for` texts (see
    /// [`Adaptation::train`]).
    fn build_as(
        knowledge: &Knowledge,
        semantic: &Semantic,
        kind: BuildKind,
        listed: &[usize],
        stands_for: Option<usize>,
    ) -> Result<Self, SemanticError> {
        let started = Instant::now();
        let mut texts: Vec<&str> = Vec::new();
        let mut row_entry = Vec::new();
        for (i, e) in knowledge.entries().iter().enumerate() {
            for t in std::iter::once(&e.title).chain(&e.questions) {
                texts.push(t);
                row_entry.push(i as u32);
            }
        }
        let langs: Vec<Lang> = knowledge.entries().iter().map(|e| e.lang).collect();
        let counts: Vec<usize> = knowledge
            .entries()
            .iter()
            .enumerate()
            .map(|(i, e)| listed.get(i).copied().unwrap_or(e.questions.len()))
            .collect();
        let passages: Vec<&str> = knowledge
            .entries()
            .iter()
            .zip(&counts)
            .map(|(e, &n)| passage(e, n))
            .collect();
        let build = Build {
            knowledge,
            semantic,
            kind,
            stands_for,
            texts: &texts,
            passages: &passages,
            row_entry: &row_entry,
            langs: &langs,
        };
        // The multilingual encoder is loaded (if this knowledge needs it and
        // it is not yet) here, on the caller's thread: loading runs a query
        // on its threads, and a worker of the encoder's pool waiting for
        // that may take up another build's task meanwhile, which would
        // enter the same load again on the same thread and never return.
        let _ = semantic.multilingual_langs(knowledge);
        // The main model's chain (adapting its last layer, then embedding
        // with it) leaves a core idle for much of its time: the other
        // encoders embed beside it (the companion on the same threads, the
        // multilingual encoder on its own).
        let (main, (companion, multilingual)) = semantic.encoder.install(|| {
            rayon::join(
                || build.main(),
                || (build.companion(), build.multilingual()),
            )
        });
        let Main {
            adaptation,
            vectors,
            stats,
        } = main?;
        // The classifiers train on threads of their own (see `classifier`).
        let classify = |v: &Vectors| {
            Classifier::train(
                &v.rows,
                v.dim,
                &row_entry,
                langs.len(),
                semantic.cache_dir.as_deref(),
            )
        };
        let classifier = classify(&vectors)?;
        let (companion, companion_stats) = companion.unzip();
        let (multilingual, multilingual_stats) = multilingual.unzip();
        // A title alone per entry teaches a classifier nothing its cosine
        // does not say: it takes part from one listed question per entry on.
        let listed = row_entry.len() >= 2 * langs.len();
        let multilingual = multilingual
            .map(|v| {
                let c = listed.then(|| classify(&v)).transpose()?;
                Ok::<_, SemanticError>((v, c))
            })
            .transpose()?;
        Ok(SemanticIndex {
            vectors,
            row_entry,
            listed: counts,
            companion,
            multilingual,
            classifier,
            adaptation: adaptation.map(Arc::new),
            stats,
            companion_stats,
            multilingual_stats,
            build_time: started.elapsed(),
        })
    }

    /// The unit vector of row `i` by the main model: the title or listed
    /// question it was embedded from, with the adapted layer, exactly as a
    /// query of the same text is embedded.
    pub fn row(&self, i: usize) -> &[f32] {
        self.vectors.row(i)
    }

    /// Row `i` by the companion encoder, if it embedded the texts.
    pub fn companion_row(&self, i: usize) -> Option<&[f32]> {
        self.companion.as_ref().map(|c| c.row(i))
    }

    /// The last layer trained for this knowledge, which queries must be
    /// embedded with too.
    pub fn adaptation(&self) -> Option<&Adaptation> {
        self.adaptation.as_deref()
    }

    /// Whether the companion encoder embedded the texts too.
    pub fn has_companion(&self) -> bool {
        self.companion.is_some()
    }

    /// Whether the multilingual encoder embedded the texts too.
    pub fn has_multilingual(&self) -> bool {
        self.multilingual.is_some()
    }

    /// The multilingual encoder, for a question in `lang`, where it ranks
    /// `lang` and embedded this index (so it is loaded already: asked about
    /// a knowledge it did not embed, nothing is loaded).
    pub fn multilingual_for<'s>(
        &self,
        semantic: &'s Semantic,
        lang: Lang,
    ) -> Option<&'s super::Multilingual> {
        self.has_multilingual()
            .then(|| semantic.multilingual_for(lang))
            .flatten()
    }

    /// Whether a classifier was trained on the multilingual encoder's
    /// vectors (the entries list questions besides their titles).
    pub fn multilingual_classifies(&self) -> bool {
        matches!(self.multilingual, Some((_, Some(_))))
    }

    /// The similarity of `query` (a unit vector by the multilingual
    /// encoder) to every entry, by entry index: its cosines and its
    /// probability under the classifier trained on the multilingual
    /// vectors (0 without one; no companion); `None` when the multilingual
    /// encoder did not embed this knowledge.
    pub fn multilingual_similarities(
        &self,
        query: &[f32],
    ) -> Option<Result<Vec<EntrySimilarity>, SemanticError>> {
        let (vectors, classifier) = self.multilingual.as_ref()?;
        let probabilities = match classifier {
            Some(c) => c.probabilities(query),
            None => Ok(vec![0.0; vectors.entries()]),
        };
        let similarities = probabilities.map(|probabilities| {
            vectors
                .cosines(query, &self.row_entry)
                .into_iter()
                .zip(probabilities)
                .enumerate()
                .map(|(e, (c, p))| EntrySimilarity {
                    best: c.best,
                    centroid: c.centroid,
                    classifier: p,
                    companion: None,
                    tightness: vectors.tightness(e),
                    answer: vectors.answer(e, query),
                    listed: self.listed[e],
                })
                .collect()
        });
        Some(similarities)
    }

    /// How many texts are embedded.
    pub fn len(&self) -> usize {
        self.row_entry.len()
    }

    /// Whether no text is embedded.
    pub fn is_empty(&self) -> bool {
        self.row_entry.is_empty()
    }

    /// The similarity of `query` (a unit vector by the main model) to every
    /// entry, by entry index, with `companion` (the same text by the
    /// companion encoder) if both it and the index have one. The listed
    /// texts are scanned in two halves side by side on `encoder`'s query
    /// threads (a large FAQ has tens of megabytes of them); the companion's
    /// beside the second half.
    pub fn similarities(
        &self,
        query: &[f32],
        companion: Option<&[f32]>,
        encoder: &Encoder,
    ) -> Result<Vec<EntrySimilarity>, SemanticError> {
        let half = self.row_entry.len() / 2;
        let both = self.companion.as_ref().zip(companion);
        let (first, (second, companion)) = encoder.join(
            || {
                let probabilities = self.classifier.probabilities(query);
                (
                    probabilities,
                    self.vectors.best(query, &self.row_entry, 0..half),
                )
            },
            || {
                let second = self
                    .vectors
                    .best(query, &self.row_entry, half..self.row_entry.len());
                (second, both.map(|(v, q)| v.cosines(q, &self.row_entry)))
            },
        );
        let (probabilities, best) = first;
        let mut companion = companion.map(Vec::into_iter);
        let out = self
            .vectors
            .centroid_cosines(query)
            .zip(probabilities?)
            .zip(best.into_iter().zip(second))
            .enumerate()
            .map(|(e, ((centroid, p), (a, b)))| EntrySimilarity {
                best: a.max(b),
                centroid,
                classifier: p,
                companion: companion.as_mut().and_then(Iterator::next),
                tightness: self.vectors.tightness(e),
                answer: self.vectors.answer(e, query),
                listed: self.listed[e],
            })
            .collect();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Unit rows at `angles` (radians) in the plane.
    fn rows(angles: &[f32]) -> Vec<f32> {
        angles.iter().flat_map(|a| [a.cos(), a.sin()]).collect()
    }

    /// The mean cosine over the pairs of texts at `angles`.
    fn over_pairs(angles: &[f32]) -> f32 {
        let mut sum = 0.0;
        let mut n = 0;
        for (i, a) in angles.iter().enumerate() {
            for b in &angles[i + 1..] {
                sum += (a - b).cos();
                n += 1;
            }
        }
        sum / n as f32
    }

    fn entry(kind: Kind, questions: usize, answer: &str) -> crate::knowledge::Entry {
        crate::knowledge::Entry {
            id: "e".into(),
            title: "title".into(),
            questions: (0..questions).map(|i| format!("question {i}")).collect(),
            tags: Vec::new(),
            lang: Lang::De,
            kind,
            symptoms: Vec::new(),
            needs: Vec::new(),
            answer_markdown: answer.into(),
            answer_text: answer.into(),
            origin: crate::knowledge::Origin {
                path: "e.md".into(),
                line: 1,
            },
        }
    }

    #[test]
    fn the_passage_is_the_answers_start_cut_at_a_word_for_entries_listing_few_questions() {
        let short = "  Öffnen Sie das Portal.  ";
        assert_eq!(
            passage(&entry(Kind::Faq, 0, short), 0),
            "Öffnen Sie das Portal."
        );
        let long = "Wählen Sie Datei und dann Automatische Antworten. ".repeat(40);
        let long_entry = entry(Kind::Faq, 2, &long);
        let cut = passage(&long_entry, 2);
        let chars = cut.chars().count();
        assert!(
            chars <= PASSAGE_CHARS && chars > PASSAGE_CHARS - 20,
            "{chars}"
        );
        assert!(long.starts_with(cut));
        assert!(
            long[cut.len()..].starts_with(' '),
            "cut before a space: {cut:?}"
        );
        // Characters are counted, not bytes, and none is split.
        let umlauts = format!("x{}", "ä".repeat(PASSAGE_CHARS));
        let umlaut_entry = entry(Kind::Faq, 0, &umlauts);
        let cut = passage(&umlaut_entry, 0);
        assert_eq!(cut.chars().count(), PASSAGE_CHARS);
        assert!(umlauts.starts_with(cut));
        assert_eq!(
            passage(&entry(Kind::Faq, 0, short), MIN_QUESTIONS),
            "",
            "enough questions listed"
        );
        assert_eq!(
            passage(&entry(Kind::Fix, 0, short), 0),
            "",
            "a documented fix"
        );
    }

    #[test]
    fn answers_are_kept_per_entry_and_an_entry_without_one_has_no_cosine() {
        let v = Vectors::from_rows(rows(&[0.0, 1.0]), &[0, 1], &[Lang::En, Lang::En], 2)
            .with_answers(&[
                std::sync::Arc::from(vec![0.0f32, 1.0]),
                super::super::Vector::default(),
            ]);
        assert_eq!(v.answer(0, &[0.0, 1.0]), Some(1.0));
        assert_eq!(v.answer(1, &[0.0, 1.0]), None);
        let none = Vectors::from_rows(rows(&[0.0]), &[0], &[Lang::En], 2);
        assert_eq!(none.answer(0, &[1.0, 0.0]), None, "answers not embedded");
    }

    #[test]
    fn a_tight_entry_is_above_the_average_a_loose_one_below_and_a_lone_text_tells_nothing() {
        // English: entry 0 has three texts 0.1 rad apart, entry 1 three
        // texts 0.6 rad apart, entry 2 its title alone. German: entry 3 has
        // two texts 0.3 rad apart, entry 4 four texts 0.3 rad apart.
        let angles = [
            0.0, 0.1, 0.2, 1.0, 1.6, 2.2, 3.0, 4.0, 4.3, 5.0, 5.3, 5.6, 5.9,
        ];
        let labels = [0, 0, 0, 1, 1, 1, 2, 3, 3, 4, 4, 4, 4];
        let langs = [Lang::En, Lang::En, Lang::En, Lang::De, Lang::De];
        let v = Vectors::from_rows(rows(&angles), &labels, &langs, 2);
        let (tight, loose) = (v.tightness(0), v.tightness(1));
        assert!(tight > 0.0 && loose < 0.0, "{tight} {loose}");
        let (m0, m1) = (over_pairs(&angles[0..3]), over_pairs(&angles[3..6]));
        assert!((tight - (m0 - (m0 + m1) / 2.0)).abs() < 1e-5, "{tight}");
        assert!(
            (tight + loose).abs() < 1e-5,
            "measured against their language's mean"
        );
        assert_eq!(v.tightness(2), 0.0, "a lone title");
        // German entries against German ones: one pair 0.3 rad apart, and
        // four texts whose neighbours are 0.3 rad apart but whose pairs
        // reach 0.9 rad, so the larger entry is the looser one.
        let (two, four) = (v.tightness(3), v.tightness(4));
        let (m3, m4) = (over_pairs(&angles[7..9]), over_pairs(&angles[9..13]));
        assert!((two - (m3 - (m3 + m4) / 2.0)).abs() < 1e-5, "{two}");
        assert!(two > 0.0 && (two + four).abs() < 1e-5);
        assert_eq!(v.tightness(7), 0.0, "no such entry");
    }

    #[test]
    fn the_same_spread_with_more_texts_is_not_tighter() {
        // Two entries drawn alike in 64 dimensions (their own axis plus the
        // same noise), one with three texts and one with thirty.
        let dim = 64;
        let mut seed = 7u64;
        let mut noise = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0) as f32
        };
        let mut text = |axis: usize| {
            let mut v: Vec<f32> = (0..dim).map(|_| 0.25 * noise()).collect();
            v[axis] += 1.0;
            let norm = dot(&v, &v).sqrt();
            v.into_iter().map(|x| x / norm).collect::<Vec<f32>>()
        };
        let few: Vec<Vec<f32>> = (0..3).map(|_| text(0)).collect();
        let many: Vec<Vec<f32>> = (0..30).map(|_| text(1)).collect();
        let labels: Vec<u32> = [0; 3].into_iter().chain([1; 30]).collect();
        let rows: Vec<f32> = few.iter().chain(&many).flatten().copied().collect();
        let v = Vectors::from_rows(rows, &labels, &[Lang::En, Lang::En], dim);
        assert!(v.tightness(0).abs() < 0.01, "{}", v.tightness(0));
        // Each text's cosine to the centroid of its others would have
        // told them apart by the count alone.
        let to_others = |texts: &[Vec<f32>]| {
            let sum: Vec<f32> = (0..dim).map(|i| texts.iter().map(|t| t[i]).sum()).collect();
            texts
                .iter()
                .map(|t| {
                    let others: Vec<f32> = sum.iter().zip(t).map(|(s, x)| s - x).collect();
                    dot(t, &others) / dot(&others, &others).sqrt()
                })
                .sum::<f32>()
                / texts.len() as f32
        };
        assert!(to_others(&many) - to_others(&few) > 0.08);
    }
}
