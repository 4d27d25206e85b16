//! The slash commands, declared once: each is a [`Slash`] variant, and what
//! Discord is told about it ([`Slash::definition`]), who may run it
//! ([`Slash::staff_only`]) and what runs it (`Handler::run_command` in
//! `commands.rs`) are exhaustive matches on it, so a command added here
//! without a definition, a rule or a handler does not compile.

use serenity::all::{CommandOptionType, CreateCommand, CreateCommandOption};

/// A slash command the bot offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slash {
    /// A customer asks the bot.
    Ask,
    /// A customer asks for a human.
    Ticket,
    /// Staff take the ticket of this thread.
    Claim,
    /// Staff give it back.
    Unclaim,
    /// Staff note on it.
    Note,
    /// Staff resolve it.
    Resolve,
    /// Staff open it again.
    Reopen,
    /// Staff list open tickets.
    Tickets,
    /// Staff draft a documented fix from a resolved ticket.
    Draft,
    /// Staff reload or lint the FAQ.
    Faq,
    /// Staff read the bot's numbers.
    Stats,
    /// Staff publish or end a notice.
    Notice,
    /// Staff get a sign-in link to the desk in a browser.
    Web,
}

impl Slash {
    /// Every command, in the order Discord lists them.
    pub const ALL: [Slash; 13] = [
        Slash::Ask,
        Slash::Ticket,
        Slash::Claim,
        Slash::Unclaim,
        Slash::Note,
        Slash::Resolve,
        Slash::Reopen,
        Slash::Tickets,
        Slash::Draft,
        Slash::Faq,
        Slash::Stats,
        Slash::Notice,
        Slash::Web,
    ];

    /// Its name on Discord.
    pub fn name(self) -> &'static str {
        match self {
            Slash::Ask => "ask",
            Slash::Ticket => "ticket",
            Slash::Claim => "claim",
            Slash::Unclaim => "unclaim",
            Slash::Note => "note",
            Slash::Resolve => "resolve",
            Slash::Reopen => "reopen",
            Slash::Tickets => "tickets",
            Slash::Draft => "draft",
            Slash::Faq => "faq",
            Slash::Stats => "stats",
            Slash::Notice => "notice",
            Slash::Web => "web",
        }
    }

    /// The command called `name`, if the bot offers one.
    pub fn named(name: &str) -> Option<Slash> {
        Slash::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Whether only members with the staff role may run it (customers run
    /// `/ask` and `/ticket`, and those count against the flood limit).
    pub fn staff_only(self) -> bool {
        !matches!(self, Slash::Ask | Slash::Ticket)
    }

    /// What Discord is told about it.
    pub fn definition(self) -> CreateCommand {
        let command = CreateCommand::new(self.name());
        match self {
            Slash::Ask => command
                .description("Ask the support bot a question")
                .add_option(text_option("question", "Your question", true)),
            Slash::Ticket => command
                .description("Talk to a human")
                .add_option(text_option("summary", "What is wrong", false)),
            Slash::Claim => command.description("Take this ticket"),
            Slash::Unclaim => command.description("Give this ticket back"),
            Slash::Note => command
                .description("An internal note on this ticket")
                .add_option(text_option("text", "The note", true)),
            Slash::Resolve => command
                .description("Resolve this ticket")
                .add_option(text_option("note", "What solved it", true)),
            Slash::Reopen => command.description("Open this ticket again"),
            Slash::Tickets => command.description("Open tickets, oldest first"),
            Slash::Draft => command
                .description("Draft a documented fix from a resolved ticket")
                .add_option(text_option(
                    "ticket",
                    "Its number (default: this thread's ticket)",
                    false,
                )),
            Slash::Faq => command
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
                )),
            Slash::Stats => command.description("Answers, deflection and tickets"),
            Slash::Notice => super::notice::definition(),
            Slash::Web => command.description("A sign-in link to the staff desk in a browser"),
        }
    }
}

/// Every slash command the bot offers, as Discord is told.
pub fn definitions() -> Vec<CreateCommand> {
    Slash::ALL.into_iter().map(Slash::definition).collect()
}

fn text_option(name: &str, description: &str, required: bool) -> CreateCommandOption {
    CreateCommandOption::new(CommandOptionType::String, name, description).required(required)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_is_found_by_its_name_and_names_are_unique() {
        for c in Slash::ALL {
            assert_eq!(Slash::named(c.name()), Some(c));
        }
        assert_eq!(Slash::named("nope"), None);
    }

    #[test]
    fn customers_run_ask_and_ticket_and_everything_else_is_staff_only() {
        let open: Vec<&str> = Slash::ALL
            .into_iter()
            .filter(|c| !c.staff_only())
            .map(Slash::name)
            .collect();
        assert_eq!(open, ["ask", "ticket"]);
    }

    #[test]
    fn each_definition_carries_its_command_name() {
        for c in Slash::ALL {
            let json = serde_json::to_value(c.definition()).expect("serialises");
            assert_eq!(json["name"], c.name());
        }
    }
}
