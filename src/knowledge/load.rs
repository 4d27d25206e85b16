//! A whole FAQ directory to [`Knowledge`]: reads every `*.md` (except the
//! top-level `README.md`), parses each file (those under `notices/` as
//! notices, those under `contracts/` as contracts), then checks across files (duplicate ids, duplicate questions,
//! thin entries, symptoms that match another entry's question, notice
//! windows of one service that overlap). A file that cannot be read (too large, not
//! UTF-8, unreadable, a symlink loop) is a finding about that file; every
//! other file is still checked.

use std::collections::{BTreeSet, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use regex::RegexSetBuilder;
use walkdir::WalkDir;

use super::contract::Contract;
use super::contracts::{cross_check_contracts, is_contract_file, parse_contract};
use super::diagnostic::{Diagnostic, Severity};
use super::entry::{Entry, Lang};
use super::limits::MAX_FILE_BYTES;
use super::notice::Notice;
use super::notices::{cross_check_notices, is_notice_file, parse_notice};
use super::parse::{parse_file, too_large};
use super::symptoms::SymptomProblem;
use super::{Knowledge, LoadError};

/// Fewer listed questions than this earns a warning.
pub const MIN_QUESTIONS: usize = 3;

/// The outcome of reading a directory: the entries (only when there are no
/// errors) and every finding.
#[derive(Debug)]
pub struct Loaded {
    /// The knowledge, if no file has errors.
    pub knowledge: Option<Knowledge>,
    /// Errors and warnings, sorted by file and line.
    pub diagnostics: Vec<Diagnostic>,
    /// How many files were read.
    pub files: usize,
}

impl Loaded {
    /// How many findings are errors.
    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }
}

/// Reads and checks every FAQ file under `dir`.
pub fn load_dir(dir: &Path, default_lang: Lang) -> Result<Loaded, LoadError> {
    if !dir.is_dir() {
        return Err(LoadError::NotADirectory(dir.to_path_buf()));
    }
    let mut entries = Vec::new();
    let mut notices: Vec<Notice> = Vec::new();
    let mut contracts: Vec<Contract> = Vec::new();
    let mut diagnostics = Vec::new();
    let mut sources: HashMap<PathBuf, Arc<str>> = HashMap::new();
    let (files, walk_errors) = faq_files(dir);
    diagnostics.extend(walk_errors.iter().map(|e| walk_error(dir, e)));
    for rel in &files {
        let path = dir.join(rel);
        let text = match read_text(&path) {
            Ok(text) => text,
            Err(d) => {
                diagnostics.push(*d);
                continue;
            }
        };
        if is_notice_file(rel) {
            let parsed = parse_notice(rel, &path, &text, default_lang);
            sources.insert(rel.clone(), Arc::from(text));
            notices.extend(parsed.notice);
            diagnostics.extend(parsed.diagnostics);
            continue;
        }
        if is_contract_file(rel) {
            let parsed = parse_contract(rel, &path, &text);
            sources.insert(rel.clone(), Arc::from(text));
            contracts.extend(parsed.contract);
            diagnostics.extend(parsed.diagnostics);
            continue;
        }
        let parsed = parse_file(rel, &path, &text, default_lang);
        if let Some(d) = parsed.diagnostics.first() {
            sources.insert(rel.clone(), Arc::clone(&d.source));
        } else {
            sources.insert(rel.clone(), Arc::from(text));
        }
        entries.extend(parsed.entries);
        diagnostics.extend(parsed.diagnostics);
    }
    let shown = |rel: &Path| dir.join(rel);
    diagnostics.extend(cross_checks(&entries, &sources, &shown));
    diagnostics.extend(cross_check_notices(&notices, &sources, &shown));
    diagnostics.extend(cross_check_contracts(&contracts, &sources, &shown));
    diagnostics.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    let has_errors = diagnostics.iter().any(Diagnostic::is_error);
    let knowledge = if has_errors {
        None
    } else {
        Some(
            Knowledge::new(entries)
                .map_err(LoadError::Symptoms)?
                .with_notices(notices)
                .with_contracts(contracts),
        )
    };
    Ok(Loaded {
        knowledge,
        diagnostics,
        files: files.len(),
    })
}

