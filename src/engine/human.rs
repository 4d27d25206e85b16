//! A customer asking for a person in so many words ("can I talk to a
//! human?", "ich möchte mit einem Mitarbeiter sprechen"): a request, like the
//! *Talk to a human* button, not a question for the FAQ. It also insists past
//! a notice. Only whole phrases count, so a question that merely mentions
//! an employee ("how do I set up an account for a new Mitarbeiter?") is
//! still triaged.

use crate::index::raw_words;

/// Phrases that ask for a person, as words.
const PHRASES: &[&str] = &[
    // English
    "talk to a human",
    "talk to an human",
    "speak to a human",
    "speak with a human",
    "talk with a human",
    "talk to a person",
    "speak to a person",
    "talk to a real person",
    "speak to a real person",
    "talk to someone",
    "speak to someone",
    "speak with someone",
    "talk to somebody",
    "talk to an agent",
    "speak to an agent",
    "talk to a technician",
    "speak to a technician",
    "talk to support staff",
    "real person please",
    "human please",
    "a human please",
    "live agent",
    "human agent",
    "i want a human",
    "i need a human",
    "connect me to a human",
    "get me a human",
    // German
    "mit einem menschen sprechen",
    "mit einem menschen reden",
    "mit einem mitarbeiter sprechen",
    "mit einer mitarbeiterin sprechen",
    "mit einem techniker sprechen",
    "mit jemandem sprechen",
    "mit jemandem reden",
    "mit einem echten menschen",
    "einen menschen sprechen",
    "einen mitarbeiter sprechen",
    "mensch bitte",
    "mitarbeiter bitte",
    "ich brauche einen menschen",
    "ich will einen menschen",
];

/// Whether `text` asks for a person.
pub fn asks_for_human(text: &str) -> bool {
    let said = format!(" {} ", words(text));
    PHRASES
        .iter()
        .any(|phrase| said.contains(&format!(" {} ", words(phrase))))
}

/// `text` as lowercase words with single spaces (as the index reads them).
fn words(text: &str) -> String {
    raw_words(text).collect::<Vec<String>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asking_for_a_person_in_english_or_german_is_recognised() {
        for text in [
            "I want to talk to a human",
            "Can I speak to someone, please?",
            "human please!!",
            "My VPN is broken again, let me talk to a real person.",
            "Ich möchte mit einem Mitarbeiter sprechen",
            "Kann ich bitte mit einem Menschen sprechen?",
            "MENSCH BITTE",
        ] {
            assert!(asks_for_human(text), "{text}");
        }
    }

    #[test]
    fn what_the_request_to_say_more_suggests_writing_is_a_request() {
        for lang in [crate::knowledge::Lang::En, crate::knowledge::Lang::De] {
            let text = crate::engine::phrases::say_more(lang);
            assert!(asks_for_human(&text), "{text}");
        }
    }

    #[test]
    fn questions_that_only_mention_people_are_not_requests() {
        for text in [
            "How do I set up an account for a new Mitarbeiter?",
            "Neuer Mitarbeiter braucht ein Konto",
            "Can someone's mailbox be shared?",
            "human resources portal password",
            "Who can talk to the printer vendor?",
            "",
        ] {
            assert!(!asks_for_human(text), "{text}");
        }
    }
}
