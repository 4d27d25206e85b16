//! The brain: one knowledge version with its index, and a live handle that
//! swaps in a new version atomically when the FAQ changes. A version with
//! errors never replaces a good one.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;

use crate::index::{FaqIndex, IndexError, RankWeights};
use crate::knowledge::{self, Diagnostic, Fingerprint, Knowledge, Lang, LoadError, watch};
use crate::ranking::Thresholds;
use crate::ranking::fusion::{FusionWeights, Hybrid, Ranker, Scale};
use crate::ranking::handover::{Calibration, Gate, HandoverSettings, OtherLanguage};
use crate::semantic::{Semantic, SemanticIndex};
use crate::triage::{self, Context, Decision};

/// Settings the brain is built with.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BrainSettings {
    /// Language of entries that do not say, and of customers whose language cannot be told.
    pub default_lang: DefaultLang,
    /// Decision thresholds for lexical scores.
    pub thresholds: Thresholds,
    /// Decision thresholds for hybrid scores.
    pub hybrid_thresholds: Thresholds,
    /// Decision thresholds for hybrid scores with the companion encoder.
    pub companion_thresholds: Thresholds,
    /// Decision thresholds for the multilingual encoder's scores.
    pub multilingual_thresholds: Thresholds,
    /// Ranking weights.
    pub ranking: RankWeights,
    /// Weights of the lexical + semantic fusion.
    pub fusion: FusionWeights,
    /// The hand-over target and its self-calibration.
    pub handover: HandoverSettings,
}

impl Default for BrainSettings {
    fn default() -> Self {
        BrainSettings {
            default_lang: DefaultLang::default(),
            thresholds: Thresholds::default(),
            hybrid_thresholds: Thresholds::hybrid(),
            companion_thresholds: Thresholds::companion(),
            multilingual_thresholds: Thresholds::multilingual(),
            ranking: RankWeights::default(),
            fusion: FusionWeights::default(),
            handover: HandoverSettings::default(),
        }
    }
}

/// A language with a default of English (serde needs a type for the default).
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct DefaultLang(pub Lang);

impl Default for DefaultLang {
    fn default() -> Self {
        DefaultLang(Lang::En)
    }
}

/// Knowledge and its index: everything triage needs.
pub struct Brain {
    knowledge: Knowledge,
    index: FaqIndex,
    semantic: Option<(Arc<Semantic>, SemanticIndex)>,
    settings: BrainSettings,
    /// The operating points chosen for this knowledge.
    calibration: Calibration,
    /// The thresholds in use per scale: lexical, hybrid, companion, multilingual.
    thresholds: [Thresholds; 4],
    /// The "answerable?" gates in use per scale, where one decides.
    gates: [Option<Gate>; 4],
    /// How long building the index took (with embeddings and calibration, if any).
    pub build_time: Duration,
}

/// Why a brain could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BrainError {
    /// The directory could not be read.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// Files have errors.
    #[error("{} error(s) in {}", .errors.iter().filter(|d| d.is_error()).count(), .dir.display())]
    Invalid {
        /// The FAQ directory.
        dir: PathBuf,
        /// Every finding.
        errors: Vec<Diagnostic>,
    },
    /// The index could not be built.
    #[error(transparent)]
    Index(#[from] IndexError),
}

