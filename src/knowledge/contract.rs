//! The typed form of a maintenance contract (Wartungsvertrag): who it
//! covers, its level, what it includes, the response and resolution times
//! it promises and when it is valid. Contracts come from markdown under
//! `contracts/` (parsed in `contracts`); the engine looks up the customer's
//! one when it opens a ticket or is asked about it.

use std::path::PathBuf;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::entry::Lang;

/// What a contract covers, from nothing promised to full maintenance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContractLevel {
    /// No maintenance: support on request at the agreed times.
    None,
    /// Preventive upkeep: inspection and maintenance on a schedule.
    Instandhaltung,
    /// Repair of what broke.
    Instandsetzung,
    /// Both: preventive upkeep and repair.
    Vollwartung,
}

impl ContractLevel {
    /// Every level, lowest first.
    pub const ALL: [ContractLevel; 4] = [
        ContractLevel::None,
        ContractLevel::Instandhaltung,
        ContractLevel::Instandsetzung,
        ContractLevel::Vollwartung,
    ];

    /// The name written in contract files and stored with tickets.
    pub fn as_str(self) -> &'static str {
        match self {
            ContractLevel::None => "none",
            ContractLevel::Instandhaltung => "instandhaltung",
            ContractLevel::Instandsetzung => "instandsetzung",
            ContractLevel::Vollwartung => "vollwartung",
        }
    }

    /// Its name for customers and staff in `lang`.
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (ContractLevel::None, Lang::En) => "support on request (no maintenance)",
            (ContractLevel::None, Lang::De) => "Support auf Anfrage (keine Wartung)",
            (ContractLevel::Instandhaltung, Lang::En) => "Instandhaltung (preventive upkeep)",
            (ContractLevel::Instandhaltung, Lang::De) => "Instandhaltung (vorbeugende Wartung)",
            (ContractLevel::Instandsetzung, Lang::En) => "Instandsetzung (repair)",
            (ContractLevel::Instandsetzung, Lang::De) => "Instandsetzung (Reparatur)",
            (ContractLevel::Vollwartung, Lang::En) => "Vollwartung (upkeep and repair)",
            (ContractLevel::Vollwartung, Lang::De) => {
                "Vollwartung (Instandhaltung und Instandsetzung)"
            }
        }
    }
}

impl std::str::FromStr for ContractLevel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_lowercase();
        ContractLevel::ALL
            .into_iter()
            .find(|l| l.as_str() == wanted)
            .ok_or_else(|| format!("unknown contract level `{}`", s.trim()))
    }
}

/// A service a contract may include beyond its level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    /// Remote maintenance and diagnosis (Fernwartung / Ferndiagnose).
    Remote,
    /// Advice on operating and extending the system.
    Advice,
    /// A provisional replacement system during a longer repair.
    Replacement,
}

impl Service {
    /// Every service.
    pub const ALL: [Service; 3] = [Service::Remote, Service::Advice, Service::Replacement];

    /// The name written in contract files.
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Remote => "remote",
            Service::Advice => "advice",
            Service::Replacement => "replacement",
        }
    }

    /// Its name for customers and staff in `lang`.
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Service::Remote, Lang::En) => "remote maintenance and diagnosis",
            (Service::Remote, Lang::De) => "Fernwartung und Ferndiagnose",
            (Service::Advice, Lang::En) => "advice on operating and extending your systems",
            (Service::Advice, Lang::De) => "Beratung zu Betrieb und Erweiterung Ihrer Systeme",
            (Service::Replacement, Lang::En) => "a replacement system during longer repairs",
            (Service::Replacement, Lang::De) => "ein Ersatzsystem während längerer Reparaturen",
        }
    }
}

impl std::str::FromStr for Service {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_lowercase();
        Service::ALL
            .into_iter()
            .find(|x| x.as_str() == wanted)
            .ok_or_else(|| format!("unknown service `{}`", s.trim()))
    }
}

/// Who a contract covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Member {
    /// A Discord user, by id.
    DiscordUser(String),
    /// Everyone with a Discord role, by the role's id.
    DiscordRole(String),
    /// A name at the terminal (`frontline chat --as NAME`), or on any
    /// platform that names people rather than numbering them.
    Name(String),
}

impl std::fmt::Display for Member {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Member::DiscordUser(id) => write!(f, "Discord user {id}"),
            Member::DiscordRole(id) => write!(f, "Discord role {id}"),
            Member::Name(name) => write!(f, "terminal name {name}"),
        }
    }
}

/// Who is asking, as far as contracts care: their platform id
/// (`discord:…`, `console:…`) and the roles they hold there.
#[derive(Debug, Clone, Copy)]
pub struct Asker<'a> {
    /// The person's platform id.
    pub id: &'a str,
    /// Their roles' ids on that platform (Discord roles; none elsewhere).
    pub roles: &'a [String],
}

