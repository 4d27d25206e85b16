//! `/notice`: staff publish a maintenance window or outage at once, without
//! git (`/notice publish id services text [text_de] [symptom] [for] [kind]`),
//! or end one (`/notice end id`). The engine checks and keeps it; this reads
//! the options and tells the caller (privately) what the engine said. Who
//! may run it is checked with the other staff commands.

use chrono::Utc;
use serenity::all::{
    CommandDataOption, CommandDataOptionValue, CommandInteraction, CommandOptionType,
    CreateCommand, CreateCommandOption,
};

use super::handler::Handler;
use super::ids::person;
use super::mentions::neutralise;
use crate::domain::{NewNotice, NoticeCommand, parse_duration};
use crate::knowledge::{NoticeKind, NoticeStatus};

/// How long a notice published without `for` lasts.
const DEFAULT_HOURS: i64 = 4;

/// The `/notice` command with its two sub-commands.
pub fn definition() -> CreateCommand {
    let text = |name: &str, description: &str, required: bool| {
        CreateCommandOption::new(CommandOptionType::String, name, description).required(required)
    };
    let publish = CreateCommandOption::new(
        CommandOptionType::SubCommand,
        "publish",
        "Publish a maintenance window or outage now",
    )
    .add_sub_option(text("id", "One word, e.g. mail-outage", true))
    .add_sub_option(text("services", "Affected services, comma-separated", true))
    .add_sub_option(text(
        "text",
        "What English-speaking customers are told",
        true,
    ))
    .add_sub_option(text(
        "text_de",
        "What German-speaking customers are told",
        false,
    ))
    .add_sub_option(text(
        "symptom",
        "A regular expression that recognises it",
        false,
    ))
    .add_sub_option(text("for", "How long: 90m, 4h, 2d (default 4h)", false))
    .add_sub_option(text("kind", "outage (default) or maintenance", false));
    let end = CreateCommandOption::new(CommandOptionType::SubCommand, "end", "End a notice now")
        .add_sub_option(text("id", "The notice's id", true));
    let list = CreateCommandOption::new(
        CommandOptionType::SubCommand,
        "list",
        "The notices that hold or are planned",
    );
    CreateCommand::new("notice")
        .description("Publish, end or list maintenance and outage notices")
        .add_option(publish)
        .add_option(end)
        .add_option(list)
}

/// The string option `name` among `options`.
fn value<'a>(options: &'a [CommandDataOption], name: &str) -> Option<&'a str> {
    options
        .iter()
        .find(|o| o.name == name)
        .and_then(|o| match &o.value {
            CommandDataOptionValue::String(s) => Some(s.as_str()),
            _ => None,
        })
}

/// The notice command a `/notice` interaction asks for, or what is wrong.
fn notice_command(command: &CommandInteraction) -> Result<NoticeCommand, String> {
    let sub = command.data.options.first().ok_or(USAGE)?;
    let CommandDataOptionValue::SubCommand(options) = &sub.value else {
        return Err(USAGE.to_owned());
    };
    let id = value(options, "id").unwrap_or_default().to_owned();
    match sub.name.as_str() {
        "end" => Ok(NoticeCommand::End { id }),
        "publish" => {
            let lasts = match value(options, "for") {
                Some(raw) => parse_duration(raw).ok_or_else(|| {
                    format!("`for` is a length such as 90m, 4h or 2d, not `{raw}`.")
                })?,
                None => chrono::Duration::hours(DEFAULT_HOURS),
            };
            let kind = match value(options, "kind") {
                Some(raw) => raw.parse::<NoticeKind>()?,
                None => NoticeKind::Outage,
            };
            Ok(NoticeCommand::Publish(NewNotice {
                id,
                kind,
                start: None,
                lasts,
                services: value(options, "services")
                    .unwrap_or_default()
                    .split(',')
                    .map(str::to_owned)
                    .collect(),
                symptoms: value(options, "symptom")
                    .map(str::to_owned)
                    .into_iter()
                    .collect(),
                text_en: value(options, "text").map(str::to_owned),
                text_de: value(options, "text_de").map(str::to_owned),
            }))
        }
        _ => Err(USAGE.to_owned()),
    }
}

const USAGE: &str = "Use `/notice publish`, `/notice end` or `/notice list`.";

/// Whether the interaction is `/notice list`.
fn is_list(command: &CommandInteraction) -> bool {
    command
        .data
        .options
        .first()
        .is_some_and(|sub| sub.name == "list")
}

impl Handler {
    /// `/notice`: what the engine made of it, for the caller only.
    pub(crate) async fn notice(&self, command: &CommandInteraction) -> String {
        if is_list(command) {
            return self.notice_list().await;
        }
        let asked = match notice_command(command) {
            Ok(asked) => asked,
            Err(wrong) => return wrong,
        };
        let by = person(&command.user);
        match self.engine.notice_command(&by, &asked, Utc::now()).await {
            Ok(told) => told,
            Err(e) => self.failed(e.is_unavailable(), &e, "publishing or ending a notice"),
        }
    }

    /// `/notice list`: the notices that hold or are planned, one a line.
    async fn notice_list(&self) -> String {
        let now = Utc::now();
        match self.engine.notices().await {
            Ok(notices) => {
                let lines: Vec<String> = notices
                    .iter()
                    .filter(|n| n.status(now) != NoticeStatus::Ended)
                    .map(|n| neutralise(&n.describe(now)))
                    .collect();
                if lines.is_empty() {
                    "No notice holds or is planned.".to_owned()
                } else {
                    lines.join("\n")
                }
            }
            Err(e) => self.failed(e.is_unavailable(), &e, "listing notices"),
        }
    }
}
