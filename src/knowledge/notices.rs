//! Notice files: markdown under `notices/` in the knowledge directory, one
//! notice per file. Front matter says when it holds, what it affects and how
//! to recognise a customer asking about it; the body is its text, in the
//! file's language or, under `## en` and `## de` headings, in both:
//!
//! ```markdown
//! ---
//! id: mail-outage            # optional; default: the path without .md
//! kind: outage               # or maintenance (default: outage)
//! start: 2026-03-02T08:00:00Z
//! end: 2026-03-02 18:00      # RFC 3339, or `YYYY-MM-DD[ HH:MM]` in UTC
//! services: [mail]
//! symptoms:                  # regular expressions, as for fixes
//!   - 'mail.*(down|geht nicht)'
//! ---
//! ## en
//! The mail server is down; we are on it.
//! ## de
//! Der Mailserver ist gestört; wir arbeiten daran.
//! ```
//!
//! Every problem (unknown keys, bad or reversed dates, bad symptoms, windows
//! of one service that overlap) is a located [`Diagnostic`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use serde::Deserialize;

use super::diagnostic::{Diagnostic, Severity, line_col, line_start};
use super::entry::Lang;
use super::markdown::h2_sections;
use super::matter::{Matter, MatterFile};
use super::notice::{Notice, NoticeKind, NoticeOrigin};
use super::symptoms::check_symptom;

/// The folder of the knowledge directory notices are read from.
pub const NOTICES_DIR: &str = "notices";

/// What a maintainer may write in a notice's front matter. Unknown keys are
/// errors, as in FAQ files.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoticeMatter {
    id: Option<String>,
    kind: Option<NoticeKind>,
    start: Option<String>,
    end: Option<String>,
    #[serde(default)]
    services: Vec<String>,
    #[serde(default)]
    symptoms: Vec<String>,
    lang: Option<Lang>,
}

/// The notice of one file (when it has no errors) and what is wrong with it.
#[derive(Debug, Default)]
pub struct ParsedNotice {
    /// The notice; `None` when the file has errors.
    pub notice: Option<Notice>,
    /// Errors and warnings, located in the file.
    pub diagnostics: Vec<Diagnostic>,
}

/// Whether `rel` (relative to the knowledge directory) is a notice file.
pub fn is_notice_file(rel: &Path) -> bool {
    rel.components()
        .next()
        .is_some_and(|c| c.as_os_str() == NOTICES_DIR)
}

/// A point in time as maintainers write it: RFC 3339, or `YYYY-MM-DD HH:MM`
/// (also with `T`, seconds optional) or `YYYY-MM-DD`, both in UTC.
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

/// A length of time as staff and maintainers type it: `90m`, `4h`, `2d` (a bare number is hours).
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (number, unit) = text
        .find(|c: char| !c.is_ascii_digit())
        .map_or((text, "h"), |i| text.split_at(i));
    let n: i64 = number.parse().ok().filter(|n| *n > 0 && *n < 100_000)?;
    match unit.trim() {
        "m" | "min" => Some(Duration::minutes(n)),
        "h" => Some(Duration::hours(n)),
        "d" => Some(Duration::days(n)),
        _ => None,
    }
}

/// Parses the notice file at `rel`, shown to users as `shown`.
pub fn parse_notice(rel: &Path, shown: &Path, text: &str, default_lang: Lang) -> ParsedNotice {
    let file = NoticeFile {
        shown,
        source: Arc::from(text),
    };
    let mut out = ParsedNotice::default();
    match file.read(rel, default_lang, &mut out.diagnostics) {
        Some(notice) if !out.diagnostics.iter().any(Diagnostic::is_error) => {
            out.notice = Some(notice);
        }
        _ => {}
    }
    out
}

/// One notice file being read.
type NoticeFile<'a> = MatterFile<'a>;

