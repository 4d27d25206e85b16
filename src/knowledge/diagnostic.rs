//! Located findings about FAQ files: errors that stop a knowledge version from
//! being used and warnings that do not. Rendering them like a compiler does
//! (path, line, the offending line and a caret) is left to miette, except
//! around very long lines: miette cannot render past column 65,535, and a
//! 70,000-character line is no help to read anyway, so those get an excerpt
//! of the line around the column, cut with an ellipsis.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource};
use serde::Serialize;

/// Lines longer than this (in characters) near a finding are shown as an
/// excerpt of this many characters around the column.
const MAX_SHOWN_CHARS: usize = 160;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The knowledge cannot be used while this stands.
    Error,
    /// Worth fixing, but the knowledge is usable.
    Warning,
}

/// One finding about one place in one file.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The file, as the user named it (FAQ directory joined with the relative path).
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    /// Byte range in the file that the finding points at.
    #[serde(skip)]
    pub span: (usize, usize),
    /// The file's text, to show the offending line.
    #[serde(skip)]
    pub source: Arc<str>,
}

impl Diagnostic {
    /// A finding at byte `offset` (of length `len`) in `source`.
    pub fn at(
        severity: Severity,
        path: &Path,
        source: &Arc<str>,
        offset: usize,
        len: usize,
        message: impl Into<String>,
    ) -> Self {
        let end = ceil_char_boundary(source, offset.saturating_add(len));
        let offset = floor_char_boundary(source, offset);
        let (line, column) = line_col(source, offset);
        Diagnostic {
            severity,
            path: path.to_path_buf(),
            line,
            column,
            message: message.into(),
            help: None,
            span: (offset, end - offset),
            source: Arc::clone(source),
        }
    }

    /// A finding on the whole of 1-based `line`.
    pub fn on_line(
        severity: Severity,
        path: &Path,
        source: &Arc<str>,
        line: usize,
        message: impl Into<String>,
    ) -> Self {
        let start = line_start(source, line);
        let len = source[start..].find('\n').unwrap_or(source.len() - start);
        Self::at(severity, path, source, start, len, message)
    }

    /// Adds advice on how to fix it.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Whether this finding stops the knowledge from loading.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders the finding as a compiler would: a headline, `path:line:col`,
    /// the offending line with a caret, and help.
    pub fn render(&self, color: bool) -> String {
        let mut out = format!(
            "{}: {}:{}:{}: {}\n",
            self.severity,
            self.path.display(),
            self.line,
            self.column,
            self.message
        );
        if self.near_a_long_line() {
            self.render_excerpt(&mut out);
        } else {
            self.render_with_miette(&mut out, color);
        }
        out
    }

    /// Whether a line miette would show (the finding's lines and one line of
    /// context either side) is over [`MAX_SHOWN_CHARS`].
    fn near_a_long_line(&self) -> bool {
        let first = line_start(&self.source, self.line.saturating_sub(1));
        let last_line = self.line
            + self.source[self.span.0..self.span.0 + self.span.1]
                .matches('\n')
                .count()
            + 1;
        let end = line_start(&self.source, last_line + 1);
        self.source[first..end]
            .lines()
            .any(|l| l.len() > MAX_SHOWN_CHARS && l.chars().count() > MAX_SHOWN_CHARS)
    }

