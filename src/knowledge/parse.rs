//! One FAQ file to entries: front matter files are one entry, files without
//! front matter are `## ` lists. Every problem found is a located
//! [`Diagnostic`], including input over the [`limits`](super::limits); checks
//! across files live in `load`. Parsing is linear in the size of the file.

use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;

use super::diagnostic::{Diagnostic, Severity, line_start};
use super::entry::{Entry, Kind, Lang, Origin};
use super::limits::{
    MAX_ANSWER_BYTES, MAX_ENTRIES_PER_FILE, MAX_FILE_BYTES, MAX_FRONT_MATTER_BYTES, MAX_LINE_CHARS,
    bytes,
};
use super::markdown::{h2_sections, plain_text, slug};
use super::needs::Need;
use super::symptoms::check_symptom;

/// What a maintainer may write in front matter. Unknown keys are errors so
/// that a typo such as `qestions:` does not silently drop knowledge.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    id: Option<String>,
    title: Option<String>,
    #[serde(default)]
    questions: Vec<String>,
    #[serde(default)]
    tags: Vec<String>,
    lang: Option<Lang>,
    kind: Option<Kind>,
    #[serde(default)]
    symptoms: Vec<String>,
    #[serde(default)]
    needs: Vec<String>,
}

/// The entries of one file and what is wrong with it.
#[derive(Debug, Default)]
pub struct ParsedFile {
    /// Entries that parsed; empty when the file has errors.
    pub entries: Vec<Entry>,
    /// Errors and warnings, located in the file.
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses `text`, the file at `rel` (relative to the FAQ directory) shown to
/// users as `shown`.
pub fn parse_file(rel: &Path, shown: &Path, text: &str, default_lang: Lang) -> ParsedFile {
    if text.len() > MAX_FILE_BYTES {
        return ParsedFile {
            entries: Vec::new(),
            diagnostics: vec![too_large(shown, text.len())],
        };
    }
    let source: Arc<str> = Arc::from(text);
    let ctx = FileCtx {
        rel,
        shown,
        source: &source,
        line_starts: std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect(),
    };
    let mut parsed = match split_front_matter(text) {
        Some(split) => ctx.parse_entry_file(split, default_lang),
        None => ctx.parse_list_file(default_lang),
    };
    parsed.diagnostics.extend(ctx.long_line());
    if parsed.diagnostics.iter().any(Diagnostic::is_error) {
        parsed.entries.clear();
    }
    parsed
}

/// Front matter found at the top of a file.
pub(super) struct FrontMatterSplit<'a> {
    pub(super) yaml: &'a str,
    /// Byte offset where the YAML starts (the line after the opening `---`).
    pub(super) yaml_start: usize,
    /// Byte offset of the closing `---` line, if there is one.
    pub(super) close_start: Option<usize>,
    /// Byte offset where the body starts.
    pub(super) body_start: usize,
}

pub(super) fn split_front_matter(text: &str) -> Option<FrontMatterSplit<'_>> {
    let first_line_end = text.find('\n').unwrap_or(text.len());
    if text[..first_line_end].trim_end() != "---" {
        return None;
    }
    let yaml_start = (first_line_end + 1).min(text.len());
    let mut offset = yaml_start;
    for line in text[yaml_start..].split_inclusive('\n') {
        if line.trim_end() == "---" {
            return Some(FrontMatterSplit {
                yaml: &text[yaml_start..offset],
                yaml_start,
                close_start: Some(offset),
                body_start: offset + line.len(),
            });
        }
        offset += line.len();
    }
    Some(FrontMatterSplit {
        yaml: &text[yaml_start..],
        yaml_start,
        close_start: None,
        body_start: text.len(),
    })
}

/// The error for a file of `len` bytes, over [`MAX_FILE_BYTES`].
pub(super) fn too_large(shown: &Path, len: usize) -> Diagnostic {
    Diagnostic::at(
        Severity::Error,
        shown,
        &Arc::from(""),
        0,
        0,
        format!(
            "file is {}; the limit is {} per file (MAX_FILE_BYTES)",
            bytes(len),
            bytes(MAX_FILE_BYTES)
        ),
    )
    .with_help("split it into several files, or move long material to a linked document")
}

struct FileCtx<'a> {
    rel: &'a Path,
    shown: &'a Path,
    source: &'a Arc<str>,
    /// Byte offset where each line starts, so that finding a line is a lookup.
    line_starts: Vec<usize>,
}

