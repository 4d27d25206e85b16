//! Contract files: markdown under `contracts/` in the knowledge directory,
//! one customer's maintenance contract per file, all in the front matter
//! (the body is free notes for maintainers; the bot shows it to nobody):
//!
//! ```markdown
//! ---
//! id: berger                    # optional; default: the path without .md
//! customer: Kanzlei Berger & Partner
//! level: vollwartung            # none, instandhaltung, instandsetzung, vollwartung
//! includes: [remote, advice, replacement]
//! response: 2h                  # promised response time: 90m, 4h, 2d
//! resolution: 1d                # promised resolution time
//! valid_from: 2026-01-01
//! valid_to: 2027-12-31          # optional: until cancelled
//! discord_users: ["123456789012345678"]
//! discord_roles: ["234567890123456789"]
//! names: [berger]               # at the terminal: frontline chat --as berger
//! ---
//! ```
//!
//! Every problem (unknown keys, levels or services, bad dates or durations,
//! ids that are not Discord ids, one person in two contracts at once) is a
//! located [`Diagnostic`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{Duration, NaiveDate};
use serde::Deserialize;

use super::contract::{Contract, ContractLevel, Member, Service};
use super::diagnostic::{Diagnostic, Severity};
use super::matter::{Matter, MatterFile};
use super::notices::parse_duration;

/// The folder of the knowledge directory contracts are read from.
pub const CONTRACTS_DIR: &str = "contracts";

/// A YAML scalar read as text: ids are often written unquoted.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Scalar {
    Number(u64),
    Text(String),
}

impl Scalar {
    fn text(&self) -> String {
        match self {
            Scalar::Number(n) => n.to_string(),
            Scalar::Text(t) => t.trim().to_string(),
        }
    }
}

/// What a maintainer may write in a contract's front matter. Unknown keys
/// are errors, as in FAQ files.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContractMatter {
    id: Option<String>,
    customer: Option<String>,
    level: Option<String>,
    #[serde(default)]
    includes: Vec<String>,
    response: Option<Scalar>,
    resolution: Option<Scalar>,
    valid_from: Option<Scalar>,
    valid_to: Option<Scalar>,
    #[serde(default)]
    discord_users: Vec<Scalar>,
    #[serde(default)]
    discord_roles: Vec<Scalar>,
    #[serde(default)]
    names: Vec<Scalar>,
}

const KEYS: &str = "id, customer, level, includes, response, resolution, valid_from, valid_to, discord_users, discord_roles and names";

/// The contract of one file (when it has no errors) and what is wrong with it.
#[derive(Debug, Default)]
pub struct ParsedContract {
    /// The contract; `None` when the file has errors.
    pub contract: Option<Contract>,
    /// Errors and warnings, located in the file.
    pub diagnostics: Vec<Diagnostic>,
}

/// Whether `rel` (relative to the knowledge directory) is a contract file.
pub fn is_contract_file(rel: &Path) -> bool {
    rel.components()
        .next()
        .is_some_and(|c| c.as_os_str() == CONTRACTS_DIR)
}

/// Parses the contract file at `rel`, shown to users as `shown`.
pub fn parse_contract(rel: &Path, shown: &Path, text: &str) -> ParsedContract {
    let file = MatterFile {
        shown,
        source: Arc::from(text),
    };
    let mut out = ParsedContract::default();
    match read(&file, rel, &mut out.diagnostics) {
        Some(contract) if !out.diagnostics.iter().any(Diagnostic::is_error) => {
            out.contract = Some(contract);
        }
        _ => {}
    }
    out
}

