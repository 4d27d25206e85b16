//! The calibration of a knowledge version kept on disk beside the
//! embeddings, under a hash of everything it depends on: a restart with the
//! same FAQ, model and settings ranks nothing again.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{Calibration, HandoverSettings, OtherLanguage};
use crate::index::RankWeights;
use crate::knowledge::Knowledge;
use crate::ranking::fusion::FusionWeights;
use crate::semantic::{Semantic, adaptation_recipe};

/// Bumped whenever calibration computes differently.
const VERSION: u32 = 13;

/// The settings the samples are ranked with.
pub struct Ranked<'a> {
    /// Lexical weights.
    pub ranking: &'a RankWeights,
    /// Fusion weights.
    pub fusion: &'a FusionWeights,
    /// Discounts of entries in another language.
    pub other_language: &'a OtherLanguage,
}

/// The file of the calibration of exactly these inputs in `dir`.
pub fn file(
    dir: &Path,
    knowledge: &Knowledge,
    model: &Semantic,
    ranked: &Ranked<'_>,
    settings: &HandoverSettings,
) -> PathBuf {
    let mut h = Sha256::new();
    let mut put = |s: &str| {
        h.update((s.len() as u64).to_le_bytes());
        h.update(s.as_bytes());
    };
    put(&VERSION.to_string());
    for e in knowledge.entries() {
        put(&e.id);
        put(e.lang.code());
        put(&e.title);
        put(&e.questions.len().to_string());
        e.questions.iter().for_each(|q| put(q));
        put(&e.answer_text);
        put(&e.tags.join("\u{1f}"));
        put(&format!("{:?}", e.kind));
    }
    put(model.encoder.id());
    // What the model's rounds are built with, not the FAQ's own index
    // (the calibration is computed beside that): each round adapts a layer
    // of its own by this recipe, and embeds with the companion and the
    // multilingual encoder (for the languages it ranks) where there are.
    if model.adapt {
        put(&adaptation_recipe(model.encoder.id()));
    } else {
        put("");
    }
    put(model.companion.as_ref().map_or("", |c| c.id()));
    let multilingual_langs = model.multilingual_langs(knowledge);
    put(&format!("{multilingual_langs:?}"));
    // Loaded only for a knowledge in its languages (none: it takes no part).
    put(match multilingual_langs.is_empty() {
        true => "",
        false => model.multilingual().map_or("", |m| m.id()),
    });
    put(&format!("{:?}", model.langs));
    put(&serde_json::to_string(ranked.ranking).unwrap_or_default());
    put(&serde_json::to_string(ranked.fusion).unwrap_or_default());
    put(&serde_json::to_string(ranked.other_language).unwrap_or_default());
    put(&serde_json::to_string(settings).unwrap_or_default());
    let key: String = h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    dir.join(format!("calibration-{key}.json"))
}

/// The calibration kept in `file`, if it can be read.
pub fn read(file: &Path) -> Option<Calibration> {
    let text = std::fs::read_to_string(file).ok()?;
    let calibration = serde_json::from_str(&text).ok()?;
    crate::semantic::touch(file);
    Some(calibration)
}

/// Keeps `calibration` in `file` (a failure only costs the next start time)
/// and deletes all but the most recently used few.
pub fn write(file: &Path, calibration: &Calibration) {
    let Ok(text) = serde_json::to_string(calibration) else {
        return;
    };
    let aside = file.with_extension("json.tmp");
    let written = std::fs::write(&aside, text).and_then(|()| std::fs::rename(&aside, file));
    if let Err(e) = written {
        tracing::warn!(error = %e, path = %file.display(), "could not keep the calibration");
        return;
    }
    if let Some(dir) = file.parent() {
        crate::semantic::prune_kept(dir, "calibration-", &[".json"]);
    }
}
