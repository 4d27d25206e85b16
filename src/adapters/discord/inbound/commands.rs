//! Slash commands: registered at READY, translated into engine events or
//! answered from the store. Customers: `/ask question` (a thread of its own
//! in a support channel, or the conversation the command is run in) and
//! `/ticket [summary]` (straight to a human). Staff, inside a ticket's
//! thread: `/claim`, `/unclaim`, `/note`, `/resolve note`, `/reopen`; anywhere:
//! `/tickets`, `/faq reload`, `/faq check`, `/stats`, `/draft [ticket]` (in a
//! ticket's thread without the number), `/notice publish|end` (`notice`). Anyone without the
//! staff role gets an ephemeral refusal and nothing changes. Every reply of
//! the command itself is ephemeral; what the engine decides arrives through
//! the outbox.

use serenity::all::{
    ChannelId, ChannelType, CommandDataOptionValue, CommandInteraction, Context,
    CreateInteractionResponse, CreateInteractionResponseMessage, CreateThread,
    EditInteractionResponse,
};

use super::failure::{ALREADY_ACKNOWLEDGED, Failure};
use super::handler::Handler;
use super::ids::{channel_in, is_staff, person, role_ids, source_key, thread_ref};
use super::interactions::STAFF_ONLY;
use super::mentions::neutralise;
use super::relay::ticket_of_relay;
use super::settings::ChannelRole;
use super::slash::{Slash, definitions};
use super::split::{MESSAGE_LIMIT, one_message};
use super::thread_name::thread_name;
use crate::brain::Reloaded;
use crate::domain::{Action, Inbound, StaffCommand, ThreadRef, TicketId, by_due};
use crate::engine::phrases;
use crate::flood::Verdict;
use crate::intake::Handled;
use crate::knowledge::Lang;
use crate::maintain::draft_fix::DraftError;
use crate::store::{StoreError, TicketState};

