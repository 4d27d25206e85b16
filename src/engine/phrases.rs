//! Everything the bot says in its own words, in each language it speaks.
//! Kept in one place so wording can be reviewed and translated together;
//! staff-facing texts are English only.

use crate::domain::{Button, Rating, TicketId};
use crate::knowledge::Lang;

fn pick(lang: Lang, en: &str, de: &str) -> String {
    match lang {
        Lang::En => en.to_string(),
        Lang::De => de.to_string(),
    }
}

/// The label of a customer button.
pub fn label(button: &Button, lang: Lang, title: Option<&str>) -> String {
    match button {
        Button::Solved => pick(lang, "Solved", "Gelöst"),
        Button::NotWhatIAsked => pick(lang, "Not what I asked", "Nicht meine Frage"),
        Button::TalkToHuman => pick(lang, "Talk to a human", "Mit einem Menschen sprechen"),
        Button::FixedIt => pick(lang, "Fixed it", "Hat geholfen"),
        Button::StillBroken => pick(lang, "Still broken", "Geht immer noch nicht"),
        Button::Choose(id) => title.unwrap_or(id).to_string(),
        Button::Rate(r) => "★".repeat(usize::from(r.stars())),
    }
}

/// Answer to an empty message.
pub fn empty(lang: Lang) -> String {
    pick(
        lang,
        "Please describe your question or problem in a sentence or two.",
        "Bitte beschreiben Sie Ihre Frage oder Ihr Problem in ein, zwei Sätzen.",
    )
}

/// Answer to a message longer than allowed.
pub fn too_long(lang: Lang, chars: usize, max: usize) -> String {
    match lang {
        Lang::En => format!(
            "Your message is {chars} characters long; I can read at most {max}. Please send the \
             essentials: what you tried to do and the exact error message."
        ),
        Lang::De => format!(
            "Ihre Nachricht ist {chars} Zeichen lang; ich kann höchstens {max} lesen. Bitte senden \
             Sie das Wesentliche: was Sie tun wollten und die genaue Fehlermeldung."
        ),
    }
}

/// Answer to a greeting or a filler ("hi", "ok").
pub fn describe_please(lang: Lang) -> String {
    pick(
        lang,
        "Hello! How can I help? Please describe your question or problem, e.g. the error message you see.",
        "Hallo! Wie kann ich helfen? Bitte beschreiben Sie Ihre Frage oder Ihr Problem, z. B. die Fehlermeldung, die Sie sehen.",
    )
}

/// Answer to a single word (or number) that nothing in the FAQ matches:
/// too little to hand to staff, who would only ask the same.
pub fn say_more(lang: Lang) -> String {
    pick(
        lang,
        "I found nothing on that. Please describe your question or problem in a sentence or two, e.g. what you tried and the error message you see, or write \"talk to a human\".",
        "Dazu habe ich nichts gefunden. Bitte beschreiben Sie Ihre Frage oder Ihr Problem in ein, zwei Sätzen, z. B. was Sie versucht haben und welche Fehlermeldung Sie sehen, oder schreiben Sie „mit einem Mitarbeiter sprechen“.",
    )
}

/// Answer to thanks.
pub fn welcome(lang: Lang) -> String {
    pick(
        lang,
        "You're welcome! If there is anything else, just describe it here.",
        "Gern geschehen! Wenn noch etwas ist, beschreiben Sie es einfach hier.",
    )
}

/// After *Solved* or *Fixed it*.
pub fn glad(lang: Lang) -> String {
    pick(
        lang,
        "Glad I could help! If there is anything else, just write it here.",
        "Schön, dass ich helfen konnte! Wenn noch etwas ist, schreiben Sie es einfach hier.",
    )
}

/// The question above *did you mean* choices.
pub fn did_you_mean(lang: Lang) -> String {
    pick(
        lang,
        "I am not sure which of these you mean. Pick one, or describe your question in other words:",
        "Ich bin nicht sicher, welches davon Sie meinen. Wählen Sie eines aus oder beschreiben Sie Ihre Frage mit anderen Worten:",
    )
}

/// After a ticket opened, to its customer alone: what their contract says
/// happens next, and by when.
pub fn contract_next_steps(lang: Lang, c: &crate::knowledge::ContractTerms) -> String {
    let within = crate::knowledge::show_duration(c.response(), lang);
    let remote = c.includes.contains(&crate::knowledge::Service::Remote);
    match (lang, remote) {
        (Lang::En, true) => format!(
            "Under your maintenance contract ({}), a technician will start a remote diagnosis within {within}.",
            c.level.label(lang)
        ),
        (Lang::En, false) => format!(
            "Under your maintenance contract ({}), we respond within {within}.",
            c.level.label(lang)
        ),
        (Lang::De, true) => format!(
            "Gemäß Ihrem Wartungsvertrag ({}) beginnt ein Techniker innerhalb von {within} mit der Ferndiagnose.",
            c.level.label(lang)
        ),
        (Lang::De, false) => format!(
            "Gemäß Ihrem Wartungsvertrag ({}) reagieren wir innerhalb von {within}.",
            c.level.label(lang)
        ),
    }
}

