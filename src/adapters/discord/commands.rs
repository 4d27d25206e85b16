//! Slash commands: registered at READY, translated into engine events or
//! answered from the store. Customers: `/ask question` (a thread of its own
//! in a support channel, or the conversation the command is run in) and
//! `/ticket [summary]` (straight to a human). Staff, inside a ticket's
//! thread: `/claim`, `/unclaim`, `/note`, `/resolve note`, `/reopen`; anywhere:
//! `/tickets`, `/faq reload`, `/faq check`, `/stats`. Anyone without the
//! staff role gets an ephemeral refusal and nothing changes. Every reply of
//! the command itself is ephemeral; what the engine decides arrives through
//! the outbox.

use serenity::all::{
    ChannelId, ChannelType, CommandDataOptionValue, CommandInteraction, CommandOptionType, Context,
    CreateCommand, CreateCommandOption, CreateInteractionResponse,
    CreateInteractionResponseMessage, CreateThread, EditInteractionResponse,
};

use super::handler::{Handler, person};
use super::interactions::{STAFF_ONLY, is_staff};
use super::settings::ChannelRole;
use super::split::{MESSAGE_LIMIT, split_markdown};
use super::thread_name::thread_name;
use super::transport::{PLATFORM, thread_ref};
use crate::brain::Reloaded;
use crate::engine::{Button, Inbound, SourceKey, StaffCommand, ThreadRef, TicketId};
use crate::store::TicketState;

/// Registers the bot's slash commands (globally).
pub async fn register(ctx: &Context) -> serenity::Result<()> {
    serenity::all::Command::set_global_commands(&ctx.http, definitions()).await?;
    Ok(())
}

fn text_option(name: &str, description: &str, required: bool) -> CreateCommandOption {
    CreateCommandOption::new(CommandOptionType::String, name, description).required(required)
}

/// Every slash command the bot offers.
pub fn definitions() -> Vec<CreateCommand> {
    let faq = CreateCommand::new("faq")
        .description("Maintain the FAQ")
        .add_option(CreateCommandOption::new(
            CommandOptionType::SubCommand,
            "reload",
            "Read the FAQ again now",
        ))
        .add_option(CreateCommandOption::new(
            CommandOptionType::SubCommand,
            "check",
            "Lint the FAQ",
        ));
    vec![
        CreateCommand::new("ask")
            .description("Ask the support bot a question")
            .add_option(text_option("question", "Your question", true)),
        CreateCommand::new("ticket")
            .description("Talk to a human")
            .add_option(text_option("summary", "What is wrong", false)),
        CreateCommand::new("claim").description("Take this ticket"),
        CreateCommand::new("unclaim").description("Give this ticket back"),
        CreateCommand::new("note")
            .description("An internal note on this ticket")
            .add_option(text_option("text", "The note", true)),
        CreateCommand::new("resolve")
            .description("Resolve this ticket")
            .add_option(text_option("note", "What solved it", true)),
        CreateCommand::new("reopen").description("Open this ticket again"),
        CreateCommand::new("tickets").description("Open tickets, oldest first"),
        faq,
        CreateCommand::new("stats").description("Answers, deflection and tickets"),
    ]
}

/// The string option `name` of a command.
fn option<'a>(command: &'a CommandInteraction, name: &str) -> Option<&'a str> {
    command
        .data
        .options
        .iter()
        .find(|o| o.name == name)
        .and_then(|o| match &o.value {
            CommandDataOptionValue::String(s) => Some(s.as_str()),
            _ => None,
        })
}

/// The first sub-command's name.
fn sub_command(command: &CommandInteraction) -> Option<&str> {
    command.data.options.first().map(|o| o.name.as_str())
}

impl Handler {
    pub(super) async fn on_command(&self, ctx: &Context, command: &CommandInteraction) {
        let name = command.data.name.as_str();
        let staff_only = !matches!(name, "ask" | "ticket");
        if staff_only && !is_staff(command.member.as_deref(), self.config.staff_role) {
            let refusal = CreateInteractionResponseMessage::new()
                .ephemeral(true)
                .content(STAFF_ONLY);
            let response = CreateInteractionResponse::Message(refusal);
            if let Err(e) = command.create_response(&ctx.http, response).await {
                tracing::warn!(error = %e, "refusing a staff command");
            }
            return;
        }
        let defer = CreateInteractionResponse::Defer(
            CreateInteractionResponseMessage::new().ephemeral(true),
        );
        if let Err(e) = command.create_response(&ctx.http, defer).await {
            self.metrics.discord_error("acknowledge");
            tracing::warn!(error = %e, "acknowledging a command");
        }
        let by = person(&command.user);
        self.interactions.remember(&by.id.0, &command.token);
        let reply = self.run_command(ctx, command).await;
        let reply = split_markdown(&reply, MESSAGE_LIMIT)
            .into_iter()
            .next()
            .unwrap_or_else(|| "Done.".to_owned());
        let edit = EditInteractionResponse::new().content(reply);
        if let Err(e) = command.edit_response(&ctx.http, edit).await {
            tracing::warn!(error = %e, "answering a command");
        }
    }

