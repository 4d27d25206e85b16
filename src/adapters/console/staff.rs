//! `frontline staff`: the staff desk in a terminal. New ticket cards,
//! updates and reminders arrive by polling the outbox; commands act on
//! tickets by number:
//!
//! ```text
//! list                 open and claimed tickets
//! show N               a ticket with its transcript
//! claim N | unclaim N | reopen N
//! reply N TEXT         write to the customer
//! note N TEXT          an internal note
//! resolve N TEXT       close it with what solved it
//! draft N              a documented fix drafted from resolved ticket N
//! notice …             publish, end or list notices (see `notice`)
//! help | quit
//! ```

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;

use super::chat::SourceIds;
use super::notice::{NoticeLine, notice_line, parse_notice_line};
use super::repl::{self, Flow, Session};
use super::{ConsoleError, ConsoleTransport, PLATFORM, render};
use crate::delivery::Delivery;
use crate::domain::{Inbound, Person, Route, StaffCommand, TicketId, by_due};
use crate::engine::Engine;
use crate::knowledge::Lang;
use crate::maintain::draft_fix::DraftError;
use crate::store::{Scope, TicketState};
use crate::terminal::{ellipsis, terminal_safe};

/// How a staff session runs.
#[derive(Debug, Clone)]
pub struct StaffOptions {
    /// The staff member's name.
    pub name: String,
    /// How often the outbox and the timers are checked.
    pub poll: Duration,
    /// Whether a person types (prompts are shown).
    pub interactive: bool,
    /// The language of drafts whose ticket's language is unclear.
    pub default_lang: Lang,
}

const HELP: &str = "commands: list | show N | claim N | unclaim N | reply N TEXT | note N TEXT | resolve N TEXT | reopen N | draft N | notice list | notice end ID | notice publish ID services=… en='…' [de='…'] [symptom='…'] [for=4h] | help | quit\n";

/// One line typed at the staff desk.
#[derive(Debug, PartialEq)]
enum Line {
    List,
    Show(TicketId),
    Draft(TicketId),
    Act(TicketId, StaffCommand),
    Notice(NoticeLine),
    Help,
    Quit,
}

/// Runs the staff desk until `quit` or the end of input.
pub async fn run_staff(
    engine: Arc<Engine>,
    delivery: Delivery,
    opts: StaffOptions,
) -> Result<(), ConsoleError> {
    let me = Person::new(format!("{PLATFORM}:{}", opts.name), opts.name.clone());
    let scope = Scope::Routes(vec![
        Route::Staff.key(),
        Route::User(me.id.clone()).key(),
        Route::Announcements.key(),
    ]);
    let desk = ConsoleTransport::new(scope, Box::new(std::io::stdout()));
    desk.print(&format!("frontline staff desk ({}). {HELP}", opts.name))?;
    let mut sources = SourceIds::new(&format!("staff-{}", opts.name));
    let session = Session {
        engine: &engine,
        delivery: &delivery,
        transport: &desk,
        prompt: "staff> ",
        interactive: opts.interactive,
        poll: opts.poll,
    };
    repl::run(session, async |line: &str| {
        match parse(line) {
            Ok(Line::Quit) => return Ok(Flow::Quit),
            Ok(Line::Help) => desk.print(HELP)?,
            Ok(Line::List) => list(&engine, &desk).await?,
            Ok(Line::Show(id)) => show(&engine, &desk, id).await?,
            Ok(Line::Draft(id)) => draft(&engine, &desk, id, opts.default_lang).await?,
            Ok(Line::Notice(NoticeLine::List)) => notices(&engine, &desk).await?,
            Ok(Line::Notice(NoticeLine::Command(command))) => {
                match engine.notice_command(&me, &command, Utc::now()).await {
                    Ok(told) => desk.print(&format!("{}\n", terminal_safe(&told)))?,
                    Err(e) => {
                        tracing::warn!(error = %e, "the engine failed to handle a notice command");
                        desk.print("Sorry, that could not be done just now; please try again.\n")?;
                    }
                }
            }
            Ok(Line::Act(ticket, command)) => {
                let event = Inbound::Staff {
                    source: sources.next(),
                    ticket,
                    staff: me.clone(),
                    command,
                };
                // One failed command must not end the desk: say so and go on.
                if let Err(e) = engine.handle(&event, Utc::now()).await {
                    tracing::warn!(error = %e, "the engine failed to handle a staff command");
                    desk.print("Sorry, that could not be done just now; please try again.\n")?;
                }
            }
            Err(e) if e.is_empty() => {}
            Err(e) => desk.print(&format!("{}\n{HELP}", terminal_safe(&e)))?,
        }
        Ok(Flow::Go)
    })
    .await
}

async fn list(engine: &Engine, desk: &ConsoleTransport) -> Result<(), ConsoleError> {
    let tickets = engine
        .queries()
        .tickets(&[TicketState::Open, TicketState::Claimed])
        .await?;
    if tickets.is_empty() {
        desk.print("no open tickets\n")?;
    }
    let default = engine.settings().default_response();
    for t in &by_due(tickets, default) {
        desk.print(&format!("{}\n", render::ticket_line(t, default)))?;
    }
    Ok(())
}