impl NoticeFile<'_> {
    fn read(&self, rel: &Path, default_lang: Lang, out: &mut Vec<Diagnostic>) -> Option<Notice> {
        let source = Arc::clone(&self.source);
        let Matter {
            value: matter,
            split,
            close_line: body_line,
        } = self.matter::<NoticeMatter>(
            &source,
            "a notice",
            "id, kind, start, end, services, symptoms and lang",
            out,
        )?;
        let key_line = |key| self.key_line(&split, key);
        let start = self.time(&matter.start, "start", key_line("start"), out);
        let end = self.time(&matter.end, "end", key_line("end"), out);
        if let (Some(start), Some(end)) = (start, end)
            && end <= start
        {
            out.push(
                self.on_line(
                    Severity::Error,
                    key_line("end"),
                    "the notice ends before it starts",
                )
                .with_help(format!("`end` must be later than `start` ({start})")),
            );
        }
        if matter.services.iter().all(|s| s.trim().is_empty()) {
            out.push(
                self.on_line(Severity::Error, 1, "a notice names the services it affects")
                    .with_help("add `services: [mail]` (the names customers and staff use)"),
            );
        }
        self.check_symptoms(&matter.symptoms, key_line("symptoms"), out);
        let lang = matter.lang.unwrap_or(default_lang);
        let (text_en, text_de) = self.texts(split.body_start, lang, body_line, out)?;
        let id = match matter.id.as_deref().map(str::trim) {
            Some("") => {
                out.push(
                    self.on_line(Severity::Error, key_line("id"), "empty id")
                        .with_help("remove `id:` to use the file's path"),
                );
                return None;
            }
            Some(id) => id.to_string(),
            None => path_id(rel),
        };
        Some(Notice {
            id,
            kind: matter.kind.unwrap_or(NoticeKind::Outage),
            start: start?,
            end: end?,
            services: matter
                .services
                .iter()
                .map(|s| s.trim().to_lowercase())
                .filter(|s| !s.is_empty())
                .collect(),
            symptoms: matter.symptoms,
            text_en,
            text_de,
            origin: NoticeOrigin::File {
                path: rel.to_path_buf(),
                line: key_line("start"),
            },
        })
    }

    /// The time written for `key`, or the finding why it cannot be used.
    fn time(
        &self,
        written: &Option<String>,
        key: &str,
        line: usize,
        out: &mut Vec<Diagnostic>,
    ) -> Option<DateTime<Utc>> {
        let Some(written) = written else {
            out.push(
                self.on_line(Severity::Error, 1, format!("missing `{key}`"))
                    .with_help(format!(
                        "add `{key}: 2026-03-02T08:00:00Z` (RFC 3339, or `YYYY-MM-DD HH:MM` in UTC)"
                    )),
            );
            return None;
        };
        let parsed = parse_time(written);
        if parsed.is_none() {
            out.push(
                self.on_line(Severity::Error, line, format!("`{key}` is not a date and time: `{}`", written.trim()))
                    .with_help("write RFC 3339 (`2026-03-02T08:00:00Z`, `2026-03-02T09:00:00+01:00`) or `YYYY-MM-DD HH:MM` in UTC"),
            );
        }
        parsed
    }

    fn check_symptoms(&self, symptoms: &[String], line: usize, out: &mut Vec<Diagnostic>) {
        let from = line_start(&self.source, line);
        for symptom in symptoms {
            if let Err(problem) = check_symptom(symptom) {
                let offset = self.source[from..]
                    .find(symptom.as_str())
                    .map_or(from, |i| from + i);
                out.push(
                    self.error_at(offset, symptom.len(), problem.message(symptom))
                        .with_help(problem.help()),
                );
            }
        }
    }

    /// The English and German texts of the body starting at `body_start`:
    /// `## en` / `## de` sections, or the whole body in `lang`.
    fn texts(
        &self,
        body_start: usize,
        lang: Lang,
        body_line: usize,
        out: &mut Vec<Diagnostic>,
    ) -> Option<(Option<String>, Option<String>)> {
        let body = &self.source[body_start..];
        let (sections, _) = h2_sections(body);
        // A first heading that reads like a language code ("## fr") means
        // sections by language too, so that one the bot does not speak is
        // an error, not text shown with its heading.
        let names_a_lang = |h: &str| {
            h.parse::<Lang>().is_ok() || (h.len() == 2 && h.chars().all(|c| c.is_ascii_lowercase()))
        };
        let by_lang = !sections.is_empty()
            && names_a_lang(sections[0].heading.trim())
            && body.trim_start().starts_with("## ");
        let mut texts: HashMap<Lang, String> = HashMap::new();
        if by_lang {
            for section in &sections {
                match section.heading.parse::<Lang>() {
                    Ok(l) if !section.body.is_empty() => {
                        texts.insert(l, section.body.clone());
                    }
                    Ok(_) => {}
                    Err(e) => {
                        let line = line_col(&self.source, body_start + section.heading_start).0;
                        out.push(self.on_line(Severity::Error, line, e).with_help(
                            "a notice's `## ` headings name its languages: `## en`, `## de`",
                        ));
                    }
                }
            }
        } else if !body.trim().is_empty() {
            texts.insert(lang, body.trim().to_string());
        }
        if texts.is_empty() {
            out.push(
                self.on_line(Severity::Error, body_line, "missing text")
                    .with_help("write what customers are told below the closing `---` (`## en` and `## de` for both languages)"),
            );
            return None;
        }
        Some((texts.remove(&Lang::En), texts.remove(&Lang::De)))
    }
}