    /// The finding's line cut to [`MAX_SHOWN_CHARS`] around its column, with
    /// a caret under the column, and the help.
    fn render_excerpt(&self, out: &mut String) {
        let start = line_start(&self.source, self.line);
        let line = self.source[start..].lines().next().unwrap_or("");
        let chars = line.chars().count();
        let column = self.column.saturating_sub(1).min(chars);
        let from = column.saturating_sub(MAX_SHOWN_CHARS / 2);
        let to = (from + MAX_SHOWN_CHARS).min(chars);
        let mut shown = String::new();
        let mut caret = column - from;
        if from > 0 {
            shown.push('…');
            caret += 1;
        }
        shown.extend(line.chars().skip(from).take(to - from));
        if to < chars {
            shown.push('…');
        }
        let number = self.line.to_string();
        let gutter = " ".repeat(number.len());
        out.push_str(&format!(
            "{gutter} ╭─[{}:{}:{}] (line of {chars} characters, shown around column {})\n",
            self.path.display(),
            self.line,
            self.column,
            self.column
        ));
        out.push_str(&format!("{number} │ {shown}\n"));
        out.push_str(&format!("{gutter} · {}▲ here\n", " ".repeat(caret)));
        out.push_str(&format!("{gutter} ╰────\n"));
        if let Some(help) = &self.help {
            out.push_str(&format!("  help: {help}\n"));
        }
    }

    fn render_with_miette(&self, out: &mut String, color: bool) {
        let severity = match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        };
        let mut diag = MietteDiagnostic::new(self.message.clone())
            .with_severity(severity)
            .with_label(LabeledSpan::at(
                self.span.0..self.span.0 + self.span.1,
                "here",
            ));
        if let Some(help) = &self.help {
            diag = diag.with_help(help.clone());
        }
        let report = miette::Report::new(diag).with_source_code(NamedSource::new(
            self.path.display().to_string(),
            self.source.to_string(),
        ));
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme).with_context_lines(1);
        // Writing into a String cannot fail.
        let _ = handler.render_report(out, report.as_ref());
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.path.display(),
            self.line,
            self.column,
            self.severity,
            self.message
        )
    }
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Byte offset where 1-based `line` starts (the end of the text past the last line).
pub fn line_start(text: &str, line: usize) -> usize {
    if line <= 1 {
        return 0;
    }
    text.match_indices('\n')
        .nth(line - 2)
        .map_or(text.len(), |(i, _)| i + 1)
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn ceil_char_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset += 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        let text = "ab\ncd\nef";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 4), (2, 2));
        assert_eq!(line_start(text, 3), 6);
    }

    #[test]
    fn render_shows_path_line_and_the_offending_line() {
        let src: Arc<str> = Arc::from("---\ntitle: x\nsymptoms: ['(']\n---\nbody\n");
        let d = Diagnostic::on_line(
            Severity::Error,
            Path::new("faq/fixes/x.md"),
            &src,
            3,
            "invalid symptom",
        );
        let out = d.render(false);
        assert!(
            out.starts_with("error: faq/fixes/x.md:3:1: invalid symptom"),
            "{out}"
        );
        assert!(out.contains("symptoms: ['(']"), "{out}");
    }

    #[test]
    fn a_finding_past_column_65535_renders_an_excerpt_of_its_line() {
        let long = "a".repeat(70_000);
        let src: Arc<str> = Arc::from(format!("---\ntitle: {long}: b\n---\nbody\n"));
        let offset = src.find(": b").unwrap();
        let d = Diagnostic::at(
            Severity::Error,
            Path::new("faq/x.md"),
            &src,
            offset,
            1,
            "invalid YAML in front matter",
        )
        .with_help("fix it");
        let out = d.render(false);
        assert!(
            out.starts_with("error: faq/x.md:2:70008: invalid YAML in front matter"),
            "{out}"
        );
        assert!(out.contains("…aaaa"), "{out}");
        assert!(out.contains("aaa: b"), "{out}");
        assert!(out.contains("help: fix it"), "{out}");
        assert!(out.len() < 2_000, "{out}");
    }

    #[test]
    fn a_span_inside_a_character_is_widened_to_whole_characters() {
        let src: Arc<str> = Arc::from("título: ä\n");
        let d = Diagnostic::at(Severity::Error, Path::new("x.md"), &src, 2, 2, "m");
        assert_eq!(d.span, (1, 3));
        assert!(d.render(false).contains("título"));
    }
}
