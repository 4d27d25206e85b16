//! Symptoms of documented fixes: regular expressions that recognise a known
//! problem in what a customer writes. This module refuses symptoms that are
//! invalid or too broad, and compiles the good ones into one `RegexSet`.
//!
//! "Too broad" is decided on principles rather than a list of bad patterns:
//! a symptom must not match the empty string, must not be able to match a
//! text shorter than [`MIN_MATCH_LEN`] bytes, must not be one ordinary word,
//! and must match none of a shipped corpus of ordinary customer sentences
//! (`ordinary.txt`, English and German). `load` adds the check that needs
//! all entries: a symptom must not match another entry's question.

use regex::{RegexBuilder, RegexSet, RegexSetBuilder};
use regex_syntax::hir::{Hir, HirKind};

/// Upper bound for one compiled symptom, so a pathological pattern cannot
/// eat memory.
const SYMPTOM_SIZE_LIMIT: usize = 256 * 1024;
/// Upper bound for the set of all symptoms.
const SET_SIZE_LIMIT: usize = 32 * 1024 * 1024;
/// The shortest text, in bytes, a symptom may match: `E42`, `x` or `(a+)+$`
/// occur in all kinds of messages.
pub const MIN_MATCH_LEN: usize = 4;

/// Ordinary things customers say that identify no problem at all, one per
/// line. A symptom that matches any of them would send every such
/// conversation to its fix.
const ORDINARY: &str = include_str!("ordinary.txt");

/// The sentences of [`ORDINARY`].
fn ordinary() -> impl Iterator<Item = &'static str> {
    ORDINARY
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Why a symptom was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SymptomProblem {
    /// Not a valid regular expression (or too large).
    Invalid(String),
    /// Matches the empty string, so it matches everything.
    MatchesEmpty,
    /// Can match a text of this many bytes, fewer than [`MIN_MATCH_LEN`].
    TooShort(usize),
    /// One ordinary word, which customers use about anything.
    OrdinaryWord(String),
    /// Matches an ordinary sentence.
    TooBroad(&'static str),
    /// Matches a title or listed question of another entry.
    MatchesQuestion {
        /// The question it matches.
        question: String,
        /// The entry that lists it.
        entry: String,
    },
}

impl SymptomProblem {
    /// The headline for a diagnostic about `symptom`.
    pub fn message(&self, symptom: &str) -> String {
        match self {
            SymptomProblem::Invalid(e) => {
                format!("invalid symptom regex `{symptom}`: {}", first_line(e))
            }
            SymptomProblem::MatchesEmpty => {
                format!("symptom `{symptom}` is too broad: it matches the empty string")
            }
            SymptomProblem::TooShort(len) => format!(
                "symptom `{symptom}` is too broad: it matches texts of {len} character(s); \
                 a symptom must need at least {MIN_MATCH_LEN}"
            ),
            SymptomProblem::OrdinaryWord(word) => format!(
                "symptom `{symptom}` is too broad: \"{word}\" is an ordinary word customers use about anything"
            ),
            SymptomProblem::TooBroad(sentence) => {
                format!(
                    "symptom `{symptom}` is too broad: it matches the ordinary sentence \"{sentence}\""
                )
            }
            SymptomProblem::MatchesQuestion { question, entry } => format!(
                "symptom `{symptom}` is too broad: it matches \"{question}\", a question of `{entry}`"
            ),
        }
    }

    /// What the maintainer should do.
    pub fn help(&self) -> &'static str {
        match self {
            SymptomProblem::Invalid(_) => {
                "symptoms are Rust regular expressions; escape special characters such as ( ) . with a backslash"
            }
            _ => {
                "use what identifies this problem only: an error code or a distinctive part of the error message"
            }
        }
    }
}

fn first_line(s: &str) -> &str {
    s.lines().last().unwrap_or(s).trim()
}

/// Checks one symptom: it must compile, must need a few characters to
/// match, must not be one ordinary word and must not match ordinary text.
pub fn check_symptom(symptom: &str) -> Result<(), SymptomProblem> {
    let re = RegexBuilder::new(symptom)
        .case_insensitive(true)
        .size_limit(SYMPTOM_SIZE_LIMIT)
        .build()
        .map_err(|e| SymptomProblem::Invalid(e.to_string()))?;
    if re.is_match("") {
        return Err(SymptomProblem::MatchesEmpty);
    }
    // The regex compiled, so its syntax parses.
    if let Ok(hir) = regex_syntax::ParserBuilder::new()
        .case_insensitive(true)
        .build()
        .parse(symptom)
        && let Some(len) = hir.properties().minimum_len()
        && len < MIN_MATCH_LEN
    {
        return Err(SymptomProblem::TooShort(len));
    }
    if let Ok(hir) = regex_syntax::Parser::new().parse(symptom)
        && let Some(word) = literal(&hir)
        && is_ordinary_word(&word)
    {
        return Err(SymptomProblem::OrdinaryWord(word));
    }
    if let Some(sentence) = ordinary().find(|s| re.is_match(s)) {
        return Err(SymptomProblem::TooBroad(sentence));
    }
    Ok(())
}

/// The text a pattern matches when it matches one text only (word
/// boundaries and anchors aside).
fn literal(hir: &Hir) -> Option<String> {
    match hir.kind() {
        HirKind::Literal(lit) => std::str::from_utf8(&lit.0).ok().map(str::to_string),
        HirKind::Look(_) => Some(String::new()),
        HirKind::Capture(cap) => literal(&cap.sub),
        HirKind::Concat(parts) => parts.iter().map(literal).collect(),
        _ => None,
    }
}