/// A ticket was opened.
pub fn ticket_opened(lang: Lang, ticket: TicketId) -> String {
    match lang {
        Lang::En => format!(
            "I have passed this to our support team as ticket #{ticket}, with everything you wrote \
             here, so you will not have to repeat yourself. A member of staff will reply in this conversation."
        ),
        Lang::De => format!(
            "Ich habe das als Ticket #{ticket} an unser Support-Team übergeben, mit allem, was Sie \
             hier geschrieben haben, damit Sie nichts wiederholen müssen. Ein Mitarbeiter antwortet in diesem Gespräch."
        ),
    }
}

/// An escalation found a ticket already open.
pub fn ticket_already_open(lang: Lang, ticket: TicketId) -> String {
    match lang {
        Lang::En => format!(
            "Your request is already with our support team as ticket #{ticket}; a member of staff will reply here."
        ),
        Lang::De => format!(
            "Ihre Anfrage liegt bereits als Ticket #{ticket} bei unserem Support-Team; ein Mitarbeiter antwortet hier."
        ),
    }
}

/// A member of staff took the ticket.
pub fn staff_joined(lang: Lang, name: &str) -> String {
    match lang {
        Lang::En => format!("{name} from our support team has taken over your request."),
        Lang::De => format!("{name} aus unserem Support-Team hat Ihre Anfrage übernommen."),
    }
}

/// The ticket was resolved.
pub fn resolved(lang: Lang, name: &str, note: &str) -> String {
    match lang {
        Lang::En => format!("{name} marked your request as resolved: {note}"),
        Lang::De => format!("{name} hat Ihre Anfrage als gelöst markiert: {note}"),
    }
}

/// The rating question.
pub fn ask_rating(lang: Lang) -> String {
    pick(
        lang,
        "How happy are you with the help you got? 1 (not at all) to 5 (very).",
        "Wie zufrieden sind Sie mit der Hilfe? 1 (gar nicht) bis 5 (sehr).",
    )
}

/// Thanks for a rating.
pub fn rated(lang: Lang, rating: Rating) -> String {
    match lang {
        Lang::En => format!("Thank you for your rating ({} of 5)!", rating.stars()),
        Lang::De => format!("Vielen Dank für Ihre Bewertung ({} von 5)!", rating.stars()),
    }
}

/// The ticket was opened again.
pub fn reopened(lang: Lang, ticket: TicketId) -> String {
    match lang {
        Lang::En => {
            format!("Your request #{ticket} was reopened; our support team is on it again.")
        }
        Lang::De => format!(
            "Ihre Anfrage #{ticket} wurde wieder geöffnet; unser Support-Team kümmert sich erneut darum."
        ),
    }
}

/// A quiet conversation will be closed.
pub fn inactivity_notice(lang: Lang, hours: u64) -> String {
    match lang {
        Lang::En => format!(
            "This conversation has been quiet for a while. I will close it in {hours} hours unless you write again."
        ),
        Lang::De => format!(
            "In diesem Gespräch war eine Weile nichts los. Ich schließe es in {hours} Stunden, wenn Sie nicht wieder schreiben."
        ),
    }
}

/// A quiet conversation is closed.
pub fn closed(lang: Lang) -> String {
    pick(
        lang,
        "I have closed this conversation. Write again any time to start a new one.",
        "Ich habe dieses Gespräch geschlossen. Schreiben Sie jederzeit wieder, um ein neues zu beginnen.",
    )
}

/// Someone other than the customer pressed a button.
pub fn not_your_buttons(lang: Lang) -> String {
    pick(
        lang,
        "Only the person who asked can use these buttons.",
        "Nur die Person, die gefragt hat, kann diese Schaltflächen benutzen.",
    )
}

/// A button from an earlier message.
pub fn stale_button(lang: Lang) -> String {
    pick(
        lang,
        "That button belongs to an earlier message; please use the latest one.",
        "Diese Schaltfläche gehört zu einer früheren Nachricht; bitte benutzen Sie die neueste.",
    )
}

/// A button while a human is on it.
pub fn with_staff(lang: Lang) -> String {
    pick(
        lang,
        "Your request is with our support team; a member of staff will reply here.",
        "Ihre Anfrage liegt bei unserem Support-Team; ein Mitarbeiter antwortet hier.",
    )
}

/// A chosen entry is gone (the FAQ changed).
pub fn entry_gone(lang: Lang) -> String {
    pick(
        lang,
        "That answer is no longer available. Please describe your question again.",
        "Diese Antwort gibt es nicht mehr. Bitte beschreiben Sie Ihre Frage noch einmal.",
    )
}

