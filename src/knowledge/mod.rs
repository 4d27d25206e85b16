//! Knowledge: the FAQ markdown maintainers keep in git, parsed, checked and
//! watched. It owns the file format, the lint findings, the symptom regexes
//! of documented fixes, the notices under `notices/` and the maintenance
//! contracts under `contracts/`; searching the entries is left to `index` and deciding
//! what to answer to `triage`.

mod contract;
pub mod contracts;
mod diagnostic;
mod entry;
pub mod limits;
mod load;
pub mod markdown;
mod matter;
mod needs;
mod notice;
pub mod notices;
mod parse;
mod symptoms;
pub mod watch;

use std::path::PathBuf;

pub use contract::{
    Asker, Contract, ContractLevel, ContractTerms, Contracts, Member, Service, show_duration,
};
pub use diagnostic::{Diagnostic, Severity};
pub use entry::{Entry, Kind, Lang, Origin};
pub use load::{Fingerprint, Loaded, MIN_QUESTIONS, fingerprint, load_dir};
pub use needs::{Need, missing};
pub use notice::{Notice, NoticeKind, NoticeOrigin, NoticeStatus};
pub use parse::{ParsedFile, parse_file};
pub use symptoms::{SymptomHit, SymptomMatcher, SymptomProblem, check_symptom};

/// Something went wrong reading the FAQ directory itself (as opposed to
/// findings about its files, which are [`Diagnostic`]s: a file that cannot
/// be read or listed is one of those).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The FAQ path is not a directory.
    #[error("{0} is not a directory")]
    NotADirectory(PathBuf),
    /// The symptoms, each valid, are too large together.
    #[error("compiling the symptoms of all fixes")]
    Symptoms(#[source] regex::Error),
}

/// A consistent version of all FAQ entries, ready to be indexed.
#[derive(Debug, Clone)]
pub struct Knowledge {
    entries: Vec<Entry>,
    symptoms: SymptomMatcher,
    langs: Vec<Lang>,
    notices: Vec<Notice>,
    contracts: Contracts,
}

impl Knowledge {
    /// Builds knowledge from checked entries.
    pub fn new(entries: Vec<Entry>) -> Result<Self, regex::Error> {
        let symptoms = entries
            .iter()
            .enumerate()
            .flat_map(|(i, e)| e.symptoms.iter().map(move |s| (i, s.clone())))
            .collect();
        let langs = Lang::ALL
            .into_iter()
            .filter(|l| entries.iter().any(|e| e.lang == *l))
            .collect();
        Ok(Knowledge {
            symptoms: SymptomMatcher::new(symptoms)?,
            entries,
            langs,
            notices: Vec::new(),
            contracts: Contracts::default(),
        })
    }

    /// The same knowledge with `notices` (from `notices/`).
    pub fn with_notices(mut self, notices: Vec<Notice>) -> Self {
        self.notices = notices;
        self
    }

    /// The same knowledge with `contracts` (from `contracts/`).
    pub fn with_contracts(mut self, contracts: Vec<Contract>) -> Self {
        self.contracts = Contracts::new(contracts);
        self
    }

    /// The maintenance contracts written under `contracts/`.
    pub fn contracts(&self) -> &Contracts {
        &self.contracts
    }

    /// The notices written under `notices/`, in file order.
    pub fn notices(&self) -> &[Notice] {
        &self.notices
    }

    /// Every entry, in file order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entry at `index`.
    pub fn entry(&self, index: usize) -> &Entry {
        &self.entries[index]
    }

    /// The index of the entry with `id`.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.entries.iter().position(|e| e.id == id)
    }

    /// The languages entries are written in, in [`Lang::ALL`] order.
    pub fn langs(&self) -> &[Lang] {
        &self.langs
    }

    /// The symptoms of every documented fix.
    pub fn symptoms(&self) -> &SymptomMatcher {
        &self.symptoms
    }
}