async fn notices(engine: &Engine, desk: &ConsoleTransport) -> Result<(), ConsoleError> {
    let notices = engine.notices().await?;
    if notices.is_empty() {
        desk.print("no notices\n")?;
    }
    let now = Utc::now();
    for n in &notices {
        desk.print(&format!("{}\n", notice_line(n, now)))?;
    }
    Ok(())
}

async fn show(engine: &Engine, desk: &ConsoleTransport, id: TicketId) -> Result<(), ConsoleError> {
    match engine.queries().ticket(id).await? {
        Some(t) => {
            let events = engine.queries().events(t.conversation).await?;
            desk.print(&render::ticket_with_transcript(&t, &events))?;
        }
        None => desk.print(&format!("there is no ticket #{id}\n"))?,
    }
    Ok(())
}

/// Prints the documented fix drafted from resolved ticket `id`, for the
/// maintainers (`frontline draft-fix N` writes it into the FAQ).
async fn draft(
    engine: &Engine,
    desk: &ConsoleTransport,
    id: TicketId,
    default_lang: Lang,
) -> Result<(), ConsoleError> {
    let text = match engine.queries().draft_fix(id, default_lang).await {
        Ok(d) => format!(
            "draft for {} (`frontline draft-fix {id}` writes it):\n{}",
            d.path.display(),
            d.markdown
        ),
        Err(DraftError::Store(e)) => return Err(e.into()),
        Err(e) => format!("{e}\n"),
    };
    // The draft quotes the customer and the resolution note.
    desk.print(&terminal_safe(&text))?;
    Ok(())
}

/// Reads one line; `Err("")` for an empty line, else what is wrong.
fn parse(line: &str) -> Result<Line, String> {
    let line = line.trim();
    let (word, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let rest = rest.trim();
    let (number, text) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let ticket = || {
        number
            .trim_start_matches('#')
            .parse::<i64>()
            .map(TicketId)
            .map_err(|_| format!("`{word}` needs a ticket number"))
    };
    let text = text.trim().to_string();
    let needs_text = |what: &str| {
        if text.is_empty() {
            Err(format!("`{word}` needs {what}"))
        } else {
            Ok(text.clone())
        }
    };
    Ok(match word.to_lowercase().as_str() {
        "" => return Err(String::new()),
        "list" | "ls" => Line::List,
        "help" | "?" => Line::Help,
        "quit" | "exit" => Line::Quit,
        "show" => Line::Show(ticket()?),
        "draft" => Line::Draft(ticket()?),
        "notice" | "notices" if rest.is_empty() => Line::Notice(NoticeLine::List),
        "notice" | "notices" => Line::Notice(parse_notice_line(rest)?),
        "claim" => Line::Act(ticket()?, StaffCommand::Claim),
        "unclaim" => Line::Act(ticket()?, StaffCommand::Unclaim),
        "reopen" => Line::Act(ticket()?, StaffCommand::Reopen),
        "reply" => Line::Act(
            ticket()?,
            StaffCommand::Reply {
                text: needs_text("a message")?,
            },
        ),
        "note" => Line::Act(
            ticket()?,
            StaffCommand::Note {
                text: needs_text("a note")?,
            },
        ),
        "resolve" => Line::Act(
            ticket()?,
            StaffCommand::Resolve {
                note: needs_text("a note saying what solved it")?,
            },
        ),
        // Cut: a pasted page is not echoed whole.
        other => return Err(format!("unknown command `{}`", ellipsis(other, 40))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_lines_become_commands() {
        assert_eq!(
            parse("claim 3"),
            Ok(Line::Act(TicketId(3), StaffCommand::Claim))
        );
        assert_eq!(
            parse("reply #3 Which model is it?"),
            Ok(Line::Act(
                TicketId(3),
                StaffCommand::Reply {
                    text: "Which model is it?".into()
                }
            ))
        );
        assert_eq!(
            parse("resolve 3   Replaced the seal. "),
            Ok(Line::Act(
                TicketId(3),
                StaffCommand::Resolve {
                    note: "Replaced the seal.".into()
                }
            ))
        );
        assert_eq!(parse("show 12"), Ok(Line::Show(TicketId(12))));
        assert_eq!(parse("draft #12"), Ok(Line::Draft(TicketId(12))));
        assert_eq!(parse("notices"), Ok(Line::Notice(NoticeLine::List)));
        assert_eq!(
            parse("notice end mail-outage"),
            Ok(Line::Notice(NoticeLine::Command(
                crate::domain::NoticeCommand::End {
                    id: "mail-outage".into()
                }
            )))
        );
        assert_eq!(parse("  "), Err(String::new()));
    }

    #[test]
    fn malformed_lines_say_what_is_missing() {
        assert_eq!(parse("claim"), Err("`claim` needs a ticket number".into()));
        assert_eq!(
            parse("resolve 3"),
            Err("`resolve` needs a note saying what solved it".into())
        );
        assert_eq!(parse("dance 3"), Err("unknown command `dance`".into()));
    }
}