/// A word of letters only, spelt as words are (`password`, `Passwort`), not
/// as identifiers are (`ECONNREFUSED`, `QuotaExceededException`).
fn is_ordinary_word(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next().is_some_and(char::is_alphabetic) && chars.all(char::is_lowercase)
}

/// A symptom that matched a customer's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymptomHit {
    /// Index of the entry in the knowledge.
    pub entry: usize,
    /// The symptom's source.
    pub symptom: String,
    /// The text it matched.
    pub matched: String,
}

/// All symptoms of all fixes, compiled once.
#[derive(Debug, Clone)]
pub struct SymptomMatcher {
    set: RegexSet,
    /// For each pattern of the set: the entry index and the pattern source.
    owners: Vec<(usize, String)>,
    /// Single regexes, to report what matched.
    single: Vec<regex::Regex>,
}

impl SymptomMatcher {
    /// Compiles `(entry index, symptom)` pairs; each must have passed [`check_symptom`].
    pub fn new(symptoms: Vec<(usize, String)>) -> Result<Self, regex::Error> {
        let set = RegexSetBuilder::new(symptoms.iter().map(|(_, s)| s))
            .case_insensitive(true)
            .size_limit(SET_SIZE_LIMIT)
            .build()?;
        let single = symptoms
            .iter()
            .map(|(_, s)| {
                RegexBuilder::new(s)
                    .case_insensitive(true)
                    .size_limit(SYMPTOM_SIZE_LIMIT)
                    .build()
            })
            .collect::<Result<_, _>>()?;
        Ok(SymptomMatcher {
            set,
            owners: symptoms,
            single,
        })
    }

    /// Every symptom that matches `text`, in entry order.
    pub fn matches(&self, text: &str) -> Vec<SymptomHit> {
        self.set
            .matches(text)
            .iter()
            .map(|i| {
                let (entry, symptom) = &self.owners[i];
                let matched = self.single[i]
                    .find(text)
                    .map(|m| m.as_str().to_string())
                    .unwrap_or_default();
                SymptomHit {
                    entry: *entry,
                    symptom: symptom.clone(),
                    matched,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_are_fine_symptoms() {
        assert_eq!(check_symptom(r"0x8004010F"), Ok(()));
        assert_eq!(check_symptom(r"database (is )?locked"), Ok(()));
    }

    #[test]
    fn invalid_regex_is_refused() {
        assert!(matches!(
            check_symptom("(unclosed"),
            Err(SymptomProblem::Invalid(_))
        ));
    }

    #[test]
    fn patterns_that_match_everything_are_refused() {
        assert_eq!(check_symptom("x*"), Err(SymptomProblem::MatchesEmpty));
        assert_eq!(
            check_symptom("does(n't| not) work"),
            Err(SymptomProblem::TooBroad("it does not work"))
        );
    }

    #[test]
    fn a_symptom_that_matches_a_few_letters_is_too_broad() {
        assert_eq!(check_symptom("h"), Err(SymptomProblem::TooShort(1)));
        assert_eq!(check_symptom("x"), Err(SymptomProblem::TooShort(1)));
        assert_eq!(check_symptom("(a+)+$"), Err(SymptomProblem::TooShort(1)));
        assert_eq!(check_symptom(r"\bE42\b"), Err(SymptomProblem::TooShort(3)));
    }

    #[test]
    fn one_ordinary_word_is_too_broad() {
        assert_eq!(
            check_symptom("password"),
            Err(SymptomProblem::OrdinaryWord("password".into()))
        );
        assert_eq!(
            check_symptom(r"\bDrucker\b"),
            Err(SymptomProblem::OrdinaryWord("Drucker".into()))
        );
    }

    #[test]
    fn a_symptom_matching_an_ordinary_sentence_is_too_broad() {
        assert_eq!(
            check_symptom("pass(word|wort)"),
            Err(SymptomProblem::TooBroad("I forgot my password"))
        );
        assert_eq!(
            check_symptom("blank pages"),
            Err(SymptomProblem::TooBroad("my printer prints blank pages"))
        );
        assert_eq!(
            check_symptom("vergessen"),
            Err(SymptomProblem::OrdinaryWord("vergessen".into()))
        );
        assert_eq!(
            check_symptom("Passwort verg"),
            Err(SymptomProblem::TooBroad("Passwort vergessen"))
        );
    }

    #[test]
    fn identifiers_and_messages_are_fine_symptoms() {
        for symptom in [
            "ECONNREFUSED",
            "QuotaExceededException",
            "AADSTS50126",
            r"NLR-?408",
            "certificate has expired",
            "sitzungscode (ist )?abgelaufen",
        ] {
            assert_eq!(check_symptom(symptom), Ok(()), "{symptom}");
        }
    }

    #[test]
    fn every_ordinary_sentence_is_refused_as_a_symptom() {
        for sentence in ordinary() {
            assert!(
                check_symptom(&regex::escape(sentence)).is_err(),
                "{sentence}"
            );
        }
    }

    #[test]
    fn matcher_reports_entry_symptom_and_matched_text() {
        let m = SymptomMatcher::new(vec![(3, "E10\\d\\d".into()), (5, "locked".into())]).unwrap();
        let hits = m.matches("Sync says e1042, database LOCKED");
        assert_eq!(hits.len(), 2);
        assert_eq!(hits[0].entry, 3);
        assert_eq!(hits[0].matched, "e1042");
        assert_eq!(hits[1].matched, "LOCKED");
    }
}