/// A cheap summary of what the FAQ directory holds: each knowledge file's
/// path, size and modification time, and what could not be listed. When it
/// is unchanged, so is the knowledge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    files: Vec<(PathBuf, Option<Stamp>)>,
    walk_errors: Vec<String>,
}

/// A file's size and modification time.
type Stamp = (u64, Option<SystemTime>);

/// The [`Fingerprint`] of `dir`, from file metadata only (nothing is read).
pub fn fingerprint(dir: &Path) -> Fingerprint {
    let (files, walk_errors) = faq_files(dir);
    Fingerprint {
        files: files
            .into_iter()
            .map(|rel| {
                let meta = std::fs::metadata(dir.join(&rel)).ok();
                let stamp = meta.map(|m| (m.len(), m.modified().ok()));
                (rel, stamp)
            })
            .collect(),
        walk_errors: walk_errors.iter().map(ToString::to_string).collect(),
    }
}

/// UTF-8's byte-order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The text of the file at `path`, or the finding why it cannot be used.
fn read_text(path: &Path) -> Result<String, Box<Diagnostic>> {
    let unreadable = |e: std::io::Error| {
        Box::new(
            file_error(path, format!("cannot read the file: {e}"))
                .with_help("check its permissions, or remove it from the FAQ directory"),
        )
    };
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let mut raw = Vec::new();
    // One byte over the limit is enough to know the file is too large.
    file.take(MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut raw)
        .map_err(unreadable)?;
    if raw.len() > MAX_FILE_BYTES {
        let len = std::fs::metadata(path).map_or(raw.len(), |m| m.len() as usize);
        return Err(Box::new(too_large(path, len)));
    }
    // Editors on Windows may start a UTF-8 file with a byte-order mark;
    // it is not part of the text (the front matter's `---` follows it).
    if raw.starts_with(BOM) {
        raw.drain(..BOM.len());
    }
    String::from_utf8(raw).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let source: Arc<str> = Arc::from(String::from_utf8_lossy(e.as_bytes()));
        Box::new(
            Diagnostic::at(
                Severity::Error,
                path,
                &source,
                at,
                1,
                format!("the file is not valid UTF-8 (byte {at})"),
            )
            .with_help("save the file as UTF-8"),
        )
    })
}

/// An error about a whole file, with no text to show.
fn file_error(path: &Path, message: String) -> Diagnostic {
    Diagnostic::at(Severity::Error, path, &Arc::from(""), 0, 0, message)
}

/// A finding for what could not be listed under `dir`.
fn walk_error(dir: &Path, e: &walkdir::Error) -> Diagnostic {
    let path = e.path().unwrap_or(dir);
    match (e.loop_ancestor(), e.io_error()) {
        (Some(ancestor), _) => file_error(
            path,
            format!(
                "symlink loop: this link leads back to {}",
                ancestor.display()
            ),
        )
        .with_help("remove the link, or point it outside the FAQ directory"),
        (None, Some(io)) => file_error(path, format!("cannot read: {io}"))
            .with_help("check its permissions, or remove it from the FAQ directory"),
        (None, None) => file_error(path, format!("cannot read: {e}")),
    }
}