impl FileCtx<'_> {
    fn error_at(&self, offset: usize, len: usize, message: impl Into<String>) -> Diagnostic {
        Diagnostic::at(
            Severity::Error,
            self.shown,
            self.source,
            offset,
            len,
            message,
        )
    }

    fn on_line(&self, severity: Severity, line: usize, message: impl Into<String>) -> Diagnostic {
        Diagnostic::on_line(severity, self.shown, self.source, line, message)
    }

    fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&start| start <= offset)
    }

    /// An error for the first line over [`MAX_LINE_CHARS`], at the character
    /// where it goes over.
    fn long_line(&self) -> Option<Diagnostic> {
        let ends = self.line_starts.iter().skip(1).map(|&s| s - 1);
        let (start, end) = self
            .line_starts
            .iter()
            .copied()
            .zip(ends.chain(std::iter::once(self.source.len())))
            .find(|&(start, end)| {
                end - start > MAX_LINE_CHARS
                    && self.source[start..end].chars().count() > MAX_LINE_CHARS
            })?;
        let line = &self.source[start..end];
        let over = line
            .char_indices()
            .nth(MAX_LINE_CHARS)
            .map_or(0, |(i, _)| i);
        Some(
            self.error_at(
                start + over,
                1,
                format!(
                    "line is {} characters long; the limit is {MAX_LINE_CHARS} (MAX_LINE_CHARS)",
                    line.chars().count()
                ),
            )
            .with_help("break the line; markdown joins lines of one paragraph"),
        )
    }

    /// An error when the answer starting at byte `start` is over [`MAX_ANSWER_BYTES`].
    fn answer_too_large(&self, start: usize, answer: &str) -> Option<Diagnostic> {
        (answer.len() > MAX_ANSWER_BYTES).then(|| {
            self.on_line(
                Severity::Error,
                self.line_of(start),
                format!(
                    "answer is {}; the limit is {} (MAX_ANSWER_BYTES)",
                    bytes(answer.len()),
                    bytes(MAX_ANSWER_BYTES)
                ),
            )
            .with_help("shorten it, split it into several entries, or link to a longer document")
        })
    }

    /// The default id: the relative path without `.md`, `/`-separated.
    fn path_id(&self) -> String {
        let no_ext = self.rel.with_extension("");
        no_ext
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/")
    }

    /// A fix's `needs:` written on line `line`: unknown ones, and needs on
    /// an entry that is not a fix, are errors.
    fn needs(
        &self,
        written: &[String],
        kind: Kind,
        line: usize,
        out: &mut ParsedFile,
    ) -> Vec<Need> {
        if written.is_empty() {
            return Vec::new();
        }
        if kind != Kind::Fix {
            out.diagnostics.push(
                self.on_line(Severity::Error, line, "needs on an entry that is not a fix")
                    .with_help("only a documented fix asks for details before its ticket opens"),
            );
            return Vec::new();
        }
        let known = Need::ALL.map(Need::as_str).join(", ");
        let mut needs = Vec::new();
        for item in written {
            match item.parse::<Need>() {
                Ok(need) if !needs.contains(&need) => needs.push(need),
                Ok(_) => {}
                Err(e) => out.diagnostics.push(
                    self.on_line(Severity::Error, line, e)
                        .with_help(format!("a fix needs some of: {known}")),
                ),
            }
        }
        needs
    }

    fn in_fixes(&self) -> bool {
        self.rel
            .components()
            .next()
            .is_some_and(|c| c.as_os_str() == "fixes")
    }

    fn origin(&self, line: usize) -> Origin {
        Origin {
            path: self.rel.to_path_buf(),
            line,
        }
    }

    fn parse_entry_file(&self, split: FrontMatterSplit<'_>, default_lang: Lang) -> ParsedFile {
        let mut out = ParsedFile::default();
        let Some(close_start) = split.close_start else {
            out.diagnostics.push(
                self.on_line(Severity::Error, 1, "front matter is never closed")
                    .with_help("end the YAML block with a line that is exactly `---`"),
            );
            return out;
        };
        if split.yaml.len() > MAX_FRONT_MATTER_BYTES {
            out.diagnostics.push(
                self.error_at(
                    split.yaml_start,
                    0,
                    format!(
                        "front matter is {}; the limit is {} (MAX_FRONT_MATTER_BYTES)",
                        bytes(split.yaml.len()),
                        bytes(MAX_FRONT_MATTER_BYTES)
                    ),
                )
                .with_help("front matter holds a title, questions, tags and symptoms; the answer goes below the closing `---`"),
            );
            return out;
        }
        if let Some(at) = find_alias(split.yaml) {
            out.diagnostics.push(
                self.error_at(
                    split.yaml_start + at,
                    1,
                    "YAML aliases (`*name`) are not allowed in front matter",
                )
                .with_help(
                    "write the value out where it is needed; quote text that starts with `*`",
                ),
            );
            return out;
        }
        let fm: FrontMatter = match serde_yaml_ng::from_str(split.yaml) {
            Ok(fm) => fm,
            Err(e) => {
                let offset = e
                    .location()
                    .map_or(split.yaml_start, |l| split.yaml_start + l.index());
                let message = format!("invalid YAML in front matter: {}", strip_location(&e));
                out.diagnostics
                    .push(self.error_at(offset, 1, message).with_help(
                    "front matter takes id, title, questions, tags, lang, kind, symptoms and needs",
                ));
                return out;
            }
        };
        let key_line = |key: &str| self.key_line(split.yaml, split.yaml_start, key);

        let title = fm.title.as_deref().map(str::trim).unwrap_or_default();
        if title.is_empty() {
            let line = key_line("title").unwrap_or(1);
            out.diagnostics.push(
                self.on_line(Severity::Error, line, "missing title")
                    .with_help("add `title: <the question or problem>` to the front matter"),
            );
        }
        let body = &self.source[split.body_start..];
        let answer_markdown = body.trim();
        if answer_markdown.is_empty() {
            out.diagnostics.push(
                self.on_line(Severity::Error, self.line_of(close_start), "missing answer")
                    .with_help("write the answer below the closing `---`"),
            );
        }
        out.diagnostics
            .extend(self.answer_too_large(split.body_start, answer_markdown));
        let kind = fm.kind.unwrap_or(if self.in_fixes() {
            Kind::Fix
        } else {
            Kind::Faq
        });
        if kind == Kind::Faq && !fm.symptoms.is_empty() {
            let line = key_line("symptoms").unwrap_or(1);
            out.diagnostics.push(
                self.on_line(
                    Severity::Error,
                    line,
                    "symptoms on an entry that is not a fix",
                )
                .with_help("move the file under faq/fixes/ or add `kind: fix`"),
            );
        }
        if kind == Kind::Fix && fm.symptoms.is_empty() {
            let line = key_line("title").unwrap_or(1);
            out.diagnostics.push(
                self.on_line(Severity::Warning, line, "documented fix without symptoms")
                    .with_help("add `symptoms:` (error codes, message fragments) so the fix is found by them"),
            );
        }
        let symptoms_at = key_line("symptoms").map(|l| line_start(self.source, l));
        for symptom in &fm.symptoms {
            if let Err(problem) = check_symptom(symptom) {
                let offset = symptoms_at
                    .and_then(|from| self.source[from..].find(symptom.as_str()).map(|i| from + i))
                    .unwrap_or(split.yaml_start);
                out.diagnostics.push(
                    self.error_at(offset, symptom.len(), problem.message(symptom))
                        .with_help(problem.help()),
                );
            }
        }
        let needs = self.needs(&fm.needs, kind, key_line("needs").unwrap_or(1), &mut out);
        if let Some(id) = &fm.id
            && id.trim().is_empty()
        {
            let line = key_line("id").unwrap_or(1);
            out.diagnostics.push(
                self.on_line(Severity::Error, line, "empty id")
                    .with_help("remove `id:` to use the file's path"),
            );
        }
        if out.diagnostics.iter().any(Diagnostic::is_error) {
            return out;
        }
        out.entries.push(Entry {
            id: fm
                .id
                .map(|s| s.trim().to_string())
                .unwrap_or_else(|| self.path_id()),
            title: title.to_string(),
            questions: fm
                .questions
                .into_iter()
                .map(|q| q.trim().to_string())
                .filter(|q| !q.is_empty())
                .collect(),
            tags: fm.tags,
            lang: fm.lang.unwrap_or(default_lang),
            kind,
            symptoms: fm.symptoms,
            needs,
            answer_text: plain_text(answer_markdown),
            answer_markdown: answer_markdown.to_string(),
            origin: self.origin(key_line("title").unwrap_or(1)),
        });
        out
    }

    /// 1-based file line of a top-level `key:` in the front matter.
    fn key_line(&self, yaml: &str, yaml_start: usize, key: &str) -> Option<usize> {
        let mut offset = 0;
        for line in yaml.split_inclusive('\n') {
            if line
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
            {
                return Some(self.line_of(yaml_start + offset));
            }
            offset += line.len();
        }
        None
    }

    fn parse_list_file(&self, default_lang: Lang) -> ParsedFile {
        let mut out = ParsedFile::default();
        let (sections, preamble) = h2_sections(self.source);
        if sections.is_empty() {
            out.diagnostics.push(
                self.on_line(Severity::Error, 1, "no entries in this file")
                    .with_help("start with YAML front matter (`---`) for one entry, or write `## question` headings with answers below"),
            );
            return out;
        }
        if let Some((start, len)) = preamble {
            out.diagnostics.push(
                Diagnostic::at(
                    Severity::Warning,
                    self.shown,
                    self.source,
                    start,
                    len,
                    "text before the first `## ` question is ignored",
                )
                .with_help("move it below a `## ` heading or into faq/README.md"),
            );
        }
        if sections.len() > MAX_ENTRIES_PER_FILE {
            let line = self.line_of(sections[MAX_ENTRIES_PER_FILE].heading_start);
            out.diagnostics.push(
                self.on_line(
                    Severity::Error,
                    line,
                    format!(
                        "file has {} `## ` entries; the limit is {MAX_ENTRIES_PER_FILE} per file (MAX_ENTRIES_PER_FILE)",
                        sections.len()
                    ),
                )
                .with_help("split the list into several files"),
            );
            return out;
        }
        let base = self.path_id();
        for section in sections {
            let line = self.line_of(section.heading_start);
            if section.heading.is_empty() {
                out.diagnostics.push(self.on_line(
                    Severity::Error,
                    line,
                    "empty `## ` heading: missing title",
                ));
                continue;
            }
            if section.body.is_empty() {
                out.diagnostics.push(
                    self.on_line(Severity::Error, line, "missing answer")
                        .with_help("write the answer below the `## ` question"),
                );
                continue;
            }
            if let Some(d) = self.answer_too_large(section.heading_start, &section.body) {
                out.diagnostics.push(d);
                continue;
            }
            out.entries.push(Entry {
                id: format!("{base}#{}", slug(&section.heading)),
                title: section.heading,
                questions: Vec::new(),
                tags: Vec::new(),
                lang: default_lang,
                kind: if self.in_fixes() {
                    Kind::Fix
                } else {
                    Kind::Faq
                },
                symptoms: Vec::new(),
                needs: Vec::new(),
                answer_text: plain_text(&section.body),
                answer_markdown: section.body,
                origin: self.origin(line),
            });
        }
        out
    }
}

