//! The typed form of FAQ knowledge: what a maintainer's markdown becomes once
//! it has been parsed and checked. Everything past `knowledge::load` trusts
//! these types.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::needs::Need;

/// A language the bot answers in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English.
    En,
    /// German.
    De,
}

impl Lang {
    /// Every supported language, in a fixed order.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::De];

    /// The ISO 639-1 code.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
        }
    }

    /// `values`, one per entry (`None` where it has nothing to tell), each
    /// less the mean of the values of the entries in its language (`langs`,
    /// by entry); 0 for an entry without one.
    pub fn centred(values: &[Option<f32>], langs: &[Lang]) -> Vec<f32> {
        let mean = |lang: Lang| {
            let known: Vec<f32> = values
                .iter()
                .zip(langs)
                .filter(|(_, l)| **l == lang)
                .filter_map(|(v, _)| *v)
                .collect();
            known.iter().sum::<f32>() / known.len().max(1) as f32
        };
        let means = Lang::ALL.map(mean);
        values
            .iter()
            .zip(langs)
            .map(|(v, l)| {
                let of_lang = Lang::ALL
                    .iter()
                    .position(|a| a == l)
                    .map_or(0.0, |i| means[i]);
                v.map_or(0.0, |v| v - of_lang)
            })
            .collect()
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl std::str::FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "en" | "english" => Ok(Lang::En),
            "de" | "german" | "deutsch" => Ok(Lang::De),
            other => Err(format!(
                "unknown language `{other}` (expected `en` or `de`)"
            )),
        }
    }
}

/// Whether an entry answers a question (1st level) or documents a fix for a
/// known problem (2nd level).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A frequently asked question.
    Faq,
    /// A documented fix for a known problem, with symptoms.
    Fix,
}

/// Where an entry was written: the file (relative to the FAQ directory) and
/// the 1-based line its title or heading stands on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    /// Path relative to the FAQ directory, with `/` separators.
    pub path: PathBuf,
    /// 1-based line number.
    pub line: usize,
}

/// One piece of knowledge: a question with its answer, or a documented fix.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// Stable identifier: given in front matter, or derived from the path.
    pub id: String,
    /// The canonical question or problem statement.
    pub title: String,
    /// Other ways customers ask it.
    pub questions: Vec<String>,
    /// Free-form tags.
    pub tags: Vec<String>,
    /// The language the entry is written in.
    pub lang: Lang,
    /// FAQ answer or documented fix.
    pub kind: Kind,
    /// Regular expression sources (fixes only), matched case-insensitively.
    pub symptoms: Vec<String>,
    /// What staff need when the fix does not help (a fix's `needs:`),
    /// asked of the customer before the ticket opens.
    pub needs: Vec<Need>,
    /// The answer as written, markdown, for display.
    pub answer_markdown: String,
    /// The answer's plain text, for the index.
    pub answer_text: String,
    /// Where it was written.
    pub origin: Origin,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_centred_on_their_own_languages_mean_and_unknown_ones_are_0() {
        let values = [Some(0.6), Some(0.4), None, Some(0.9), Some(0.7)];
        let langs = [Lang::En, Lang::En, Lang::En, Lang::De, Lang::De];
        let centred = Lang::centred(&values, &langs);
        let want = [0.1, -0.1, 0.0, 0.1, -0.1];
        for (got, want) in centred.iter().zip(want) {
            assert!((got - want).abs() < 1e-6, "{centred:?}");
        }
        assert!(Lang::centred(&[], &[]).is_empty());
    }
}