/// A button pressed where there is no conversation.
pub fn no_conversation(lang: Lang) -> String {
    pick(
        lang,
        "This conversation is over. Write a new message to start again.",
        "Dieses Gespräch ist beendet. Schreiben Sie eine neue Nachricht, um neu zu beginnen.",
    )
}

/// Someone asked for a human in another customer's conversation.
pub fn not_your_conversation(lang: Lang) -> String {
    pick(
        lang,
        "This conversation belongs to someone else; ask in a support channel to get your own.",
        "Dieses Gespräch gehört jemand anderem; fragen Sie in einem Support-Kanal, um ein eigenes zu beginnen.",
    )
}

/// A customer's `/ask` or `/ticket` refused for coming too fast: it is not
/// kept, so they are asked to run it again.
pub fn ask_later(lang: Lang) -> String {
    pick(
        lang,
        "You are asking faster than I can answer; please run the command again in a minute.",
        "Sie fragen schneller, als ich antworten kann; bitte führen Sie den Befehl in einer Minute noch einmal aus.",
    )
}

/// A customer writing faster than the bot reads, told once.
pub fn slow_down(lang: Lang) -> String {
    pick(
        lang,
        "You are sending messages faster than I can read them; I will look at new ones in a moment.",
        "Sie schreiben schneller, als ich lesen kann; neue Nachrichten sehe ich mir gleich an.",
    )
}

/// Above the feedback buttons that follow an answer given while the bot
/// could not record it (the database was unreachable).
pub fn did_that_help(lang: Lang) -> String {
    pick(
        lang,
        "Did the answer above help?",
        "Hat Ihnen die Antwort oben geholfen?",
    )
}

/// Where a customer wrote a further question in a support channel while
/// their question there was still open: it went to that conversation,
/// `link` (the platform's link to its thread).
pub fn added_to_open_question(lang: Lang, link: &str) -> String {
    match lang {
        Lang::En => format!(
            "I've added this to your open question in {link}. If it is a different question, ask it with /ask."
        ),
        Lang::De => format!(
            "Ich habe das zu Ihrer offenen Frage in {link} hinzugefügt. Ist es eine andere Frage, stellen Sie sie mit /ask."
        ),
    }
}

/// In the conversation's thread: what the customer wrote in the channel,
/// quoted, so the thread reads whole.
pub fn also_wrote(lang: Lang, text: &str) -> String {
    let quoted: Vec<String> = text.lines().map(|l| format!("> {l}")).collect();
    let quoted = quoted.join("\n");
    match lang {
        Lang::En => format!("You also wrote in the channel:\n{quoted}"),
        Lang::De => format!("Sie haben außerdem im Kanal geschrieben:\n{quoted}"),
    }
}

/// A notice that holds now, told to a customer whose question is about it:
/// what it is, until when, its text, and that a human is there if need be.
pub fn notice(lang: Lang, notice: &crate::knowledge::Notice) -> String {
    let (_, text) = notice.text(lang);
    let head = notice_head(lang, notice);
    let after = pick(
        lang,
        "We know about it and are on it; there is no need to open a ticket. If your problem is \
         something else, press *Talk to a human*.",
        "Wir wissen davon und arbeiten daran; Sie müssen kein Ticket öffnen. Wenn Ihr Problem \
         ein anderes ist, drücken Sie *Mit einem Menschen sprechen*.",
    );
    format!("{head}\n\n{text}\n\n{after}")
}

/// A customer's own contract, told only to them: level, what it includes,
/// the promised times and how long it runs.
pub fn contract_terms(lang: Lang, contract: &crate::knowledge::Contract) -> String {
    use crate::knowledge::show_duration;
    let level = contract.level.label(lang);
    let includes: Vec<&str> = contract.includes.iter().map(|s| s.label(lang)).collect();
    let (response, resolution) = (
        show_duration(contract.response, lang),
        show_duration(contract.resolution, lang),
    );
    let from = contract.valid_from.format("%Y-%m-%d");
    let customer = &contract.customer;
    match lang {
        Lang::En => {
            let includes = if includes.is_empty() {
                "nothing beyond its level".to_string()
            } else {
                includes.join("; ")
            };
            let until = contract
                .valid_to
                .map_or("until cancelled".to_string(), |d| {
                    format!("until {}", d.format("%Y-%m-%d"))
                });
            format!(
                "**Your maintenance contract** ({customer}): {level}.\n\
                 - Includes: {includes}.\n\
                 - We respond within {response} and aim to solve a problem within {resolution}.\n\
                 - Valid from {from} {until}."
            )
        }
        Lang::De => {
            let includes = if includes.is_empty() {
                "nichts über die Stufe hinaus".to_string()
            } else {
                includes.join("; ")
            };
            let until = contract
                .valid_to
                .map_or("bis auf Weiteres".to_string(), |d| {
                    format!("bis {}", d.format("%Y-%m-%d"))
                });
            format!(
                "**Ihr Wartungsvertrag** ({customer}): {level}.\n\
                 - Enthalten: {includes}.\n\
                 - Wir reagieren innerhalb von {response} und lösen ein Problem möglichst innerhalb von {resolution}.\n\
                 - Gültig ab {from} {until}."
            )
        }
    }
}

