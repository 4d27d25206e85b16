//! Reading the YAML front matter of a file that is all front matter and a
//! body: notices and contracts. FAQ files have their own reader in `parse`
//! (several entries per file); these share the checks every front matter
//! gets: it is there and closed, has no aliases, and is valid for its type
//! (unknown keys are errors), each failure located in the file.

use std::path::Path;
use std::sync::Arc;

use serde::de::DeserializeOwned;

use super::diagnostic::{Diagnostic, Severity, line_col};
use super::parse::{FrontMatterSplit, find_alias, split_front_matter, strip_location};

/// A file's front matter, read into `T`.
pub(super) struct Matter<'a, T> {
    /// What the YAML says.
    pub(super) value: T,
    /// Where its parts are in the file.
    pub(super) split: FrontMatterSplit<'a>,
    /// The 1-based line of the closing `---`.
    pub(super) close_line: usize,
}

/// One file being read, for locating findings in it.
pub(super) struct MatterFile<'a> {
    /// The path shown to users.
    pub(super) shown: &'a Path,
    /// The file's text.
    pub(super) source: Arc<str>,
}

impl MatterFile<'_> {
    /// A finding on line `line`.
    pub(super) fn on_line(
        &self,
        severity: Severity,
        line: usize,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::on_line(severity, self.shown, &self.source, line, message)
    }

    /// An error at a byte range.
    pub(super) fn error_at(
        &self,
        offset: usize,
        len: usize,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::at(
            Severity::Error,
            self.shown,
            &self.source,
            offset,
            len,
            message,
        )
    }

    /// Reads the front matter into `T`; `keys` names what it takes, for the
    /// help of a finding. `None` after pushing the finding to `out`.
    pub(super) fn matter<'s, T: DeserializeOwned>(
        &self,
        source: &'s str,
        what: &str,
        keys: &str,
        out: &mut Vec<Diagnostic>,
    ) -> Option<Matter<'s, T>> {
        let Some(split) = split_front_matter(source) else {
            out.push(
                self.on_line(
                    Severity::Error,
                    1,
                    format!("{what} needs YAML front matter"),
                )
                .with_help(format!(
                    "start the file with `---`, then {keys}, then `---`"
                )),
            );
            return None;
        };
        let Some(close_start) = split.close_start else {
            out.push(
                self.on_line(Severity::Error, 1, "front matter is never closed")
                    .with_help("end the YAML block with a line that is exactly `---`"),
            );
            return None;
        };
        if let Some(at) = find_alias(split.yaml) {
            out.push(self.error_at(
                split.yaml_start + at,
                1,
                "YAML aliases (`*name`) are not allowed in front matter",
            ));
            return None;
        }
        match serde_yaml_ng::from_str(split.yaml) {
            Ok(value) => Some(Matter {
                value,
                close_line: line_col(source, close_start).0,
                split,
            }),
            Err(e) => {
                let offset = e
                    .location()
                    .map_or(split.yaml_start, |l| split.yaml_start + l.index());
                out.push(
                    self.error_at(
                        offset,
                        1,
                        format!("invalid YAML in front matter: {}", strip_location(&e)),
                    )
                    .with_help(format!("{what} takes {keys}")),
                );
                None
            }
        }
    }

    /// The 1-based line of the top-level `key:` in the front matter, or 1.
    pub(super) fn key_line(&self, split: &FrontMatterSplit<'_>, key: &str) -> usize {
        let mut offset = split.yaml_start;
        for line in split.yaml.split_inclusive('\n') {
            if line
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
            {
                return line_col(&self.source, offset).0;
            }
            offset += line.len();
        }
        1
    }

    /// The 1-based line where `needle` first appears at or after line
    /// `from`, or `from`: locates one item of a list.
    pub(super) fn line_of(&self, from: usize, needle: &str) -> usize {
        let start = super::diagnostic::line_start(&self.source, from);
        self.source[start..]
            .find(needle)
            .map_or(from, |i| line_col(&self.source, start + i).0)
    }
}