fn read(file: &MatterFile<'_>, rel: &Path, out: &mut Vec<Diagnostic>) -> Option<Contract> {
    let source = Arc::clone(&file.source);
    let Matter {
        value: m, split, ..
    } = file.matter::<ContractMatter>(&source, "a contract", KEYS, out)?;
    let line = |key: &str| file.key_line(&split, key);
    let error = |line: usize, message: String, help: &str| {
        file.on_line(Severity::Error, line, message).with_help(help)
    };
    let customer = m.customer.as_deref().map(str::trim).unwrap_or_default();
    if customer.is_empty() {
        out.push(error(
            line("customer"),
            "a contract names its customer".into(),
            "add `customer: Kanzlei Berger & Partner` (shown to staff and to the customer)",
        ));
    }
    let levels = ContractLevel::ALL.map(ContractLevel::as_str).join(", ");
    let level = match m.level.as_deref().map(str::parse::<ContractLevel>) {
        Some(Ok(level)) => Some(level),
        Some(Err(e)) => {
            out.push(error(
                line("level"),
                e,
                &format!("a level is one of: {levels}"),
            ));
            None
        }
        None => {
            out.push(error(
                1,
                "missing `level`".into(),
                &format!("add `level:`, one of: {levels}"),
            ));
            None
        }
    };
    let services = Service::ALL.map(Service::as_str).join(", ");
    let mut includes = Vec::new();
    for written in &m.includes {
        match written.parse::<Service>() {
            Ok(s) if !includes.contains(&s) => includes.push(s),
            Ok(_) => {}
            Err(e) => out.push(error(
                file.line_of(line("includes"), written.trim()),
                e,
                &format!("a contract includes some of: {services}"),
            )),
        }
    }
    let response = duration(file, &m.response, "response", line("response"), out);
    let resolution = duration(file, &m.resolution, "resolution", line("resolution"), out);
    if let (Some(response), Some(resolution)) = (response, resolution)
        && resolution < response
    {
        out.push(
            file.on_line(
                Severity::Warning,
                line("resolution"),
                "the promised resolution time is shorter than the response time",
            )
            .with_help(
                "check `response` and `resolution`: a problem is answered before it is solved",
            ),
        );
    }
    let valid_from = date(file, &m.valid_from, "valid_from", line("valid_from"), out);
    let valid_to = m
        .valid_to
        .as_ref()
        .map(|_| date(file, &m.valid_to, "valid_to", line("valid_to"), out));
    if let (Some(from), Some(Some(to))) = (valid_from, valid_to)
        && to < from
    {
        out.push(error(
            line("valid_to"),
            "the contract ends before it starts".into(),
            &format!("`valid_to` must be on or after `valid_from` ({from})"),
        ));
    }
    let members = members(file, &m, &line, out);
    let id = match m.id.as_deref().map(str::trim) {
        Some("") => {
            out.push(error(
                line("id"),
                "empty id".into(),
                "remove `id:` to use the file's path",
            ));
            return None;
        }
        Some(id) => id.to_string(),
        None => path_id(rel),
    };
    Some(Contract {
        id,
        customer: customer.to_string(),
        level: level?,
        includes,
        response: response?,
        resolution: resolution?,
        valid_from: valid_from?,
        valid_to: valid_to.flatten(),
        members,
        path: rel.to_path_buf(),
        line: line("level"),
    })
}

/// Who the contract covers; every id that is not a Discord id, and an
/// empty list, are findings.
fn members(
    file: &MatterFile<'_>,
    m: &ContractMatter,
    line: &dyn Fn(&str) -> usize,
    out: &mut Vec<Diagnostic>,
) -> Vec<Member> {
    let mut members = Vec::new();
    let lists: [MemberList<'_>; 3] = [
        ("discord_users", &m.discord_users, Member::DiscordUser),
        ("discord_roles", &m.discord_roles, Member::DiscordRole),
        ("names", &m.names, Member::Name),
    ];
    for (key, written, member) in lists {
        for item in written {
            let text = item.text();
            let (ok, what, help) = if key == "names" {
                let one_word = !text.is_empty() && !text.contains(char::is_whitespace);
                (one_word, "a terminal name", NAME_HELP)
            } else {
                (is_snowflake(&text), "a Discord id", ID_HELP)
            };
            if ok {
                members.push(member(text));
            } else {
                let at = file.line_of(line(key), &text);
                let message = format!("`{text}` is not {what}");
                out.push(file.on_line(Severity::Error, at, message).with_help(help));
            }
        }
    }
    if members.is_empty() && out.iter().all(|d| !d.is_error()) {
        out.push(
            file.on_line(Severity::Error, 1, "a contract names who it covers")
                .with_help("add `discord_roles:`, `discord_users:` or `names:` (for the terminal)"),
        );
    }
    members
}