impl Member {
    /// Whether `asker` is this member; `Some(true)` when by their own id,
    /// `Some(false)` by a role.
    fn covers(&self, asker: Asker<'_>) -> Option<bool> {
        let (platform, id) = asker.id.split_once(':').unwrap_or(("", asker.id));
        match self {
            Member::DiscordUser(u) => (platform == "discord" && id == u).then_some(true),
            // Any platform that names people (the terminal) rather than
            // numbering them.
            Member::Name(n) => {
                (platform != "discord" && id.eq_ignore_ascii_case(n)).then_some(true)
            }
            Member::DiscordRole(r) => {
                (platform == "discord" && asker.roles.iter().any(|x| x == r)).then_some(false)
            }
        }
    }
}

/// One contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contract {
    /// Stable identifier (the file's path under `contracts/` unless set).
    pub id: String,
    /// The customer's name (a company, a practice).
    pub customer: String,
    /// What it covers.
    pub level: ContractLevel,
    /// What it includes beyond its level.
    pub includes: Vec<Service>,
    /// How soon staff answer a ticket (claim it), as promised.
    #[serde(with = "minutes")]
    pub response: Duration,
    /// How soon the problem is solved, as promised.
    #[serde(with = "minutes")]
    pub resolution: Duration,
    /// The first day it is valid.
    pub valid_from: NaiveDate,
    /// The last day it is valid (inclusive); `None`: until cancelled.
    pub valid_to: Option<NaiveDate>,
    /// Who it covers.
    pub members: Vec<Member>,
    /// Where it was written, relative to the knowledge directory.
    pub path: PathBuf,
    /// The line of its `level:`.
    pub line: usize,
}

impl Contract {
    /// Whether it is valid at `now`.
    pub fn is_valid(&self, now: DateTime<Utc>) -> bool {
        let day = now.date_naive();
        self.valid_from <= day && self.valid_to.is_none_or(|to| day <= to)
    }

    /// Whether its validity overlaps `other`'s.
    pub fn overlaps(&self, other: &Contract) -> bool {
        let ends_after = |c: &Contract, day: NaiveDate| c.valid_to.is_none_or(|to| day <= to);
        ends_after(self, other.valid_from) && ends_after(other, self.valid_from)
    }

    /// Whether it includes `service`.
    pub fn includes(&self, service: Service) -> bool {
        self.includes.contains(&service)
    }

    /// What it promises, as a ticket keeps it.
    pub fn terms(&self) -> ContractTerms {
        ContractTerms {
            id: self.id.clone(),
            customer: self.customer.clone(),
            level: self.level,
            includes: self.includes.clone(),
            response_minutes: self.response.num_minutes(),
            resolution_minutes: self.resolution.num_minutes(),
        }
    }
}

/// What a contract promised when a ticket was opened: kept with the ticket
/// (a later change of the file does not change what was promised), shown on
/// its card and driving its reminders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractTerms {
    /// The contract's id.
    pub id: String,
    /// The customer's name.
    pub customer: String,
    /// Its level.
    pub level: ContractLevel,
    /// What it includes.
    #[serde(default)]
    pub includes: Vec<Service>,
    /// The promised response time, in minutes.
    pub response_minutes: i64,
    /// The promised resolution time, in minutes.
    pub resolution_minutes: i64,
}

impl ContractTerms {
    /// One line for staff: who, the level, the promised times, what it
    /// includes.
    pub fn summary(&self) -> String {
        let mut line = format!(
            "{} — {}, response within {}, resolution within {}",
            self.customer,
            self.level.label(Lang::En),
            show_duration(self.response(), Lang::En),
            show_duration(self.resolution(), Lang::En),
        );
        if !self.includes.is_empty() {
            let includes: Vec<&str> = self.includes.iter().map(|s| s.label(Lang::En)).collect();
            line.push_str("; includes ");
            line.push_str(&includes.join(", "));
        }
        line
    }

    /// The promised response time.
    pub fn response(&self) -> Duration {
        Duration::minutes(self.response_minutes)
    }

    /// The promised resolution time.
    pub fn resolution(&self) -> Duration {
        Duration::minutes(self.resolution_minutes)
    }
}

/// A length of time as people read it in `lang`: `90 min`, `4 h`, `2 days`.
pub fn show_duration(d: Duration, lang: Lang) -> String {
    let minutes = d.num_minutes();
    if minutes % (24 * 60) == 0 && minutes >= 24 * 60 {
        let days = minutes / (24 * 60);
        let unit = match (lang, days) {
            (Lang::En, 1) => "day",
            (Lang::En, _) => "days",
            (Lang::De, 1) => "Tag",
            (Lang::De, _) => "Tage",
        };
        format!("{days} {unit}")
    } else if minutes % 60 == 0 && minutes >= 60 {
        let unit = if lang == Lang::De { "Std." } else { "h" };
        format!("{} {unit}", minutes / 60)
    } else {
        format!("{minutes} min")
    }
}

