//! Charts drawn on the server as SVG: the pages need no JavaScript to show
//! them. Pure functions from daily figures to markup; every label is
//! escaped.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::domain::Feedback;
use crate::store::{AnswerRecord, Ticket};

/// Width and height of a chart, in SVG units.
const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 200.0;
/// Room for the axis labels.
const LEFT: f64 = 40.0;
const BOTTOM: f64 = 24.0;

/// One day's figures.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Day {
    /// Answers and fixes given.
    pub answers: usize,
    /// Answers marked *Solved* or *Fixed it*.
    pub solved: usize,
    /// Tickets opened.
    pub tickets: usize,
}

impl Day {
    /// Solved by the bot out of solved plus tickets, if either happened.
    pub fn deflection(&self) -> Option<f64> {
        let outcomes = self.solved + self.tickets;
        (outcomes > 0).then(|| self.solved as f64 / outcomes as f64)
    }
}

/// The last `days` days up to `now`, oldest first, each with its figures.
pub fn daily(
    answers: &[AnswerRecord],
    tickets: &[Ticket],
    now: DateTime<Utc>,
    days: i64,
) -> Vec<(NaiveDate, Day)> {
    let last = now.date_naive();
    let first = last - Duration::days(days - 1);
    let mut by_day: BTreeMap<NaiveDate, Day> = (0..days)
        .map(|i| (first + Duration::days(i), Day::default()))
        .collect();
    for a in answers {
        if let Some(day) = by_day.get_mut(&a.given_at.date_naive()) {
            day.answers += 1;
            if a.feedback.is_some_and(Feedback::is_solved) {
                day.solved += 1;
            }
        }
    }
    for t in tickets {
        if let Some(day) = by_day.get_mut(&t.opened_at.date_naive()) {
            day.tickets += 1;
        }
    }
    by_day.into_iter().collect()
}

/// Bars of `values` per day, with a title for screen readers.
pub fn bars(title: &str, days: &[(NaiveDate, usize)]) -> String {
    let max = days.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let mut svg = open(title);
    axis(&mut svg, &max.to_string(), "0");
    let slot = (WIDTH - LEFT) / days.len().max(1) as f64;
    for (i, (day, value)) in days.iter().enumerate() {
        let h = (HEIGHT - BOTTOM - 10.0) * *value as f64 / max as f64;
        let x = LEFT + slot * i as f64 + slot * 0.15;
        let y = HEIGHT - BOTTOM - h;
        let _ = write!(
            svg,
            r#"<rect class="bar" x="{x:.1}" y="{y:.1}" width="{:.1}" height="{h:.1}"><title>{}: {value}</title></rect>"#,
            slot * 0.7,
            escape(&day.to_string()),
        );
    }
    labels(
        &mut svg,
        days.iter().map(|(d, _)| *d).collect::<Vec<_>>().as_slice(),
    );
    svg.push_str("</svg>");
    svg
}

/// A line of shares (0 to 1) per day; days without a share leave a gap.
pub fn line(title: &str, days: &[(NaiveDate, Option<f64>)]) -> String {
    let mut svg = open(title);
    axis(&mut svg, "100%", "0%");
    let slot = (WIDTH - LEFT) / days.len().max(1) as f64;
    let mut path = String::new();
    let mut pen_down = false;
    for (i, (day, share)) in days.iter().enumerate() {
        let Some(share) = share else {
            pen_down = false;
            continue;
        };
        let x = LEFT + slot * i as f64 + slot / 2.0;
        let y = HEIGHT - BOTTOM - (HEIGHT - BOTTOM - 10.0) * share.clamp(0.0, 1.0);
        let _ = write!(path, "{}{x:.1},{y:.1} ", if pen_down { "L" } else { "M" });
        pen_down = true;
        let _ = write!(
            svg,
            r#"<circle class="dot" cx="{x:.1}" cy="{y:.1}" r="3"><title>{}: {:.0}%</title></circle>"#,
            escape(&day.to_string()),
            share * 100.0
        );
    }
    if !path.is_empty() {
        let _ = write!(svg, r#"<path class="line" d="{}"/>"#, path.trim_end());
    }
    labels(
        &mut svg,
        days.iter().map(|(d, _)| *d).collect::<Vec<_>>().as_slice(),
    );
    svg.push_str("</svg>");
    svg
}

/// The chart's opening tag: SVG inline in HTML, which needs no namespace.
fn open(title: &str) -> String {
    format!(
        r#"<svg class="chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}"><title>{}</title>"#,
        escape(title)
    )
}

fn axis(svg: &mut String, top: &str, bottom: &str) {
    let base = HEIGHT - BOTTOM;
    let _ = write!(
        svg,
        r#"<line class="axis" x1="{LEFT}" y1="{base}" x2="{WIDTH}" y2="{base}"/><text x="{}" y="14" text-anchor="end">{}</text><text x="{}" y="{base}" text-anchor="end">{}</text>"#,
        LEFT - 4.0,
        escape(top),
        LEFT - 4.0,
        escape(bottom),
    );
}

/// The first and last day under the axis.
fn labels(svg: &mut String, days: &[NaiveDate]) {
    if let (Some(first), Some(last)) = (days.first(), days.last()) {
        let _ = write!(
            svg,
            r#"<text x="{LEFT}" y="{HEIGHT}">{}</text><text x="{WIDTH}" y="{HEIGHT}" text-anchor="end">{}</text>"#,
            escape(&first.to_string()),
            escape(&last.to_string()),
        );
    }
}

/// `text` safe inside SVG markup.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn bars_are_as_tall_as_their_share_of_the_highest() {
        let svg = bars(
            "Answers <per> day",
            &[(day("2026-12-01"), 2), (day("2026-12-02"), 4)],
        );
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("<title>Answers &lt;per&gt; day</title>"));
        assert_eq!(svg.matches("<rect").count(), 2);
        // The highest bar fills the plot (200 - 24 - 10 = 166 units).
        assert!(svg.contains(r#"height="166.0""#), "{svg}");
        assert!(svg.contains(r#"height="83.0""#), "{svg}");
        assert!(svg.ends_with("</svg>"));
    }

    #[test]
    fn a_line_leaves_a_gap_where_a_day_has_no_share() {
        let svg = line(
            "Deflection",
            &[
                (day("2026-12-01"), Some(0.5)),
                (day("2026-12-02"), None),
                (day("2026-12-03"), Some(1.0)),
            ],
        );
        assert_eq!(svg.matches("<circle").count(), 2);
        let path = svg.split(r#"d=""#).nth(1).unwrap();
        assert_eq!(path.matches('M').count(), 2, "two pieces: {path}");
        assert!(svg.contains("50%"));
    }

    #[test]
    fn days_count_answers_solutions_and_tickets() {
        let now: DateTime<Utc> = "2026-12-05T12:00:00Z".parse().unwrap();
        let days = daily(&[], &[], now, 7);
        assert_eq!(days.len(), 7);
        assert_eq!(days[0].0, day("2026-11-29"));
        assert_eq!(days[6].0, day("2026-12-05"));
        assert_eq!(Day::default().deflection(), None);
        let d = Day {
            answers: 4,
            solved: 3,
            tickets: 1,
        };
        assert_eq!(d.deflection(), Some(0.75));
    }
}