const NAME_HELP: &str = "a name is one word, as typed after `frontline chat --as`";
const ID_HELP: &str =
    "copy the id with Discord's developer mode (Copy User ID / Copy Role ID): 17 to 20 digits";

/// One list of members in the front matter: its key, what is written and
/// the member each item is.
type MemberList<'a> = (&'a str, &'a [Scalar], fn(String) -> Member);

/// Whether `id` looks like a Discord id (a snowflake).
fn is_snowflake(id: &str) -> bool {
    (17..=20).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit())
}

fn duration(
    file: &MatterFile<'_>,
    written: &Option<Scalar>,
    key: &str,
    line: usize,
    out: &mut Vec<Diagnostic>,
) -> Option<Duration> {
    let Some(written) = written else {
        out.push(
            file.on_line(Severity::Error, 1, format!("missing `{key}`"))
                .with_help(format!(
                    "add `{key}: 4h` (minutes `m`, hours `h` or days `d`)"
                )),
        );
        return None;
    };
    let text = written.text();
    let parsed = parse_duration(&text);
    if parsed.is_none() {
        out.push(
            file.on_line(
                Severity::Error,
                line,
                format!("`{key}` is not a duration: `{text}`"),
            )
            .with_help("write minutes, hours or days: `90m`, `4h`, `2d`"),
        );
    }
    parsed
}

fn date(
    file: &MatterFile<'_>,
    written: &Option<Scalar>,
    key: &str,
    line: usize,
    out: &mut Vec<Diagnostic>,
) -> Option<NaiveDate> {
    let Some(written) = written else {
        out.push(
            file.on_line(Severity::Error, 1, format!("missing `{key}`"))
                .with_help(format!("add `{key}: 2026-01-01`")),
        );
        return None;
    };
    let text = written.text();
    let parsed = NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok();
    if parsed.is_none() {
        out.push(
            file.on_line(
                Severity::Error,
                line,
                format!("`{key}` is not a date: `{text}`"),
            )
            .with_help("write the day as `YYYY-MM-DD`"),
        );
    }
    parsed
}

