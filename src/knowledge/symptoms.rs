//! Symptoms of documented fixes: regular expressions that recognise a known
//! problem in what a customer writes. This module refuses symptoms that are
//! invalid or too broad, and compiles the good ones into one `RegexSet`.

use regex::{RegexBuilder, RegexSet, RegexSetBuilder};

/// Upper bound for one compiled symptom, so a pathological pattern cannot
/// eat memory.
const SYMPTOM_SIZE_LIMIT: usize = 256 * 1024;
/// Upper bound for the set of all symptoms.
const SET_SIZE_LIMIT: usize = 32 * 1024 * 1024;

/// Ordinary things customers say that identify no problem at all. A symptom
/// that matches any of them would send every conversation to that fix.
const ORDINARY: &[&str] = &[
    "hello",
    "hi",
    "help",
    "thanks",
    "it does not work",
    "it doesn't work",
    "not working",
    "I have a problem",
    "there is an error",
    "error",
    "I need help with my computer",
    "can you help me please?",
    "hallo",
    "danke",
    "es funktioniert nicht",
    "geht nicht",
    "ich habe ein Problem",
    "Fehler",
    "ich brauche Hilfe",
    "können Sie mir bitte helfen?",
];

/// Why a symptom was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SymptomProblem {
    /// Not a valid regular expression (or too large).
    Invalid(String),
    /// Matches the empty string, so it matches everything.
    MatchesEmpty,
    /// Matches an ordinary sentence.
    TooBroad(&'static str),
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
            SymptomProblem::TooBroad(sentence) => {
                format!(
                    "symptom `{symptom}` is too broad: it matches the ordinary sentence \"{sentence}\""
                )
            }
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

/// Checks one symptom: it must compile and must not match ordinary text.
pub fn check_symptom(symptom: &str) -> Result<(), SymptomProblem> {
    let re = RegexBuilder::new(symptom)
        .case_insensitive(true)
        .size_limit(SYMPTOM_SIZE_LIMIT)
        .build()
        .map_err(|e| SymptomProblem::Invalid(e.to_string()))?;
    if re.is_match("") {
        return Err(SymptomProblem::MatchesEmpty);
    }
    if let Some(sentence) = ORDINARY.iter().find(|s| re.is_match(s)) {
        return Err(SymptomProblem::TooBroad(sentence));
    }
    Ok(())
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
        assert_eq!(check_symptom("h"), Err(SymptomProblem::TooBroad("hello")));
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