/// Byte offset of the first YAML alias (`*name`) in `yaml`: a `*` where a
/// node starts, outside quotes, comments and block scalars. Expanding
/// aliases is how a small YAML document becomes gigabytes, and front matter
/// has no use for them.
pub(super) fn find_alias(yaml: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    // Indentation of the line that opened a block scalar (`|`, `>`).
    let mut block: Option<usize> = None;
    let mut flow_depth = 0usize;
    let mut offset = 0;
    for line in yaml.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let indent = line.len() - line.trim_start_matches(' ').len();
        if let Some(parent) = block {
            if line.trim().is_empty() || indent > parent {
                continue;
            }
            block = None;
        }
        let mut node_start = quote.is_none();
        let mut last_plain = String::new();
        let mut word_ended = false;
        let mut chars = line.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if let Some(q) = quote {
                match c {
                    '\\' if q == '"' => {
                        chars.next();
                    }
                    '\'' if q == '\'' && chars.peek().is_some_and(|&(_, n)| n == '\'') => {
                        chars.next();
                    }
                    _ if c == q => quote = None,
                    _ => {}
                }
                continue;
            }
            let next_is_space = chars.peek().is_none_or(|&(_, n)| n.is_whitespace());
            match c {
                '*' if node_start => return Some(start + i),
                '"' | '\'' if node_start => {
                    quote = Some(c);
                    node_start = false;
                }
                '#' if i == 0 || line[..i].ends_with([' ', '\t']) => break,
                ' ' | '\t' | '\r' | '\n' => {}
                '-' | '?' if node_start && next_is_space => {}
                ':' if next_is_space || flow_depth > 0 => node_start = true,
                '[' | '{' if node_start => {
                    flow_depth += 1;
                }
                ',' if flow_depth > 0 => node_start = true,
                ']' | '}' if flow_depth > 0 => {
                    flow_depth -= 1;
                    node_start = false;
                }
                _ => node_start = false,
            }
            // The last word of the line, to see whether it opens a block scalar.
            if c.is_whitespace() {
                word_ended = true;
            } else {
                if word_ended {
                    last_plain.clear();
                    word_ended = false;
                }
                last_plain.push(c);
            }
        }
        let opens_block = last_plain.starts_with(['|', '>'])
            && last_plain[1..]
                .chars()
                .all(|c| matches!(c, '-' | '+' | '0'..='9'));
        if quote.is_none() && opens_block {
            block = Some(indent);
        }
    }
    None
}

/// serde_yaml_ng appends " at line X column Y"; we report the location ourselves.
pub(super) fn strip_location(e: &serde_yaml_ng::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}