/// Before the questions for what staff need, after a fix did not help.
pub fn details_first(lang: Lang) -> String {
    pick(
        lang,
        "Sorry that did not help. Before I hand this to our staff, they need a few details, \
         so nobody has to ask you again.",
        "Schade, dass das nicht geholfen hat. Bevor ich das an unsere Mitarbeiter übergebe, \
         brauchen sie ein paar Angaben, damit niemand Sie erneut fragen muss.",
    )
}

/// In the thread, after a customer's contract was sent to them alone.
pub fn contract_sent_privately(lang: Lang) -> String {
    pick(
        lang,
        "I have sent you the terms of your contract privately, where only you can read them.",
        "Ich habe Ihnen die Bedingungen Ihres Vertrags privat geschickt, wo nur Sie sie lesen \
         können.",
    )
}

/// A customer without a contract asks about theirs, or one whose contract
/// lacks remote maintenance asks for it: what a contract would include and
/// how to get one.
pub fn contract_offer(lang: Lang, own: Option<&crate::knowledge::Contract>) -> String {
    let head = match (lang, own) {
        (Lang::En, None) => "We have no maintenance contract on file for you.".to_string(),
        (Lang::De, None) => "Für Sie ist bei uns kein Wartungsvertrag hinterlegt.".to_string(),
        // The thread may be public: no word of what the contract is.
        (Lang::En, Some(_)) => "Your contract does not include remote maintenance.".to_string(),
        (Lang::De, Some(_)) => "Ihr Vertrag umfasst keine Fernwartung.".to_string(),
    };
    let body = pick(
        lang,
        "A maintenance contract covers preventive upkeep (Instandhaltung), repair \
         (Instandsetzung) or both (Vollwartung), with promised response and resolution times, \
         and can include remote maintenance and diagnosis, advice on operating and extending \
         your systems, and a replacement system during longer repairs. Without one, we help on \
         request and bill by time.\n\nTo get an offer, or for help now, press *Talk to a human*.",
        "Ein Wartungsvertrag umfasst die vorbeugende Instandhaltung, die Instandsetzung oder \
         beides (Vollwartung), mit zugesagten Reaktions- und Lösungszeiten, und kann Fernwartung \
         und Ferndiagnose, Beratung zu Betrieb und Erweiterung Ihrer Systeme sowie ein \
         Ersatzsystem während längerer Reparaturen enthalten. Ohne Vertrag helfen wir auf \
         Anfrage und rechnen nach Aufwand ab.\n\nFür ein Angebot, oder wenn Sie jetzt Hilfe \
         brauchen, drücken Sie *Mit einem Menschen sprechen*.",
    );
    format!("{head} {body}")
}

/// A notice that starts to hold, for the announcement channel: in both
/// languages, each with what it is and until when.
pub fn announcement(notice: &crate::knowledge::Notice) -> String {
    let mut out = Vec::new();
    for lang in Lang::ALL {
        let (written, text) = notice.text(lang);
        if written == lang {
            out.push(format!("{}\n{text}", notice_head(lang, notice)));
        }
    }
    out.join("\n\n")
}

/// What a notice is, which services and until when, in `lang`.
fn notice_head(lang: Lang, notice: &crate::knowledge::Notice) -> String {
    use crate::knowledge::NoticeKind;
    let services = notice.services.join(", ");
    let until = notice.end.format("%Y-%m-%d %H:%M UTC");
    match (lang, notice.kind) {
        (Lang::En, NoticeKind::Outage) => {
            format!("**Known outage** ({services}, expected until {until})")
        }
        (Lang::En, NoticeKind::Maintenance) => {
            format!("**Planned maintenance** ({services}, until {until})")
        }
        (Lang::De, NoticeKind::Outage) => {
            format!("**Bekannte Störung** ({services}, voraussichtlich bis {until})")
        }
        (Lang::De, NoticeKind::Maintenance) => {
            format!("**Geplante Wartung** ({services}, bis {until})")
        }
    }
}

/// Under a notice told while the database was away, when *Talk to a human*
/// follows on its own.
pub fn something_else(lang: Lang) -> String {
    pick(
        lang,
        "If your problem is something else, press *Talk to a human*.",
        "Wenn Ihr Problem ein anderes ist, drücken Sie *Mit einem Menschen sprechen*.",
    )
}