/// The default id: the path relative to `notices/`, without `.md`.
fn path_id(rel: &Path) -> String {
    let rel = rel.strip_prefix(NOTICES_DIR).unwrap_or(rel);
    rel.with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Every notice: `published` (by staff, kept in the database) first, then
/// those of `files` whose id was not published (a published notice
/// replaces the file's, which is how staff end one at once).
pub fn merge_notices(mut published: Vec<Notice>, files: &[Notice]) -> Vec<Notice> {
    let ids: std::collections::HashSet<String> = published.iter().map(|n| n.id.clone()).collect();
    published.extend(files.iter().filter(|n| !ids.contains(&n.id)).cloned());
    published
}

/// Findings across notice files: two with one id, and windows of one
/// service that overlap (customers would be told two stories at once).
pub fn cross_check_notices(
    notices: &[Notice],
    sources: &HashMap<PathBuf, Arc<str>>,
    shown: &dyn Fn(&Path) -> PathBuf,
) -> Vec<Diagnostic> {
    let located = |n: &Notice| match &n.origin {
        NoticeOrigin::File { path, line } => Some((path.clone(), *line)),
        NoticeOrigin::Staff { .. } => None,
    };
    let mut out = Vec::new();
    for (i, later) in notices.iter().enumerate() {
        let Some((path, line)) = located(later) else {
            continue;
        };
        let Some(source) = sources.get(&path) else {
            continue;
        };
        let file = MatterFile {
            shown: &shown(&path),
            source: Arc::clone(source),
        };
        for earlier in &notices[..i] {
            let Some((other_path, other_line)) = located(earlier) else {
                continue;
            };
            let elsewhere = format!("{}:{other_line}", shown(&other_path).display());
            if earlier.id == later.id {
                out.push(
                    file.on_line(
                        Severity::Error,
                        line,
                        format!("duplicate notice id `{}`", later.id),
                    )
                    .with_help(format!(
                        "already used by {elsewhere}; give one of them another `id:`"
                    )),
                );
                continue;
            }
            let shared: Vec<&String> = later
                .services
                .iter()
                .filter(|s| earlier.services.contains(s))
                .collect();
            if let (Some(service), true) = (shared.first(), later.overlaps(earlier)) {
                out.push(
                    file.on_line(
                        Severity::Error,
                        line,
                        format!("the window of `{}` overlaps `{}` for service `{service}`", later.id, earlier.id),
                    )
                    .with_help(format!("`{}` ({elsewhere}) runs from {} to {}; move one window or merge the notices", earlier.id, earlier.start, earlier.end)),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn parse(text: &str) -> ParsedNotice {
        let rel = Path::new("notices/mail.md");
        parse_notice(rel, rel, text, Lang::En)
    }

    #[test]
    fn times_are_rfc_3339_or_plain_utc() {
        let eight = Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap();
        assert_eq!(parse_time("2026-03-02T08:00:00Z"), Some(eight));
        assert_eq!(parse_time("2026-03-02T09:00:00+01:00"), Some(eight));
        assert_eq!(parse_time("2026-03-02 08:00"), Some(eight));
        assert_eq!(
            parse_time("2026-03-02"),
            Some(Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap())
        );
        assert_eq!(parse_time("next monday"), None);
        assert_eq!(parse_time("2026-02-30"), None);
    }

    #[test]
    fn a_notice_with_both_languages_parses() {
        let parsed = parse(
            "---\nstart: 2026-03-02 08:00\nend: 2026-03-02 18:00\nservices: [Mail]\nsymptoms: ['mail.*down']\n---\n## en\nMail is down.\n\n## de\nMail ist gestört.\n",
        );
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let notice = parsed.notice.expect("a notice");
        assert_eq!(notice.id, "mail");
        assert_eq!(notice.kind, NoticeKind::Outage);
        assert_eq!(notice.services, ["mail"]);
        assert_eq!(notice.text_en.as_deref(), Some("Mail is down."));
        assert_eq!(notice.text_de.as_deref(), Some("Mail ist gestört."));
        assert_eq!(
            notice.origin,
            NoticeOrigin::File {
                path: "notices/mail.md".into(),
                line: 2
            }
        );
    }

    #[test]
    fn sections_in_languages_the_bot_does_not_speak_are_errors() {
        let parsed = parse_notice(
            Path::new("notices/x.md"),
            Path::new("notices/x.md"),
            "---\nstart: 2026-03-02\nend: 2026-03-03\nservices: [printer]\nsymptoms: ['drucker.*kaputt']\n---\n## fr\nL'imprimante est en panne.\n\n## es\nLa impresora no funciona.\n",
            Lang::En,
        );
        let lines: Vec<usize> = parsed.diagnostics.iter().map(|d| d.line).collect();
        assert!(
            lines.contains(&7) && lines.contains(&10),
            "{:?}",
            parsed.diagnostics
        );
        assert!(parsed.notice.is_none());
    }

    #[test]
    fn a_body_without_language_headings_is_in_the_files_language() {
        let parsed = parse(
            "---\nlang: de\nstart: 2026-03-02\nend: 2026-03-03\nservices: [vpn]\nsymptoms: ['vpn.*geht nicht']\n---\nDas VPN wird gewartet.\n",
        );
        let notice = parsed.notice.expect("a notice");
        assert_eq!(notice.text_de.as_deref(), Some("Das VPN wird gewartet."));
        assert_eq!(notice.text_en, None);
    }

    #[test]
    fn bad_dates_and_unknown_keys_are_located() {
        let reversed = parse(
            "---\nstart: 2026-03-02 18:00\nend: 2026-03-02 08:00\nservices: [mail]\nsymptoms: ['mail.*down']\n---\nx\n",
        );
        let d = &reversed.diagnostics[0];
        assert_eq!(
            (d.line, d.message.as_str()),
            (3, "the notice ends before it starts")
        );
        let unparsable = parse(
            "---\nstart: soon\nend: 2026-03-02 08:00\nservices: [mail]\nsymptoms: ['mail.*down']\n---\nx\n",
        );
        let d = &unparsable.diagnostics[0];
        assert_eq!(d.line, 2);
        assert!(d.message.contains("not a date"), "{}", d.message);
        let unknown = parse("---\nstart: 2026-03-02\nend: 2026-03-03\nservice: [mail]\n---\nx\n");
        let d = &unknown.diagnostics[0];
        assert_eq!(d.line, 4);
        assert!(
            d.message.contains("unknown field `service`"),
            "{}",
            d.message
        );
        assert!(unknown.notice.is_none());
    }
}
