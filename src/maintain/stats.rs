//! `frontline stats`: how the front line is doing, from the answers log and
//! the tickets. The deflection rate is the share of problems the bot solved
//! itself: answers the customer marked *Solved* or *Fixed it*, out of those
//! plus the tickets opened. Answers nobody gave feedback on are counted
//! apart, because nobody knows how they ended.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::Duration;

use crate::domain::Feedback;
use crate::store::{AnswerRecord, Ticket, TicketState};
use crate::terminal::one_line;

/// The figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    /// Answers and fixes shown.
    pub answers: usize,
    /// ... of which documented fixes.
    pub fixes: usize,
    /// Answers marked *Solved* or *Fixed it*.
    pub solved_by_bot: usize,
    /// Answers without any feedback.
    pub no_feedback: usize,
    /// Tickets opened.
    pub tickets: usize,
    /// solved_by_bot / (solved_by_bot + tickets), if either is non-zero.
    pub deflection_rate: Option<f64>,
    /// *Not what I asked* per entry: (entry id, title, count), most first.
    pub not_what_i_asked: Vec<(String, String, usize)>,
    /// Tickets per state.
    pub tickets_by_state: Vec<(TicketState, usize)>,
    /// Median time from opening to the first claim.
    pub median_time_to_claim: Option<Duration>,
    /// Median time from opening to resolving.
    pub median_time_to_resolve: Option<Duration>,
    /// Mean customer rating and how many rated.
    pub rating: Option<(f64, usize)>,
}

/// Computes the figures.
pub fn compute(answers: &[AnswerRecord], tickets: &[Ticket]) -> Stats {
    let solved_by_bot = answers
        .iter()
        .filter(|a| a.feedback.is_some_and(Feedback::is_solved))
        .count();
    let outcomes = solved_by_bot + tickets.len();
    let mut nwia: BTreeMap<&str, (&str, usize)> = BTreeMap::new();
    for a in answers
        .iter()
        .filter(|a| a.feedback == Some(Feedback::NotWhatIAsked))
    {
        nwia.entry(&a.entry_id).or_insert((&a.title, 0)).1 += 1;
    }
    let mut not_what_i_asked: Vec<(String, String, usize)> = nwia
        .into_iter()
        .map(|(id, (title, n))| (id.to_string(), title.to_string(), n))
        .collect();
    not_what_i_asked.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    let mut by_state: BTreeMap<TicketState, usize> = BTreeMap::new();
    for t in tickets {
        *by_state.entry(t.state).or_default() += 1;
    }
    let ratings: Vec<u8> = tickets.iter().filter_map(|t| t.rating).collect();
    Stats {
        answers: answers.len(),
        fixes: answers.iter().filter(|a| a.kind == "fix").count(),
        solved_by_bot,
        no_feedback: answers.iter().filter(|a| a.feedback.is_none()).count(),
        tickets: tickets.len(),
        deflection_rate: (outcomes > 0).then(|| solved_by_bot as f64 / outcomes as f64),
        not_what_i_asked,
        tickets_by_state: by_state.into_iter().collect(),
        median_time_to_claim: median(
            tickets
                .iter()
                .filter_map(|t| t.first_claimed_at.map(|at| at - t.opened_at))
                .collect(),
        ),
        median_time_to_resolve: median(
            tickets
                .iter()
                .filter_map(|t| t.resolved_at.map(|at| at - t.opened_at))
                .collect(),
        ),
        rating: (!ratings.is_empty()).then(|| {
            let sum: u32 = ratings.iter().map(|r| u32::from(*r)).sum();
            (f64::from(sum) / ratings.len() as f64, ratings.len())
        }),
    }
}

/// The median (the mean of the middle two for an even count).
fn median(mut values: Vec<Duration>) -> Option<Duration> {
    values.sort();
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / 2),
    }
}

/// The figures as a report.
pub fn render(s: &Stats) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "answers given:      {} ({} documented fixes)",
        s.answers, s.fixes
    );
    let _ = writeln!(out, "solved by the bot:  {}", s.solved_by_bot);
    let _ = writeln!(out, "tickets opened:     {}", s.tickets);
    let _ = match s.deflection_rate {
        Some(r) => writeln!(
            out,
            "deflection rate:    {:.1}% (solved by the bot / (solved by the bot + tickets))",
            r * 100.0
        ),
        None => writeln!(
            out,
            "deflection rate:    n/a (nothing solved or escalated yet)"
        ),
    };
    let _ = writeln!(out, "answers without feedback: {}", s.no_feedback);
    let _ = writeln!(out, "\"Not what I asked\" per entry:");
    if s.not_what_i_asked.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for (id, title, n) in &s.not_what_i_asked {
        let _ = writeln!(out, "  {n:>4}  {}  ({})", one_line(id), one_line(title));
    }
    let _ = writeln!(out, "tickets by state:");
    for state in [
        TicketState::Open,
        TicketState::Claimed,
        TicketState::Resolved,
    ] {
        let n = s
            .tickets_by_state
            .iter()
            .find(|(st, _)| *st == state)
            .map_or(0, |(_, n)| *n);
        let _ = writeln!(out, "  {:<9} {n}", state.as_str());
    }
    let _ = writeln!(
        out,
        "median time to claim:   {}",
        duration(s.median_time_to_claim)
    );
    let _ = writeln!(
        out,
        "median time to resolve: {}",
        duration(s.median_time_to_resolve)
    );
    if let Some((mean, n)) = s.rating {
        let _ = writeln!(out, "customer rating:        {mean:.1} of 5 ({n} rated)");
    }
    out
}

fn duration(d: Option<Duration>) -> String {
    let Some(d) = d else {
        return "n/a".to_string();
    };
    let minutes = d.num_minutes();
    match minutes {
        m if m < 1 => format!("{}s", d.num_seconds()),
        m if m < 120 => format!("{m} min"),
        m if m < 48 * 60 => format!("{:.1} h", m as f64 / 60.0),
        m => format!("{:.1} days", m as f64 / 1440.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        let m = |v: &[i64]| median(v.iter().map(|n| Duration::minutes(*n)).collect());
        assert_eq!(m(&[]), None);
        assert_eq!(m(&[5, 1, 3]), Some(Duration::minutes(3)));
        assert_eq!(m(&[10, 1, 3, 4]), Some(Duration::seconds(210)));
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(Some(Duration::seconds(40))), "40s");
        assert_eq!(duration(Some(Duration::minutes(15))), "15 min");
        assert_eq!(duration(Some(Duration::minutes(150))), "2.5 h");
        assert_eq!(duration(None), "n/a");
    }
}