impl Brain {
    /// Builds the index for `knowledge`, and its embeddings when a model is
    /// given. A model that fails leaves the brain lexical (with a warning).
    pub fn new(
        knowledge: Knowledge,
        settings: BrainSettings,
        model: Option<Arc<Semantic>>,
    ) -> Result<Self, IndexError> {
        let started = Instant::now();
        let index = FaqIndex::build(&knowledge, settings.ranking.clone())?;
        // The calibration ranks rounds of its own, so it runs beside the
        // FAQ's embedding: on a first build, both train a layer, and each
        // leaves the other's threads work to do.
        let other_language = OtherLanguage(
            Scale::ALL.map(|scale| thresholds_for(&settings, scale).0.other_language),
        );
        let calibrate = |model: Option<&Semantic>| {
            Calibration::compute(
                &knowledge,
                model,
                &settings.ranking,
                &settings.fusion,
                &other_language,
                &settings.handover,
            )
        };
        // Both adapt layers on the same texts: the layers below run once
        // per text, as far as the memo holds (see `Encoder::remembering`).
        let memo = model.as_deref().map(|m| m.encoder.remembering());
        let (semantic, calibration) = std::thread::scope(|scope| {
            let calibration = calibrates(&settings, model.is_some())
                .then(|| scope.spawn(|| calibrate(model.as_deref())));
            let semantic = model.clone().and_then(|m| embed(&knowledge, m));
            let calibration = calibration.map(|c| {
                c.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            });
            (semantic, calibration)
        });
        drop(memo);
        match (&semantic, &model) {
            (Some((m, s)), _) => s.prune(m),
            (None, Some(m)) => SemanticIndex::prune_kept(m),
            (None, None) => {}
        }
        let calibration = match calibration {
            Some(c) if semantic.is_some() || model.is_none() => Some(c),
            // The model failed and the brain ranks lexically: calibrated
            // again without it, so that nothing it ranked (its scales'
            // points, the confusable pairs) is reported.
            Some(_) if calibrates(&settings, false) => Some(calibrate(None)),
            _ => None,
        };
        let calibration = calibration.map_or_else(Calibration::default, |c| {
            log_calibration(&c);
            c
        });
        // What the build's threads freed goes back to the system: a
        // running bot would otherwise keep most of its high-water mark.
        crate::semantic::release_freed();
        let thresholds = Scale::ALL.map(|scale| in_use(&settings, &calibration, scale));
        let gates = Scale::ALL.map(|scale| gate_in_use(&settings, &calibration, scale));
        Ok(Brain {
            knowledge,
            index,
            semantic,
            settings,
            calibration,
            thresholds,
            gates,
            build_time: started.elapsed(),
        })
    }

    /// Loads `dir` and builds its index; warnings are returned alongside.
    pub fn load(
        dir: &Path,
        settings: BrainSettings,
        model: Option<Arc<Semantic>>,
    ) -> Result<(Self, Vec<Diagnostic>), BrainError> {
        let loaded = knowledge::load_dir(dir, settings.default_lang.0)?;
        match loaded.knowledge {
            Some(k) => Ok((Brain::new(k, settings, model)?, loaded.diagnostics)),
            None => Err(BrainError::Invalid {
                dir: dir.to_path_buf(),
                errors: loaded.diagnostics,
            }),
        }
    }

    /// Decides what to do with `text`: hybrid ranking when a model is loaded
    /// and understands the customer's language, lexical otherwise.
    pub fn triage(&self, text: &str, ctx: &Context<'_>) -> Decision {
        self.decide(text, ctx, true)
    }

    /// Decides with the lexical ranking only, for comparison.
    pub fn triage_lexical(&self, text: &str, ctx: &Context<'_>) -> Decision {
        self.decide(text, ctx, false)
    }

    fn decide(&self, text: &str, ctx: &Context<'_>, semantic: bool) -> Decision {
        let ranker = Ranker {
            lexical: &self.index,
            lexical_thresholds: &self.thresholds[0],
            hybrid: self
                .semantic
                .as_ref()
                .filter(|_| semantic)
                .map(|(model, index)| Hybrid {
                    model,
                    index,
                    weights: &self.settings.fusion,
                    thresholds: &self.thresholds[1],
                    companion_thresholds: &self.thresholds[2],
                    multilingual_thresholds: &self.thresholds[3],
                }),
            gates: self.gates.each_ref().map(Option::as_ref),
        };
        triage::triage(
            &self.knowledge,
            &ranker,
            self.settings.default_lang.0,
            text,
            ctx,
        )
    }

    /// The model, when one is loaded (shared with the brains built after this one).
    pub fn semantic_model(&self) -> Option<Arc<Semantic>> {
        self.semantic.as_ref().map(|(m, _)| Arc::clone(m))
    }