/// Relative paths of the knowledge files under `dir`, sorted, and what
/// could not be listed.
fn faq_files(dir: &Path) -> (Vec<PathBuf>, Vec<walkdir::Error>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let walker = WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for item in walker {
        let item = match item {
            Ok(item) => item,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let path = item.path();
        if !item.file_type().is_file() || path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let rel = path.strip_prefix(dir).unwrap_or(path).to_path_buf();
        if rel == Path::new("README.md") {
            continue;
        }
        files.push(rel);
    }
    (files, errors)
}

fn cross_checks(
    entries: &[Entry],
    sources: &HashMap<PathBuf, Arc<str>>,
    shown: &dyn Fn(&Path) -> PathBuf,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let at = |entry: &Entry, severity: Severity, message: String| {
        let source = &sources[&entry.origin.path];
        Diagnostic::on_line(
            severity,
            &shown(&entry.origin.path),
            source,
            entry.origin.line,
            message,
        )
    };
    // Points at the line where `text` is written in the entry's file, if found.
    let at_text = |entry: &Entry, text: &str, severity: Severity, message: String| {
        let source = &sources[&entry.origin.path];
        match source.find(text) {
            Some(offset) => Diagnostic::at(
                severity,
                &shown(&entry.origin.path),
                source,
                offset,
                text.len(),
                message,
            ),
            None => at(entry, severity, message),
        }
    };
    let mut ids: HashMap<&str, &Entry> = HashMap::new();
    let mut questions: HashMap<String, &Entry> = HashMap::new();
    for entry in entries {
        if let Some(first) = ids.insert(&entry.id, entry) {
            ids.insert(&first.id, first);
            out.push(
                at(
                    entry,
                    Severity::Error,
                    format!("duplicate id `{}`", entry.id),
                )
                .with_help(format!(
                    "already used by {}:{}; give one of them another `id:`",
                    shown(&first.origin.path).display(),
                    first.origin.line
                )),
            );
        }
        let is_list_entry = entry.id.contains('#');
        if !is_list_entry && entry.questions.len() < MIN_QUESTIONS {
            out.push(
                at(
                    entry,
                    Severity::Warning,
                    format!(
                        "entry `{}` lists {} question(s); {MIN_QUESTIONS} or more help customers find it",
                        entry.id,
                        entry.questions.len()
                    ),
                )
                .with_help("add other ways customers ask this under `questions:`"),
            );
        }
        for q in entry.questions.iter().chain(std::iter::once(&entry.title)) {
            let key = normalize_question(q);
            match questions.get(&key) {
                Some(other) if other.id != entry.id => out.push(
                    at_text(
                        entry,
                        q,
                        Severity::Warning,
                        format!("question \"{q}\" is also asked in `{}`", other.id),
                    )
                    .with_help("a question should lead to one entry; remove it from one of them"),
                ),
                Some(_) => {}
                None => {
                    questions.insert(key, entry);
                }
            }
        }
    }
    out.extend(symptoms_matching_questions(entries, &at_text));
    out
}

/// Symptoms that match a title or question of another entry: the knowledge
/// itself shows that customers write such text about something else, so
/// the fix would take over that entry's answers.
fn symptoms_matching_questions(
    entries: &[Entry],
    at_text: &dyn Fn(&Entry, &str, Severity, String) -> Diagnostic,
) -> Vec<Diagnostic> {
    let owners: Vec<(&Entry, &String)> = entries
        .iter()
        .flat_map(|e| e.symptoms.iter().map(move |s| (e, s)))
        .collect();
    if owners.is_empty() {
        return Vec::new();
    }
    // Each symptom compiled alone already; too large together is reported
    // when the knowledge is built.
    let Ok(set) = RegexSetBuilder::new(owners.iter().map(|(_, s)| s))
        .case_insensitive(true)
        .size_limit(32 * 1024 * 1024)
        .build()
    else {
        return Vec::new();
    };
    let mut reported = BTreeSet::new();
    let mut out = Vec::new();
    for entry in entries {
        for question in std::iter::once(&entry.title).chain(&entry.questions) {
            for i in set.matches(question).iter() {
                let (owner, symptom) = owners[i];
                if owner.id == entry.id || !reported.insert(i) {
                    continue;
                }
                let problem = SymptomProblem::MatchesQuestion {
                    question: question.clone(),
                    entry: entry.id.clone(),
                };
                out.push(
                    at_text(owner, symptom, Severity::Error, problem.message(symptom))
                        .with_help(problem.help()),
                );
            }
        }
    }
    out
}

fn normalize_question(q: &str) -> String {
    q.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}