/// The default id: the path relative to `contracts/`, without `.md`.
fn path_id(rel: &Path) -> String {
    let rel = rel.strip_prefix(CONTRACTS_DIR).unwrap_or(rel);
    rel.with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Findings across contract files: two with one id, and one person or role
/// in two contracts valid at the same time (which one applies would be a
/// guess).
pub fn cross_check_contracts(
    contracts: &[Contract],
    sources: &HashMap<PathBuf, Arc<str>>,
    shown: &dyn Fn(&Path) -> PathBuf,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (i, later) in contracts.iter().enumerate() {
        let Some(source) = sources.get(&later.path) else {
            continue;
        };
        let file = MatterFile {
            shown: &shown(&later.path),
            source: Arc::clone(source),
        };
        for earlier in &contracts[..i] {
            let elsewhere = format!("{}:{}", shown(&earlier.path).display(), earlier.line);
            if earlier.id == later.id {
                out.push(
                    file.on_line(
                        Severity::Error,
                        later.line,
                        format!("duplicate contract id `{}`", later.id),
                    )
                    .with_help(format!(
                        "already used by {elsewhere}; give one of them another `id:`"
                    )),
                );
                continue;
            }
            if !later.overlaps(earlier) {
                continue;
            }
            for member in later.members.iter().filter(|m| earlier.members.contains(m)) {
                let id = match member {
                    Member::DiscordUser(x) | Member::DiscordRole(x) | Member::Name(x) => x,
                };
                out.push(
                    file.on_line(
                        Severity::Error,
                        file.line_of(1, id),
                        format!("{member} is covered by `{}` and `{}` at the same time", later.id, earlier.id),
                    )
                    .with_help(format!("`{}` ({elsewhere}) covers them too; end one contract before the other starts, or remove them from one", earlier.id)),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "---\ncustomer: Berger\nlevel: vollwartung\nincludes: [remote, advice]\nresponse: 2h\nresolution: 1d\nvalid_from: 2026-01-01\nvalid_to: 2027-12-31\ndiscord_roles: [234567890123456789]\nnames: [berger]\n---\nNotes.\n";

    fn parse(text: &str) -> ParsedContract {
        let rel = Path::new("contracts/berger.md");
        parse_contract(rel, rel, text)
    }

    fn first(text: &str) -> (usize, String) {
        let parsed = parse(text);
        assert!(parsed.contract.is_none(), "{text}");
        let d = &parsed.diagnostics[0];
        (d.line, d.message.clone())
    }

    #[test]
    fn a_contract_parses_with_its_terms_and_members() {
        let parsed = parse(GOOD);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let c = parsed.contract.expect("a contract");
        assert_eq!(c.id, "berger");
        assert_eq!(c.level, ContractLevel::Vollwartung);
        assert_eq!(c.includes, [Service::Remote, Service::Advice]);
        assert_eq!(c.response, Duration::hours(2));
        assert_eq!(c.resolution, Duration::days(1));
        assert_eq!(
            c.members,
            [
                Member::DiscordRole("234567890123456789".into()),
                Member::Name("berger".into())
            ]
        );
        assert_eq!(c.line, 3);
    }

    #[test]
    fn unknown_levels_services_and_ids_are_located() {
        let level = GOOD.replace("level: vollwartung", "level: gold");
        assert_eq!(first(&level), (3, "unknown contract level `gold`".into()));
        let service = GOOD.replace("includes: [remote, advice]", "includes: [remote, coffee]");
        assert_eq!(first(&service), (4, "unknown service `coffee`".into()));
        let id = GOOD.replace("[234567890123456789]", "[\"@support\"]");
        assert_eq!(first(&id), (9, "`@support` is not a Discord id".into()));
        let key = GOOD.replace("names:", "name:");
        let (line, message) = first(&key);
        assert_eq!(line, 10);
        assert!(message.contains("unknown field `name`"), "{message}");
    }

    #[test]
    fn bad_dates_and_durations_are_located() {
        let date = GOOD.replace("valid_from: 2026-01-01", "valid_from: 1.1.2026");
        assert_eq!(
            first(&date),
            (7, "`valid_from` is not a date: `1.1.2026`".into())
        );
        let reversed = GOOD.replace("valid_to: 2027-12-31", "valid_to: 2025-12-31");
        assert_eq!(
            first(&reversed),
            (8, "the contract ends before it starts".into())
        );
        let duration = GOOD.replace("response: 2h", "response: soon");
        assert_eq!(
            first(&duration),
            (5, "`response` is not a duration: `soon`".into())
        );
    }

    #[test]
    fn one_person_in_two_contracts_at_once_is_an_error_in_the_later_file() {
        let a = parse(GOOD).contract.unwrap();
        let text = GOOD.replace("customer: Berger", "id: other\ncustomer: Other");
        let mut b = parse(&text).contract.unwrap();
        b.path = "contracts/other.md".into();
        let sources = HashMap::from([
            (a.path.clone(), Arc::from(GOOD)),
            (b.path.clone(), Arc::from(text.as_str())),
        ]);
        let shown = |p: &Path| p.to_path_buf();
        let found = cross_check_contracts(&[a.clone(), b.clone()], &sources, &shown);
        let lines: Vec<(usize, &str)> =
            found.iter().map(|d| (d.line, d.message.as_str())).collect();
        assert_eq!(
            lines,
            [
                (
                    10,
                    "Discord role 234567890123456789 is covered by `other` and `berger` at the same time"
                ),
                (
                    11,
                    "terminal name berger is covered by `other` and `berger` at the same time"
                ),
            ]
        );
        // One after the other is fine.
        b.valid_from = NaiveDate::from_ymd_opt(2028, 1, 1).unwrap();
        assert!(cross_check_contracts(&[a, b], &sources, &shown).is_empty());
    }
}