    /// The semantic side, when a model is loaded: the model and the embedded knowledge.
    pub fn semantic(&self) -> Option<(&Semantic, &SemanticIndex)> {
        self.semantic.as_ref().map(|(m, i)| (m.as_ref(), i))
    }

    /// The knowledge this brain answers from.
    pub fn knowledge(&self) -> &Knowledge {
        &self.knowledge
    }

    /// The index.
    pub fn index(&self) -> &FaqIndex {
        &self.index
    }

    /// The settings.
    pub fn settings(&self) -> &BrainSettings {
        &self.settings
    }

    /// The operating points chosen for this knowledge (empty when
    /// calibration is off).
    pub fn calibration(&self) -> &Calibration {
        &self.calibration
    }

    /// The thresholds decisions on `scale` are made with: the calibrated
    /// ones, or the static ones from the settings.
    pub fn thresholds(&self, scale: Scale) -> &Thresholds {
        &self.thresholds[scale.index()]
    }
}

/// The thresholds for `scale`: the static ones from the settings when they
/// were set there (differ from the shipped ones) or nothing was calibrated
/// on that scale, else the calibrated ones.
fn in_use(settings: &BrainSettings, calibration: &Calibration, scale: Scale) -> Thresholds {
    let (configured, shipped) = thresholds_for(settings, scale);
    match calibration.point(scale) {
        Some(point) if *configured == shipped => point.thresholds(configured),
        _ => configured.clone(),
    }
}

/// The thresholds the settings give `scale`, and the shipped ones.
fn thresholds_for(settings: &BrainSettings, scale: Scale) -> (&Thresholds, Thresholds) {
    match scale {
        Scale::Lexical => (&settings.thresholds, Thresholds::default()),
        Scale::Hybrid => (&settings.hybrid_thresholds, Thresholds::hybrid()),
        Scale::Companion => (&settings.companion_thresholds, Thresholds::companion()),
        Scale::Multilingual => (
            &settings.multilingual_thresholds,
            Thresholds::multilingual(),
        ),
    }
}

/// The embeddings of `knowledge` by `model`; `None` (with a warning) when
/// that fails, so that the brain ranks lexically.
fn embed(knowledge: &Knowledge, model: Arc<Semantic>) -> Option<(Arc<Semantic>, SemanticIndex)> {
    match SemanticIndex::build(knowledge, &model) {
        Ok(s) => {
            tracing::info!(
                texts = s.stats.texts,
                embedded = s.stats.computed,
                companion_embedded = s.companion_stats.map(|c| c.computed),
                multilingual_embedded = s.multilingual_stats.map(|c| c.computed),
                ms = s.build_time.as_millis() as u64,
                "knowledge embedded"
            );
            Some((model, s))
        }
        Err(e) => {
            tracing::warn!(error = %e, "embedding the knowledge failed; ranking lexically");
            None
        }
    }
}

/// Whether calibrating would decide anything: it is on and a scale that
/// can be ranked (lexical always, the others with a model) keeps the
/// shipped thresholds.
fn calibrates(settings: &BrainSettings, model: bool) -> bool {
    let shipped = |scale| shipped_thresholds(settings, scale);
    settings.handover.calibrate
        && (shipped(Scale::Lexical)
            || (model
                && [Scale::Hybrid, Scale::Companion, Scale::Multilingual]
                    .into_iter()
                    .any(shipped)))
}

/// Whether the thresholds for `scale` are the shipped ones (none were set
/// in the settings).
fn shipped_thresholds(settings: &BrainSettings, scale: Scale) -> bool {
    let (configured, shipped) = thresholds_for(settings, scale);
    *configured == shipped
}

/// The "answerable?" gate for `scale`: the calibrated point's model, where
/// its thresholds are in use (see [`in_use`]) and it has one.
fn gate_in_use(settings: &BrainSettings, calibration: &Calibration, scale: Scale) -> Option<Gate> {
    calibration
        .point(scale)
        .filter(|_| shipped_thresholds(settings, scale))
        .and_then(|p| p.gate())
}