    /// Runs a command; returns what its caller reads.
    async fn run_command(&self, ctx: &Context, command: &CommandInteraction) -> String {
        let source = SourceKey::new(PLATFORM, command.id.to_string());
        let by = person(&command.user);
        let thread = thread_ref(command.channel_id);
        let staff = |command| async {
            match self.ticket_of(&thread).await {
                Some(ticket) => {
                    let event = Inbound::Staff {
                        source: source.clone(),
                        ticket,
                        staff: by.clone(),
                        command,
                    };
                    self.handle(&event).await;
                    format!("Done (ticket #{ticket}).")
                }
                None => "There is no ticket in this channel.".to_owned(),
            }
        };
        match command.data.name.as_str() {
            "ask" => {
                self.ask(ctx, command, option(command, "question").unwrap_or(""))
                    .await
            }
            "ticket" => self.ticket(command).await,
            "claim" => staff(StaffCommand::Claim).await,
            "unclaim" => staff(StaffCommand::Unclaim).await,
            "reopen" => staff(StaffCommand::Reopen).await,
            "note" => {
                let text = option(command, "text").unwrap_or("").to_owned();
                staff(StaffCommand::Note { text }).await
            }
            "resolve" => {
                let note = option(command, "note").unwrap_or("").to_owned();
                staff(StaffCommand::Resolve { note }).await
            }
            "tickets" => self.open_tickets().await,
            "faq" => match sub_command(command) {
                Some("reload") => self.faq_reload(),
                _ => self.faq_check(),
            },
            "stats" => self.stats().await,
            other => format!("Unknown command /{other}."),
        }
    }

    /// The latest ticket of a conversation's thread.
    async fn ticket_of(&self, thread: &ThreadRef) -> Option<TicketId> {
        let tickets = self.engine.store().tickets(&[]).await.ok()?;
        tickets
            .into_iter()
            .find(|t| &t.thread == thread)
            .map(|t| t.id)
    }

    async fn ask(&self, ctx: &Context, command: &CommandInteraction, question: &str) -> String {
        let thread = if self.config.channel_role(command.channel_id) == Some(ChannelRole::Support) {
            let made = command
                .channel_id
                .create_thread(
                    &ctx.http,
                    CreateThread::new(thread_name(question, "Question"))
                        .kind(ChannelType::PublicThread),
                )
                .await;
            match made {
                Ok(t) => thread_ref(t.id),
                Err(e) => {
                    tracing::error!(error = %e, "creating a thread for /ask");
                    return "I could not open a thread for your question; please try again."
                        .to_owned();
                }
            }
        } else {
            thread_ref(command.channel_id)
        };
        let event = Inbound::Message {
            source: SourceKey::new(PLATFORM, command.id.to_string()),
            thread: thread.clone(),
            author: person(&command.user),
            text: question.to_owned(),
        };
        self.handle(&event).await;
        match thread
            .0
            .strip_prefix("discord:")
            .and_then(|c| c.parse::<u64>().ok())
        {
            Some(c) => format!("Your question is in <#{}>.", ChannelId::new(c)),
            None => "Asked.".to_owned(),
        }
    }

    async fn ticket(&self, command: &CommandInteraction) -> String {
        let thread = thread_ref(command.channel_id);
        let by = person(&command.user);
        if let Some(summary) = option(command, "summary") {
            let event = Inbound::Message {
                source: SourceKey::new(PLATFORM, format!("{}-summary", command.id)),
                thread: thread.clone(),
                author: by.clone(),
                text: summary.to_owned(),
            };
            self.handle(&event).await;
        }
        let event = Inbound::Press {
            source: SourceKey::new(PLATFORM, command.id.to_string()),
            thread,
            by,
            button: Button::TalkToHuman,
        };
        self.handle(&event).await;
        "A member of staff will be with you.".to_owned()
    }

    async fn open_tickets(&self) -> String {
        let states = [TicketState::Open, TicketState::Claimed];
        match self.engine.store().tickets(&states).await {
            Ok(tickets) if tickets.is_empty() => "No open tickets.".to_owned(),
            Ok(tickets) => tickets
                .iter()
                .rev()
                .map(|t| {
                    let owner = t
                        .claimed_by
                        .as_ref()
                        .map_or("unclaimed".to_owned(), |p| format!("claimed by {}", p.name));
                    let link = t.thread.0.strip_prefix("discord:").unwrap_or(&t.thread.0);
                    format!(
                        "#{} {} — {owner}, opened {} — <#{link}>",
                        t.id,
                        t.customer.name,
                        t.opened_at.format("%Y-%m-%d %H:%M")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
            Err(e) => format!("Reading the tickets failed: {e}"),
        }
    }

    fn faq_reload(&self) -> String {
        match self.brain.reload() {
            Reloaded::Swapped { entries, warnings } => format!(
                "FAQ reloaded: {entries} entries, {} warning(s).",
                warnings.len()
            ),
            Reloaded::Kept(e) => {
                format!("FAQ not reloaded, still serving the previous version: {e}")
            }
        }
    }

    fn faq_check(&self) -> String {
        match crate::knowledge::load_dir(&self.faq_dir, self.default_lang) {
            Ok(loaded) => {
                let errors = loaded.error_count();
                let mut lines: Vec<String> =
                    loaded.diagnostics.iter().map(|d| d.render(false)).collect();
                lines.push(format!(
                    "{} file(s), {errors} error(s), {} warning(s)",
                    loaded.files,
                    loaded.diagnostics.len() - errors
                ));
                format!("```\n{}\n```", lines.join("\n").replace("```", "'''"))
            }
            Err(e) => format!("Reading the FAQ failed: {e}"),
        }
    }

    async fn stats(&self) -> String {
        let store = self.engine.store();
        match (store.answers().await, store.tickets(&[]).await) {
            (Ok(answers), Ok(tickets)) => {
                let stats = crate::maintain::stats::compute(&answers, &tickets);
                format!("```\n{}\n```", crate::maintain::stats::render(&stats))
            }
            (Err(e), _) | (_, Err(e)) => format!("Reading the statistics failed: {e}"),
        }
    }
}