/// Every contract of a knowledge version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contracts(Vec<Contract>);

impl Contracts {
    /// The contracts, as read.
    pub fn new(contracts: Vec<Contract>) -> Self {
        Contracts(contracts)
    }

    /// Every contract, in file order.
    pub fn all(&self) -> &[Contract] {
        &self.0
    }

    /// Whether there are none (the knowledge base does not use contracts:
    /// nobody is told they lack one).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The contract with `id`.
    pub fn get(&self, id: &str) -> Option<&Contract> {
        self.0.iter().find(|c| c.id == id)
    }

    /// The valid contract covering `asker` at `now`: one naming them wins
    /// over one covering a role of theirs, then the higher level.
    pub fn covering(&self, asker: Asker<'_>, now: DateTime<Utc>) -> Option<&Contract> {
        self.0
            .iter()
            .filter(|c| c.is_valid(now))
            .filter_map(|c| {
                let by_id = c.members.iter().filter_map(|m| m.covers(asker)).max()?;
                Some((by_id, c.level, c))
            })
            .max_by_key(|(by_id, level, _)| (*by_id, *level))
            .map(|(_, _, c)| c)
    }
}

/// Durations kept as whole minutes.
mod minutes {
    use chrono::Duration;
    use serde::Serializer;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(d.num_minutes())
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn contract(id: &str, level: ContractLevel, members: Vec<Member>) -> Contract {
        Contract {
            id: id.into(),
            customer: id.to_uppercase(),
            level,
            includes: vec![Service::Remote],
            response: Duration::hours(2),
            resolution: Duration::days(1),
            valid_from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            valid_to: NaiveDate::from_ymd_opt(2026, 12, 31),
            members,
            path: format!("contracts/{id}.md").into(),
            line: 3,
        }
    }

    #[test]
    fn a_contract_covers_its_members_while_it_is_valid() {
        let contracts = Contracts::new(vec![
            contract(
                "acme",
                ContractLevel::Vollwartung,
                vec![Member::DiscordRole("77".into())],
            ),
            contract(
                "solo",
                ContractLevel::Instandhaltung,
                vec![Member::Name("Anna".into())],
            ),
        ]);
        let june = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap();
        let roles = vec!["77".to_string()];
        let by_role = Asker {
            id: "discord:5",
            roles: &roles,
        };
        assert_eq!(
            contracts.covering(by_role, june).map(|c| c.id.as_str()),
            Some("acme")
        );
        let anna = Asker {
            id: "console:anna",
            roles: &[],
        };
        assert_eq!(
            contracts.covering(anna, june).map(|c| c.id.as_str()),
            Some("solo")
        );
        // A role on another platform, or nobody's name: no contract.
        assert!(
            contracts
                .covering(
                    Asker {
                        id: "console:bo",
                        roles: &roles
                    },
                    june
                )
                .is_none()
        );
        assert!(
            contracts
                .covering(
                    Asker {
                        id: "discord:anna",
                        roles: &[]
                    },
                    june
                )
                .is_none()
        );
        assert!(
            contracts
                .covering(
                    Asker {
                        id: "discord:5",
                        roles: &[]
                    },
                    june
                )
                .is_none()
        );
        // The last day still counts; the day after does not.
        let last = Utc.with_ymd_and_hms(2026, 12, 31, 23, 0, 0).unwrap();
        assert!(contracts.covering(anna, last).is_some());
        let after = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
        assert!(contracts.covering(anna, after).is_none());
    }

    #[test]
    fn a_contract_naming_the_person_wins_over_one_of_their_roles() {
        let contracts = Contracts::new(vec![
            contract(
                "team",
                ContractLevel::Vollwartung,
                vec![Member::DiscordRole("77".into())],
            ),
            contract(
                "own",
                ContractLevel::None,
                vec![Member::DiscordUser("5".into())],
            ),
        ]);
        let june = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap();
        let roles = vec!["77".to_string()];
        let asker = Asker {
            id: "discord:5",
            roles: &roles,
        };
        assert_eq!(
            contracts.covering(asker, june).map(|c| c.id.as_str()),
            Some("own")
        );
    }

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(show_duration(Duration::minutes(90), Lang::En), "90 min");
        assert_eq!(show_duration(Duration::hours(4), Lang::En), "4 h");
        assert_eq!(show_duration(Duration::days(1), Lang::En), "1 day");
        assert_eq!(show_duration(Duration::days(3), Lang::De), "3 Tage");
    }
}
