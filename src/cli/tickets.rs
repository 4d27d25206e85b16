//! `frontline tickets`: list tickets, or show one with its transcript.

use std::process::ExitCode;

use crate::adapters::console::render;
use crate::cli::settings::Settings;
use crate::domain::{TicketId, by_due};
use crate::store::{Store, TicketState};

/// Arguments of `tickets`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do (default: list).
    #[command(subcommand)]
    pub action: Option<TicketsCommand>,
}

/// `list` or `show`.
#[derive(Debug, clap::Subcommand)]
pub enum TicketsCommand {
    /// Open and claimed tickets (all with --all), oldest first.
    List {
        /// Resolved tickets too.
        #[arg(long)]
        all: bool,
    },
    /// One ticket with the conversation's transcript and audit log.
    Show {
        /// The ticket number.
        ticket: i64,
    },
}

pub fn run(settings: &Settings, args: Args) -> anyhow::Result<ExitCode> {
    super::block_on(async {
        let store = super::open_store(settings).await?;
        match args.action.unwrap_or(TicketsCommand::List { all: false }) {
            TicketsCommand::List { all } => {
                let states: &[TicketState] = if all {
                    &[]
                } else {
                    &[TicketState::Open, TicketState::Claimed]
                };
                let default = settings.engine.default_response();
                let tickets = by_due(store.tickets(states).await?, default);
                if tickets.is_empty() {
                    println!("no tickets");
                }
                for t in &tickets {
                    println!("{}", render::ticket_line(t, default));
                }
                Ok(ExitCode::SUCCESS)
            }
            TicketsCommand::Show { ticket } => match store.ticket(TicketId(ticket)).await? {
                Some(t) => {
                    let events = store.events(t.conversation).await?;
                    print!("{}", render::ticket_with_transcript(&t, &events));
                    Ok(ExitCode::SUCCESS)
                }
                None => {
                    eprintln!("there is no ticket #{ticket}");
                    Ok(ExitCode::FAILURE)
                }
            },
        }
    })
}
