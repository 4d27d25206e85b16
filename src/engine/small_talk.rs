//! Greetings, thanks and fillers: messages that ask nothing. They get a
//! friendly request to describe the problem instead of a ticket; a message
//! with a single word that is not small talk ("VPN") is still triaged, and
//! only if nothing matches it is the customer asked to say more
//! ([`says_too_little`]) before a ticket opens.

use crate::index::raw_words;

/// What kind of small talk a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmallTalk {
    /// "hi", "good morning", "hallo", or nothing but punctuation.
    Greeting,
    /// "thanks", "danke schön".
    Thanks,
}

/// Longest message (in words) still read as small talk.
const MAX_WORDS: usize = 6;

const GREETINGS: &[&str] = &[
    "hi", "hello", "hey", "hallo", "moin", "servus", "morning", "evening", "good", "guten",
    "morgen", "tag", "abend", "gruess", "gruss", "gott", "there", "all", "everyone", "team",
    "support", "zusammen", "ok", "okay", "yes", "no", "ja", "nein", "hm", "hmm", "test", "yo",
    "anyone", "jemand", "da",
];

const THANKS: &[&str] = &[
    "thanks",
    "thank",
    "thx",
    "ty",
    "cheers",
    "danke",
    "dankeschoen",
    "vielen",
    "dank",
    "merci",
    "great",
    "super",
    "perfect",
    "perfekt",
    "prima",
    "cool",
    "nice",
    "toll",
    "schoen",
    "you",
    "very",
    "much",
    "so",
    "sehr",
    "a",
    "lot",
];

/// Whether `text` is small talk, and which.
pub fn classify(text: &str) -> Option<SmallTalk> {
    let words: Vec<String> = raw_words(text).collect();
    if words.is_empty() {
        return Some(SmallTalk::Greeting);
    }
    if words.len() > MAX_WORDS {
        return None;
    }
    let is = |list: &[&str], w: &String| list.contains(&w.as_str());
    if !words.iter().all(|w| is(GREETINGS, w) || is(THANKS, w)) {
        return None;
    }
    let thanking = words.iter().any(|w| {
        matches!(
            w.as_str(),
            "thanks"
                | "thank"
                | "thx"
                | "ty"
                | "cheers"
                | "danke"
                | "dankeschoen"
                | "dank"
                | "merci"
        )
    });
    Some(if thanking {
        SmallTalk::Thanks
    } else {
        SmallTalk::Greeting
    })
}

/// Whether the messages of a topic hold a single word or number between
/// them ("asdf", "42", "lol"): when nothing in the FAQ matches, too little
/// to open a ticket for; the customer is asked to say more first.
pub fn says_too_little(topic: &[String]) -> bool {
    let words = topic.iter().flat_map(|t| raw_words(t));
    // A lone letter or digit ("x", "1.5") is not a word here.
    let few_words = words.filter(|w| w.chars().count() >= 2).take(2).count() < 2;
    // Scripts written without spaces are long "words": their letters count.
    let letters: usize = topic
        .iter()
        .map(|t| t.chars().filter(|c| c.is_alphanumeric()).count())
        .sum();
    few_words && letters < MANY_LETTERS
}

/// Letters and digits past which a topic says enough, however few its words.
const MANY_LETTERS: usize = 16;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greetings_and_thanks_are_small_talk() {
        assert_eq!(classify("Hi!"), Some(SmallTalk::Greeting));
        assert_eq!(classify("Guten Morgen zusammen"), Some(SmallTalk::Greeting));
        assert_eq!(classify("hello there"), Some(SmallTalk::Greeting));
        assert_eq!(classify("Thanks a lot!"), Some(SmallTalk::Thanks));
        assert_eq!(classify("Vielen Dank"), Some(SmallTalk::Thanks));
        assert_eq!(classify("?!"), Some(SmallTalk::Greeting));
    }

    #[test]
    fn a_single_word_or_number_says_too_little_two_words_do_not() {
        for one in ["asdf", "42", "x", "  lol!  ", "E1042", "1.5", "-1"] {
            assert!(says_too_little(&[one.to_string()]), "{one}");
        }
        assert!(!says_too_little(&["printer broken".to_string()]));
        assert!(!says_too_little(&["打印机无法连接到网络".repeat(5)]));
        assert!(!says_too_little(
            &["Druckertreiberinstallation".to_string()]
        ));
        assert!(!says_too_little(&[
            "asdf".to_string(),
            "printer".to_string()
        ]));
    }

    #[test]
    fn questions_are_not_small_talk() {
        assert_eq!(classify("VPN"), None);
        assert_eq!(classify("hi, my printer is offline"), None);
        assert_eq!(classify("Hallo, mein Passwort ist abgelaufen"), None);
        assert_eq!(classify("error 0x8004010F"), None);
    }
}