/// Registers the bot's slash commands (globally).
pub async fn register(ctx: &Context) -> serenity::Result<()> {
    serenity::all::Command::set_global_commands(&ctx.http, definitions()).await?;
    Ok(())
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

/// Where a customer's command goes.
enum CommandPlace {
    /// Where it was run (a conversation's thread, a forum post, a DM).
    Here(Option<Lang>),
    /// A new thread in the support channel it was run in.
    NewThread(Option<Lang>),
}

/// `prefix <#thread>.`, or just `Done.` for a thread that is not a channel.
fn in_thread(prefix: &str, thread: &ThreadRef) -> String {
    match channel_in(thread) {
        Some(c) => format!("{prefix} <#{c}>."),
        None => "Done.".to_owned(),
    }
}

/// Whether a failed interaction answer means it was answered before.
pub(crate) fn already_answered(e: &serenity::Error) -> bool {
    matches!(
        Failure::of(e),
        Failure::Permanent { code, .. } if code == ALREADY_ACKNOWLEDGED
    )
}

/// The first sub-command's name.
fn sub_command(command: &CommandInteraction) -> Option<&str> {
    command.data.options.first().map(|o| o.name.as_str())
}

impl Handler {
    /// What the caller of a command reads when `doing` it failed: the
    /// database is away (the intake takes note), or something else (logged).
    pub(crate) fn failed(
        &self,
        unavailable: bool,
        error: &dyn std::fmt::Display,
        doing: &str,
    ) -> String {
        if unavailable {
            self.intake.database_unreachable();
            "The database is unreachable right now; please run the command again in a minute."
                .to_owned()
        } else {
            tracing::error!(error = %error, "{doing}");
            "That did not work; please try again in a minute.".to_owned()
        }
    }

    pub(crate) async fn on_command(&self, ctx: &Context, command: &CommandInteraction) {
        let slash = Slash::named(&command.data.name);
        let staff_only = slash.is_none_or(Slash::staff_only);
        // Interaction answers are the one thing not sent through the outbox:
        // Discord wants them within 3 seconds, and they are worthless later.
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
            if already_answered(&e) {
                // The same interaction again (a re-sent INTERACTION_CREATE):
                // it was handled the first time.
                return;
            }
            self.metrics.discord_error("acknowledge");
            tracing::warn!(error = %e, "acknowledging a command");
        }
        let by = person(&command.user);
        self.interactions.remember(&by.id.0, &command.token).await;
        let reply = match slash {
            Some(slash) => self.run_command(ctx, command, slash).await,
            None => Some(format!("Unknown command /{}.", command.data.name)),
        };
        let Some(reply) = reply else {
            // The engine answers the caller itself (a private follow-up from
            // the outbox); a "Done" here could contradict it.
            if let Err(e) = command.delete_response(&ctx.http).await {
                tracing::warn!(error = %e, "clearing a command's reply");
            }
            return;
        };
        let reply = Some(one_message(&reply, MESSAGE_LIMIT))
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| "Done.".to_owned());
        let edit = EditInteractionResponse::new().content(reply);
        if let Err(e) = command.edit_response(&ctx.http, edit).await {
            tracing::warn!(error = %e, "answering a command");
        }
    }

    /// Runs a command; returns what its caller reads, or `None` when the
    /// engine tells them privately itself.
    async fn run_command(
        &self,
        ctx: &Context,
        command: &CommandInteraction,
        slash: Slash,
    ) -> Option<String> {
        let source = source_key(command.id);
        let by = person(&command.user);
        let channel = command.channel_id;
        let staff = |command| async move {
            match self.ticket_of(channel).await {
                Ok(Some(ticket)) => {
                    let event = Inbound::Staff {
                        source: source.clone(),
                        ticket,
                        staff: by.clone(),
                        command,
                    };
                    match self.intake.handle(&event, false).await {
                        Handled::Done(outcome) => {
                            let told = outcome.actions.iter().any(
                                |a| matches!(a, Action::Ephemeral { user, .. } if *user == by.id),
                            );
                            (!told).then(|| format!("Done (ticket #{ticket})."))
                        }
                        Handled::Waiting { .. } => Some(format!(
                            "The database is unreachable right now; this is done for ticket \
                             #{ticket} as soon as it is back."
                        )),
                        Handled::Refused | Handled::Failed => Some(format!(
                            "That did not work for ticket #{ticket}; please try again in a minute."
                        )),
                    }
                }
                Ok(None) => Some("There is no ticket in this channel.".to_owned()),
                Err(e) => {
                    Some(self.failed(e.is_unavailable(), &e, "finding the ticket of a channel"))
                }
            }
        };
        if !slash.staff_only() && self.flooding(command) {
            let lang = self
                .config
                .lang_of(command.channel_id)
                .unwrap_or(self.default_lang);
            return Some(phrases::ask_later(lang));
        }
        match slash {
            Slash::Ask => Some(
                self.ask(ctx, command, option(command, "question").unwrap_or(""))
                    .await,
            ),
            Slash::Ticket => Some(self.ticket(ctx, command).await),
            Slash::Claim => staff(StaffCommand::Claim).await,
            Slash::Unclaim => staff(StaffCommand::Unclaim).await,
            Slash::Reopen => staff(StaffCommand::Reopen).await,
            Slash::Note => {
                let text = option(command, "text").unwrap_or("").to_owned();
                staff(StaffCommand::Note { text }).await
            }
            Slash::Resolve => {
                let note = option(command, "note").unwrap_or("").to_owned();
                staff(StaffCommand::Resolve { note }).await
            }
            Slash::Tickets => Some(self.open_tickets().await),
            Slash::Draft => Some(self.draft(command).await),
            Slash::Faq => Some(match sub_command(command) {
                Some("reload") => self.faq_reload().await,
                _ => self.faq_check().await,
            }),
            Slash::Stats => Some(self.stats().await),
            Slash::Notice => Some(self.notice(command).await),
            Slash::Web => Some(self.web_link(command).await),
        }
    }

    /// The latest ticket of the conversation in `channel`, or the ticket
    /// whose DM `channel` relays.
    async fn ticket_of(&self, channel: ChannelId) -> Result<Option<TicketId>, StoreError> {
        let thread = thread_ref(channel);
        match self.engine.queries().latest_ticket_of(&thread).await? {
            Some(ticket) => Ok(Some(ticket.id)),
            None => ticket_of_relay(&self.store, channel).await,
        }
    }

    /// Where a customer's command (`/ask`, `/ticket`) is run: a support
    /// channel (the question gets a thread of its own), a conversation's
    /// thread or one of the bot's forum posts, a DM if DMs are served.
    fn place_of_command(&self, command: &CommandInteraction) -> Option<CommandPlace> {
        let channel = command.channel_id;
        if command.guild_id.is_none() {
            return self.config.dms.then_some(CommandPlace::Here(None));
        }
        match self.config.channel_role(channel) {
            Some(ChannelRole::Support) => {
                return Some(CommandPlace::NewThread(self.config.lang_of(channel)));
            }
            Some(ChannelRole::Forum) => return None,
            None => {}
        }
        let parent = command
            .channel
            .as_ref()
            .and_then(|c| c.parent_id)
            .or_else(|| self.known_thread_parent(channel));
        match parent.and_then(|p| self.config.channel_role(p).map(|r| (p, r))) {
            Some((forum, ChannelRole::Forum)) => {
                Some(CommandPlace::Here(self.config.lang_of(forum)))
            }
            // A thread in a support channel (the bot's or a customer's).
            Some((support, ChannelRole::Support)) => {
                Some(CommandPlace::Here(self.config.lang_of(support)))
            }
            None => None,
        }
    }

    /// The thread a customer's command goes to, opening one (with the
    /// customer in it) in a support channel; `Err` is what they read instead.
    async fn thread_for(
        &self,
        ctx: &Context,
        command: &CommandInteraction,
        name: &str,
    ) -> Result<(ThreadRef, Option<Lang>), String> {
        let place = self.place_of_command(command).ok_or_else(|| {
            let mut places: Vec<String> = self
                .config
                .support_channels
                .iter()
                .chain(&self.config.forum_channels)
                .map(|c| format!("<#{c}>"))
                .collect();
            if self.config.dms {
                places.push("a direct message".to_owned());
            }
            format!("I answer questions in {}.", places.join(", "))
        })?;
        let lang = match place {
            CommandPlace::Here(lang) => {
                let here = thread_ref(command.channel_id);
                let by = person(&command.user);
                return match self.engine.may_ask_in(&here, &by).await {
                    Ok(Ok(())) => Ok((here, lang)),
                    Ok(Err(refusal)) => Err(refusal),
                    Err(e) => Err(format!("Reading the conversation failed: {e}")),
                };
            }
            CommandPlace::NewThread(lang) => lang,
        };
        let made = command
            .channel_id
            .create_thread(
                &ctx.http,
                CreateThread::new(thread_name(name, "Question")).kind(ChannelType::PublicThread),
            )
            .await;
        let thread = match made {
            Ok(thread) => thread,
            Err(e) => {
                self.metrics.discord_error("thread");
                tracing::error!(error = %e, "creating a thread for a command");
                return Err(
                    "I could not open a thread for your question; please try again.".to_owned(),
                );
            }
        };
        // A thread made without a message has only the bot in it: add the
        // customer, or they would not see the answer arrive.
        if let Err(e) = thread
            .id
            .add_thread_member(&ctx.http, command.user.id)
            .await
        {
            self.metrics.discord_error("thread");
            tracing::warn!(error = %e, "adding the customer to their thread");
        }
        Ok((thread_ref(thread.id), lang))
    }

    /// `/draft [ticket]`: the documented fix drafted from a resolved ticket
    /// (this thread's, or the one named), for a maintainer to commit.
    async fn draft(&self, command: &CommandInteraction) -> String {
        let named = option(command, "ticket").map(|raw| raw.trim().trim_start_matches('#'));
        let ticket = match named {
            Some(raw) => match raw.parse::<i64>() {
                Ok(n) => Some(TicketId(n)),
                Err(_) => return "That is not a ticket number.".to_owned(),
            },
            None => match self.ticket_of(command.channel_id).await {
                Ok(ticket) => ticket,
                Err(e) => {
                    return format!(
                        "The tickets cannot be read right now ({e}); try again in a minute."
                    );
                }
            },
        };
        let Some(id) = ticket else {
            return "There is no ticket in this channel; name one: /draft ticket:12".to_owned();
        };
        match self.engine.queries().draft_fix(id, self.default_lang).await {
            // A fence in what the customer wrote must not end the block.
            Ok(d) => format!(
                "Draft for `{}` (a maintainer writes it with `frontline draft-fix {id}`):\n```markdown\n{}```",
                d.path.display(),
                d.markdown.replace("``", "`\u{200B}`")
            ),
            Err(DraftError::NoTicket(_)) => format!("There is no ticket #{id}."),
            Err(DraftError::Store(e)) => {
                tracing::warn!(error = %e, "reading a ticket to draft a fix");
                "I could not read the ticket; please try again.".to_owned()
            }
            Err(e) => e.to_string(),
        }
    }

    /// Whether a customer's `/ask` or `/ticket` comes faster than the flood
    /// limit allows (staff are exempt). Each is answered privately, so every
    /// refused one is told, and no thread is opened for it.
    fn flooding(&self, command: &CommandInteraction) -> bool {
        !is_staff(command.member.as_deref(), self.config.staff_role)
            && self.flood.check(&command.user.id.get()) != Verdict::Allow
    }

    async fn ask(&self, ctx: &Context, command: &CommandInteraction, question: &str) -> String {
        let (thread, lang) = match self.thread_for(ctx, command, question).await {
            Ok(place) => place,
            Err(refusal) => return refusal,
        };
        let event = Inbound::Message {
            source: source_key(command.id),
            thread: thread.clone(),
            author: person(&command.user),
            text: question.to_owned(),
            attachments: Vec::new(),
            lang,
            elsewhere: None,
            roles: role_ids(command.member.as_deref()),
        };
        self.handle(&event).await;
        in_thread("Your question is in", &thread)
    }

    async fn ticket(&self, ctx: &Context, command: &CommandInteraction) -> String {
        let summary = option(command, "summary");
        let name = summary.unwrap_or("Talk to a human");
        let (thread, lang) = match self.thread_for(ctx, command, name).await {
            Ok(place) => place,
            Err(refusal) => return refusal,
        };
        let event = Inbound::Ticket {
            source: source_key(command.id),
            thread: thread.clone(),
            by: person(&command.user),
            summary: summary.map(str::to_owned),
            lang,
            roles: role_ids(command.member.as_deref()),
        };
        self.handle(&event).await;
        in_thread("Your request for a human is in", &thread)
    }

    async fn open_tickets(&self) -> String {
        let states = [TicketState::Open, TicketState::Claimed];
        let default = self.engine.settings().default_response();
        match self.engine.queries().tickets(&states).await {
            Ok(tickets) if tickets.is_empty() => "No open tickets.".to_owned(),
            Ok(tickets) => by_due(tickets, default)
                .iter()
                .map(|t| {
                    let owner = t
                        .claimed_by
                        .as_ref()
                        .map_or("unclaimed".to_owned(), |p| format!("claimed by {}", p.name));
                    let link = channel_in(&t.thread)
                        .map_or_else(|| t.thread.to_string(), |c| format!("<#{c}>"));
                    let contract = t
                        .contract
                        .as_ref()
                        .map(|c| format!(" ({})", c.level.as_str()))
                        .unwrap_or_default();
                    format!(
                        "#{} {}{contract} — {owner}, due {} — {link}",
                        t.id,
                        neutralise(&t.customer.name),
                        t.due_at(default).format("%Y-%m-%d %H:%M UTC")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
            Err(e) => format!("Reading the tickets failed: {e}"),
        }
    }

    /// Reloads the FAQ off the runtime's threads (indexing, and embedding
    /// with a model, can take seconds).
    async fn faq_reload(&self) -> String {
        let brain = self.brain.clone();
        let reloaded = match tokio::task::spawn_blocking(move || brain.reload()).await {
            Ok(reloaded) => reloaded,
            Err(e) => return format!("Reloading the FAQ failed: {e}"),
        };
        match reloaded {
            Reloaded::Swapped { entries, warnings } => format!(
                "FAQ reloaded: {entries} entries, {} warning(s).",
                warnings.len()
            ),
            Reloaded::Kept(e) => {
                format!("FAQ not reloaded, still serving the previous version: {e}")
            }
        }
    }

    /// What `frontline check` says about the FAQ: the totals first (a long
    /// list is cut at Discord's message limit), then each problem.
    async fn faq_check(&self) -> String {
        let (dir, lang) = (self.faq_dir.clone(), self.default_lang);
        let loaded = tokio::task::spawn_blocking(move || crate::knowledge::load_dir(&dir, lang));
        match loaded.await {
            Ok(Ok(loaded)) => {
                let errors = loaded.error_count();
                let mut lines = vec![format!(
                    "{} file(s), {errors} error(s), {} warning(s)",
                    loaded.files,
                    loaded.diagnostics.len() - errors
                )];
                lines.extend(loaded.diagnostics.iter().map(|d| d.render(false)));
                format!("```\n{}\n```", lines.join("\n").replace("```", "'''"))
            }
            Ok(Err(e)) => format!("Reading the FAQ failed: {e}"),
            Err(e) => format!("Reading the FAQ failed: {e}"),
        }
    }

    async fn stats(&self) -> String {
        let store = self.engine.queries();
        match (store.answers().await, store.tickets(&[]).await) {
            (Ok(answers), Ok(tickets)) => {
                let stats = crate::maintain::stats::compute(&answers, &tickets);
                format!("```\n{}\n```", crate::maintain::stats::render(&stats))
            }
            (Err(e), _) | (_, Err(e)) => format!("Reading the statistics failed: {e}"),
        }
    }

    /// A one-time sign-in link to the desk, for the member of staff who
    /// asked (the reply is private). The desk checks their staff role in
    /// this server again on each request.
    async fn web_link(&self, command: &CommandInteraction) -> String {
        let staff = crate::store::WebStaff {
            person: person(&command.user),
            guild: command.guild_id.map(|g| g.get().to_string()),
        };
        let minutes = self.web.link_minutes;
        match crate::adapters::web::auth::make_link(
            &self.store,
            &self.web.public_url(),
            &staff,
            minutes,
            chrono::Utc::now(),
        )
        .await
        {
            Ok(link) => format!("Your sign-in link (works once, for {minutes} minutes): <{link}>"),
            Err(e) => self.failed(e.is_unavailable(), &e, "making a sign-in link"),
        }
    }
}
