//! Generic questions no support FAQ answers (weather, sport, cooking,
//! trivia, jokes, travel, sums, small talk that is not a greeting), written
//! for this project in English and German: they stand for the far misses
//! when a knowledge base calibrates its hand-over. One question a line;
//! lines starting with `#` are comments.

use crate::knowledge::Lang;

const EN: &str = include_str!("far-en.txt");
const DE: &str = include_str!("far-de.txt");

/// The generic questions in `lang`.
pub fn questions(lang: Lang) -> Vec<&'static str> {
    let text = match lang {
        Lang::En => EN,
        Lang::De => DE,
    };
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_eighty_distinct_generic_questions() {
        for lang in Lang::ALL {
            let q = questions(lang);
            assert_eq!(q.len(), 80, "{lang}");
            let distinct: std::collections::HashSet<_> = q.iter().collect();
            assert_eq!(distinct.len(), q.len(), "{lang}");
        }
    }
}