fn log_calibration(c: &Calibration) {
    for (scale, p) in c.points() {
        tracing::info!(
            scale,
            threshold = p.threshold,
            score_threshold = p.score_threshold,
            model = p.model.is_some(),
            floor = p.floor,
            expected_answered = ?(!p.floor).then_some(p.expected_answered),
            expected_handover_near = p.expected_handover_near,
            expected_handover_far = p.expected_handover_far,
            in_scope = p.samples.0,
            near = p.samples.1,
            far = p.samples.2,
            "hand-over calibrated"
        );
    }
    tracing::info!(
        ms = c.elapsed.as_millis() as u64,
        cached = c.cached,
        "hand-over calibration done"
    );
}

/// The current brain of a running process, replaced as the FAQ changes.
pub struct LiveBrain {
    current: ArcSwap<Brain>,
    dir: PathBuf,
    settings: BrainSettings,
    model: Option<Arc<Semantic>>,
    /// The fingerprint of the directory as last loaded (served or refused).
    loaded: Mutex<Fingerprint>,
}

/// What a reload did.
#[derive(Debug)]
pub enum Reloaded {
    /// The new version is serving.
    Swapped {
        /// How many entries it has.
        entries: usize,
        /// Warnings about it.
        warnings: Vec<Diagnostic>,
    },
    /// The new version was refused; the previous one keeps serving.
    Kept(BrainError),
}

impl LiveBrain {
    /// Loads `dir`; fails if the first version is not usable.
    pub fn start(
        dir: &Path,
        settings: BrainSettings,
        model: Option<Arc<Semantic>>,
    ) -> Result<(Self, Vec<Diagnostic>), BrainError> {
        let fingerprint = knowledge::fingerprint(dir);
        let (brain, warnings) = Brain::load(dir, settings.clone(), model.clone())?;
        Ok((
            LiveBrain {
                current: ArcSwap::from_pointee(brain),
                dir: dir.to_path_buf(),
                settings,
                model,
                loaded: Mutex::new(fingerprint),
            },
            warnings,
        ))
    }

    /// The brain serving now. Hold it for one decision, not longer.
    pub fn get(&self) -> Arc<Brain> {
        self.current.load_full()
    }

    /// Reads the directory again and swaps in the new version if it is good.
    pub fn reload(&self) -> Reloaded {
        // Taken before reading: a change during the load shows up as a
        // different fingerprint next time.
        *self.loaded.lock().unwrap_or_else(PoisonError::into_inner) =
            knowledge::fingerprint(&self.dir);
        match Brain::load(&self.dir, self.settings.clone(), self.model.clone()) {
            Ok((brain, warnings)) => {
                let entries = brain.knowledge().entries().len();
                // The old version, once no decision holds it, goes back to
                // the system too (the build trimmed before it was freed).
                drop(self.current.swap(Arc::new(brain)));
                crate::semantic::release_freed();
                tracing::info!(entries, warnings = warnings.len(), "FAQ reloaded");
                Reloaded::Swapped { entries, warnings }
            }
            Err(e) => {
                if let BrainError::Invalid { errors, .. } = &e {
                    for d in errors.iter().filter(|d| d.is_error()) {
                        tracing::error!(path = %d.path.display(), line = d.line, "{}", d.message);
                    }
                }
                tracing::error!(error = %e, "FAQ change refused; still serving the previous version");
                Reloaded::Kept(e)
            }
        }
    }

    /// Reloads if the FAQ files (their paths, sizes and modification times)
    /// changed since the last load, served or refused; `None` if they did
    /// not. A refused version is thus logged once, not on every event.
    pub fn reload_if_changed(&self) -> Option<Reloaded> {
        let now = knowledge::fingerprint(&self.dir);
        if *self.loaded.lock().unwrap_or_else(PoisonError::into_inner) == now {
            tracing::debug!("FAQ files unchanged; not reloading");
            return None;
        }
        Some(self.reload())
    }

    /// Watches the directory and reloads on every change of its content
    /// until the returned handle is dropped.
    pub fn watch(self: &Arc<Self>, debounce: Duration) -> notify::Result<watch::Watch> {
        let live = Arc::clone(self);
        watch::watch(&self.dir, debounce, move || {
            live.reload_if_changed();
        })
    }
}
