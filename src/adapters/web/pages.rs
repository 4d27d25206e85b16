//! The desk's pages and forms. Each handler checks the session first
//! ([`Desk::signed_in`]); a form that changes anything also checks its
//! CSRF token. Every string reaches the page through an askama template,
//! which escapes it.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use chrono::Utc;
use serde::Deserialize;

use super::Desk;
use super::auth;
use super::charts;
use super::views::{Line, TicketFilter, TicketRow, shorten, stamp};
use crate::domain::{
    Action, Inbound, SourceKey, StaffCommand, Ticket, TicketId, TicketState, due_at, due_order,
};
use crate::maintain::draft_fix::DraftError;
use crate::maintain::{gaps, stats};
use crate::store::{Listed, StoreError, WebSession};

/// How many tickets one list page shows.
const PAGE: usize = 200;
/// How many conversations a search shows.
const FOUND: usize = 50;
/// How many days the charts cover.
const DAYS: i64 = 30;

/// A page that could not be served, as the person reads it.
pub struct Refused {
    status: StatusCode,
    title: &'static str,
    text: String,
}

impl Refused {
    fn new(status: StatusCode, title: &'static str, text: impl Into<String>) -> Self {
        Refused {
            status,
            title,
            text: text.into(),
        }
    }

    fn signed_out() -> Self {
        Refused::new(
            StatusCode::UNAUTHORIZED,
            "Sign in first",
            "The desk is for support staff. Ask for a sign-in link with /web on Discord, or run `frontline web-login NAME` on the bot's machine.",
        )
    }
}

impl From<StoreError> for Refused {
    fn from(e: StoreError) -> Self {
        if e.is_unavailable() {
            tracing::warn!(error = %e, "the desk could not reach the database");
            return Refused::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "Try again in a minute",
                "The database cannot be reached just now.",
            );
        }
        tracing::error!(error = %e, "the desk failed to read the database");
        Refused::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong",
            "The desk could not read this from the database; the error is in the log.",
        )
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        let page = Message {
            title: self.title,
            text: self.text,
            token: None,
        };
        (self.status, render(&page)).into_response()
    }
}

/// A page or what refused it.
type Page = Result<Response, Refused>;

fn render(page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "rendering a desk page");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "web/message.html")]
struct Message {
    title: &'static str,
    text: String,
    token: Option<String>,
}

impl Desk {
    /// The session of this request, if it is signed in and its person is
    /// still staff.
    async fn signed_in(&self, jar: &CookieJar) -> Result<WebSession, Refused> {
        let name = auth::cookie_name(self.settings.secure());
        let id = jar.get(name).map(|c| c.value()).unwrap_or_default();
        if id.is_empty() {
            return Err(Refused::signed_out());
        }
        let session = self
            .store
            .web_session(&auth::digest(id), Utc::now())
            .await?
            .ok_or_else(Refused::signed_out)?;
        if !self.staff.allows(&session.staff).await {
            return Err(Refused::new(
                StatusCode::FORBIDDEN,
                "Staff only",
                "Only support staff can use the desk.",
            ));
        }
        Ok(session)
    }
}

/// `/`: the tickets.
pub async fn home() -> Redirect {
    Redirect::to("/tickets")
}

/// Anything else.
pub async fn not_found() -> Refused {
    Refused::new(StatusCode::NOT_FOUND, "Not here", "There is no such page.")
}

/// The page a sign-in link opens: one button that uses it. Opening the link
/// does not use it, so a link preview cannot spend it.
pub async fn login_page(Path(token): Path<String>) -> Response {
    let page = Message {
        title: "Sign in to the frontline desk",
        text: "This link works once and for a few minutes.".into(),
        token: Some(token),
    };
    render(&page)
}

#[derive(Deserialize)]
pub struct LoginForm {
    token: String,
}

/// Uses a sign-in link and starts a session.
pub async fn login(
    State(desk): State<Arc<Desk>>,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Result<(CookieJar, Redirect), Refused> {
    let now = Utc::now();
    match auth::sign_in(&desk.store, &form.token, desk.settings.session_hours, now).await? {
        Some((id, session)) => {
            let cookie = auth::session_cookie(id, session.expires_at, now, desk.settings.secure());
            Ok((jar.add(cookie), Redirect::to("/tickets")))
        }
        None => Err(Refused::new(
            StatusCode::FORBIDDEN,
            "This link cannot be used",
            "It has expired or was used already. Ask for a new one with /web on Discord, or `frontline web-login NAME` on the bot's machine.",
        )),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// Ends the session.
pub async fn logout(
    State(desk): State<Arc<Desk>>,
    jar: CookieJar,
    Form(form): Form<CsrfForm>,
) -> Result<(CookieJar, Response), Refused> {
    // No staff check: someone who lost the role can still sign out.
    let id = jar
        .get(auth::cookie_name(desk.settings.secure()))
        .map(|c| c.value().to_string())
        .unwrap_or_default();
    let session = match id.is_empty() {
        true => None,
        false => {
            desk.store
                .web_session(&auth::digest(&id), Utc::now())
                .await?
        }
    };
    if let Some(session) = session {
        check_csrf(&session, &form.csrf)?;
        desk.store.end_web_session(&auth::digest(&id)).await?;
    }
    let page = Message {
        title: "Signed out",
        text: "You are signed out of the desk.".into(),
        token: None,
    };
    Ok((
        jar.add(auth::removal_cookie(desk.settings.secure())),
        render(&page),
    ))
}

fn check_csrf(session: &WebSession, sent: &str) -> Result<(), Refused> {
    if auth::same_secret(&session.csrf, sent) {
        Ok(())
    } else {
        Err(Refused::new(
            StatusCode::FORBIDDEN,
            "Not sent from the desk",
            "This form did not come from a page of the desk; open the page again and retry.",
        ))
    }
}

#[derive(Template)]
#[template(path = "web/tickets.html")]
struct TicketsPage {
    me: String,
    csrf: String,
    filter: TicketFilter,
    states: Vec<(&'static str, &'static str, bool)>,
    rows: Vec<TicketRow>,
    shown: usize,
    total: usize,
    page: usize,
    previous: Option<String>,
    next: Option<String>,
}

/// The tickets, filtered, in the order they are due.
pub async fn tickets(
    State(desk): State<Arc<Desk>>,
    jar: CookieJar,
    Query(filter): Query<TicketFilter>,
) -> Page {
    let session = desk.signed_in(&jar).await?;
    let now = Utc::now();
    let default = desk.engine.settings().default_response();
    let (states, resolved) = filter.states();
    let before = filter.opened_before(now);
    let keep = |l: &Listed| filter.keeps_parts(l.owner.as_deref(), l.contract.as_ref(), l.reason);
    // Sorted and filtered on a few columns; only the page's tickets are
    // read whole.
    let mut active: Vec<Listed> = desk.store.list_tickets(&states, before).await?;
    active.retain(keep);
    active.sort_by_key(|l| {
        let since = l.waiting_since.unwrap_or(now);
        let due = due_at(since, l.contract.as_ref(), default);
        due_order(l.state, due, l.id)
    });
    let page = filter.page();
    let start = (page - 1) * PAGE;
    let mut total = active.len();
    let mut ids: Vec<TicketId> = active.iter().skip(start).take(PAGE).map(|l| l.id).collect();
    let room = PAGE - ids.len();
    // Resolved tickets follow the active ones, page after page.
    let skip = start.saturating_sub(active.len());
    if resolved && filter.is_plain() {
        let (newest, count) = desk.store.newest_resolved(room, skip).await?;
        total += count;
        ids.extend(newest);
    } else if resolved {
        let mut done = desk
            .store
            .list_tickets(&[TicketState::Resolved], before)
            .await?;
        done.retain(keep);
        total += done.len();
        ids.extend(done.iter().skip(skip).take(room).map(|l| l.id));
    }
    let mut read: std::collections::HashMap<TicketId, Ticket> = desk
        .store
        .tickets_by_id(&ids)
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    let shown: Vec<Ticket> = ids.iter().filter_map(|id| read.remove(id)).collect();
    let rows: Vec<TicketRow> = shown
        .iter()
        .map(|t| TicketRow::of(t, now, default))
        .collect();
    let page = TicketsPage {
        me: session.staff.person.name,
        csrf: session.csrf,
        states: [
            ("", "open and claimed"),
            ("open", "open"),
            ("claimed", "claimed"),
            ("resolved", "resolved"),
            ("all", "all"),
        ]
        .into_iter()
        .map(|(value, label)| (value, label, value == filter.state))
        .collect(),
        shown: rows.len(),
        page,
        previous: (page > 1).then(|| filter.href(page - 1)),
        next: (start + rows.len() < total).then(|| filter.href(page + 1)),
        total,
        rows,
        filter,
    };
    Ok(render(&page))
}

/// An answer as the ticket page shows it.
struct AnswerView {
    at: String,
    entry_id: String,
    title: String,
    kind: String,
    score: String,
    via: String,
    feedback: String,
}

#[derive(Template)]
#[template(path = "web/ticket.html")]
struct TicketPage {
    me: String,
    csrf: String,
    notice: Option<String>,
    nonce: String,
    id: i64,
    state: &'static str,
    customer: String,
    reason: &'static str,
    opened: String,
    due: String,
    owner: String,
    contract: String,
    details: Vec<(&'static str, String)>,
    resolution: String,
    rating: String,
    answers: Vec<AnswerView>,
    lines: Vec<Line>,
}

/// One ticket with its transcript.
pub async fn ticket(
    State(desk): State<Arc<Desk>>,
    jar: CookieJar,
    Path(id): Path<i64>,
) -> Result<(CookieJar, Response), Refused> {
    let session = desk.signed_in(&jar).await?;
    // What the engine told after the form that led here (see `act`).
    let notice = jar
        .get(NOTICE)
        .and_then(|c| auth::unhex(c.value()))
        .filter(|n| !n.is_empty());
    let page = ticket_page(&desk, session, TicketId(id), notice).await?;
    let secure = desk.settings.secure();
    Ok((
        jar.add(auth::flash(NOTICE, "", &ticket_path(id), 0, secure)),
        page,
    ))
}

/// The cookie that carries what the engine told a member of staff from a
/// form to the page the form leads back to.
const NOTICE: &str = "frontline_notice";

fn ticket_path(id: i64) -> String {
    format!("/tickets/{id}")
}

async fn ticket_page(
    desk: &Desk,
    session: WebSession,
    id: TicketId,
    notice: Option<String>,
) -> Page {
    let queries = desk.engine.queries();
    let Some(t) = queries.ticket(id).await? else {
        return Err(Refused::new(
            StatusCode::NOT_FOUND,
            "No such ticket",
            format!("There is no ticket #{id}."),
        ));
    };
    let events = queries.events(t.conversation).await?;
    let answers = desk.store.answers_in(t.conversation).await?;
    let default = desk.engine.settings().default_response();
    let page = TicketPage {
        me: session.staff.person.name,
        csrf: session.csrf,
        notice,
        nonce: auth::secret(),
        id: t.id.0,
        state: t.state.as_str(),
        customer: t.customer.name.clone(),
        reason: super::views::reason(t.reason),
        opened: stamp(t.opened_at),
        due: match t.state {
            TicketState::Resolved => String::new(),
            _ => stamp(t.due_at(default)),
        },
        owner: t
            .claimed_by
            .as_ref()
            .map(|p| p.name.clone())
            .unwrap_or_default(),
        contract: t.contract.as_ref().map(|c| c.summary()).unwrap_or_default(),
        details: t
            .details
            .iter()
            .map(|d| (d.need.label(crate::knowledge::Lang::En), d.value.clone()))
            .collect(),
        resolution: t.resolution.clone().unwrap_or_default(),
        rating: t.rating.map(|r| format!("{r} of 5")).unwrap_or_default(),
        answers: answers
            .into_iter()
            .map(|a| AnswerView {
                at: stamp(a.given_at),
                entry_id: a.entry_id,
                title: a.title,
                kind: a.kind,
                score: format!("{:.2}", a.confidence),
                via: a.via,
                feedback: a
                    .feedback
                    .map(|f| f.as_str().to_string())
                    .unwrap_or_default(),
            })
            .collect(),
        lines: events.iter().map(Line::of).collect(),
    };
    Ok(render(&page))
}

#[derive(Deserialize)]
pub struct ActForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    nonce: String,
    #[serde(default)]
    text: String,
}

/// Claim, note or resolve: an event for the engine. What the engine tells
/// the member of staff (already claimed by someone else, …) shows on the
/// ticket's page.
pub async fn act(
    State(desk): State<Arc<Desk>>,
    jar: CookieJar,
    Path((id, action)): Path<(i64, String)>,
    Form(form): Form<ActForm>,
) -> Result<(CookieJar, Redirect), Refused> {
    let session = desk.signed_in(&jar).await?;
    check_csrf(&session, &form.csrf)?;
    let text = form.text.trim().to_string();
    let command = match (action.as_str(), text.is_empty()) {
        ("claim", _) => Some(StaffCommand::Claim),
        ("note", false) => Some(StaffCommand::Note { text }),
        ("resolve", false) => Some(StaffCommand::Resolve { note: text }),
        ("note" | "resolve", true) => None,
        _ => return Err(not_found().await),
    };
    let notice = match command {
        Some(command) => act_on(&desk, &session, TicketId(id), command, &form.nonce, &action).await,
        None => "Write the text first.".to_string(),
    };
    // Back to the ticket's page (reloading it sends nothing again), with
    // what the engine said.
    let secure = desk.settings.secure();
    let flash = auth::flash(
        NOTICE,
        &auth::hex(notice.as_bytes()),
        &ticket_path(id),
        60,
        secure,
    );
    Ok((jar.add(flash), Redirect::to(&ticket_path(id))))
}

/// Hands a staff command to the engine: what it told the member of staff.
/// The form's nonce keys the event, so a form sent twice acts once.
async fn act_on(
    desk: &Desk,
    session: &WebSession,
    ticket: TicketId,
    command: StaffCommand,
    nonce: &str,
    action: &str,
) -> String {
    let nonce = match nonce.len() == 64 && nonce.chars().all(|c| c.is_ascii_hexdigit()) {
        true => format!("{nonce}-{action}"),
        false => auth::secret(),
    };
    let me = session.staff.person.clone();
    let event = Inbound::Staff {
        source: SourceKey::new(SourceKey::WEB, nonce),
        ticket,
        staff: me.clone(),
        command,
    };
    match desk.engine.handle(&event, Utc::now()).await {
        Ok(actions) => {
            let told: Vec<&str> = actions
                .iter()
                .filter_map(|a| match a {
                    Action::Ephemeral { user, text } if *user == me.id => Some(text.as_str()),
                    _ => None,
                })
                .collect();
            if told.is_empty() {
                done(action).to_string()
            } else {
                told.join("\n")
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "the engine failed to handle a desk action");
            "That could not be done just now; please try again.".to_string()
        }
    }
}

/// What a member of staff reads after `action` went through.
fn done(action: &str) -> &'static str {
    match action {
        "claim" => "Claimed: the ticket is yours.",
        "note" => "The note is in the log.",
        _ => "Resolved: the customer is asked to rate the help.",
    }
}

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

struct FoundView {
    ticket: Option<i64>,
    at: String,
    text: String,
}

#[derive(Template)]
#[template(path = "web/search.html")]
struct SearchPage {
    me: String,
    csrf: String,
    q: String,
    found: Vec<FoundView>,
    capped: bool,
}

/// Transcripts holding every word of the query.
pub async fn search(
    State(desk): State<Arc<Desk>>,
    jar: CookieJar,
    Query(query): Query<SearchQuery>,
) -> Page {
    let session = desk.signed_in(&jar).await?;
    let words: Vec<String> = query
        .q
        .split_whitespace()
        .take(8)
        .map(str::to_string)
        .collect();
    let found = desk.store.search_transcripts(&words, FOUND).await?;
    let page = SearchPage {
        me: session.staff.person.name,
        csrf: session.csrf,
        q: query.q,
        capped: found.len() >= FOUND,
        found: found
            .into_iter()
            .map(|f| FoundView {
                ticket: f.ticket.map(|t| t.0),
                at: stamp(f.at),
                text: shorten(&f.text, 200),
            })
            .collect(),
    };
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "web/numbers.html")]
struct NumbersPage {
    me: String,
    csrf: String,
    answers: usize,
    solved: usize,
    tickets: usize,
    deflection: String,
    to_claim: String,
    to_resolve: String,
    rating: String,
    days: i64,
    answers_chart: String,
    deflection_chart: String,
    not_what_i_asked: Vec<(String, String, usize)>,
}

/// Deflection, answers per day, *Not what I asked*, time to claim and resolve.
pub async fn numbers(State(desk): State<Arc<Desk>>, jar: CookieJar) -> Page {
    let session = desk.signed_in(&jar).await?;
    let queries = desk.engine.queries();
    let answers = queries.answers().await?;
    let tickets = queries.tickets(&[]).await?;
    let s = stats::compute(&answers, &tickets);
    let days = charts::daily(&answers, &tickets, Utc::now(), DAYS);
    let span = |d: Option<chrono::Duration>| d.map(super::views::ago).unwrap_or_else(|| "–".into());
    let page = NumbersPage {
        me: session.staff.person.name,
        csrf: session.csrf,
        answers: s.answers,
        solved: s.solved_by_bot,
        tickets: s.tickets,
        deflection: s
            .deflection_rate
            .map(|r| format!("{:.0}%", r * 100.0))
            .unwrap_or_else(|| "–".into()),
        to_claim: span(s.median_time_to_claim),
        to_resolve: span(s.median_time_to_resolve),
        rating: s
            .rating
            .map(|(mean, n)| format!("{mean:.1} of 5 ({n} rated)"))
            .unwrap_or_else(|| "–".into()),
        days: DAYS,
        answers_chart: charts::bars(
            "Answers per day",
            &days
                .iter()
                .map(|(d, f)| (*d, f.answers))
                .collect::<Vec<_>>(),
        ),
        deflection_chart: charts::line(
            "Deflection per day",
            &days
                .iter()
                .map(|(d, f)| (*d, f.deflection()))
                .collect::<Vec<_>>(),
        ),
        not_what_i_asked: s.not_what_i_asked,
    };
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "web/faq.html")]
struct FaqPage {
    me: String,
    csrf: String,
    gaps: Vec<(String, usize, String)>,
    never: Vec<(String, String)>,
    confusable: Vec<(String, String, usize)>,
    resolved: Vec<(i64, String)>,
}

/// What the FAQ lacks, entries never chosen, confusable entries, drafts.
pub async fn faq(State(desk): State<Arc<Desk>>, jar: CookieJar) -> Page {
    let session = desk.signed_in(&jar).await?;
    let queries = desk.engine.queries();
    let answers = queries.answers().await?;
    let tickets = queries.tickets(&[]).await?;
    let groups = gaps::group(
        gaps::unanswered(&answers, &tickets),
        gaps::DEFAULT_SIMILARITY,
        desk.default_lang,
    );
    let brain = desk.brain.get();
    let knowledge = brain.knowledge();
    let chosen: std::collections::HashSet<&str> =
        answers.iter().map(|a| a.entry_id.as_str()).collect();
    let place = |id: &str| {
        knowledge
            .entries()
            .iter()
            .find(|e| e.id == id)
            .map(|e| {
                format!(
                    "{} ({}:{})",
                    e.title,
                    e.origin.path.display(),
                    e.origin.line
                )
            })
            .unwrap_or_else(|| id.to_string())
    };
    let mut resolved: Vec<(i64, String)> = tickets
        .iter()
        .filter(|t| t.state == TicketState::Resolved)
        .map(|t| (t.id.0, shorten(t.question(), 90)))
        .collect();
    resolved.sort_by_key(|r| std::cmp::Reverse(r.0));
    resolved.truncate(20);
    let page = FaqPage {
        me: session.staff.person.name,
        csrf: session.csrf,
        gaps: groups
            .iter()
            .take(20)
            .filter_map(|g| {
                let first = g.questions.first()?;
                let others = g
                    .questions
                    .iter()
                    .skip(1)
                    .take(3)
                    .map(|q| shorten(&q.text, 60))
                    .collect::<Vec<_>>()
                    .join(" · ");
                Some((shorten(&first.text, 120), g.questions.len(), others))
            })
            .collect(),
        never: knowledge
            .entries()
            .iter()
            .filter(|e| !chosen.contains(e.id.as_str()))
            .map(|e| {
                (
                    e.title.clone(),
                    format!("{}:{}", e.origin.path.display(), e.origin.line),
                )
            })
            .collect(),
        confusable: brain
            .calibration()
            .confusable
            .iter()
            .map(|c| (place(&c.a), place(&c.b), c.count))
            .collect(),
        resolved,
    };
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "web/draft.html")]
struct DraftPage {
    me: String,
    csrf: String,
    id: i64,
    path: Option<String>,
    text: String,
}

/// A documented fix drafted from a resolved ticket, ready to copy.
pub async fn draft(State(desk): State<Arc<Desk>>, jar: CookieJar, Path(id): Path<i64>) -> Page {
    let session = desk.signed_in(&jar).await?;
    let (path, text) = match desk
        .engine
        .queries()
        .draft_fix(TicketId(id), desk.default_lang)
        .await
    {
        Ok(d) => (Some(d.path.display().to_string()), d.markdown),
        Err(DraftError::Store(e)) => return Err(e.into()),
        Err(e) => (None, e.to_string()),
    };
    let page = DraftPage {
        me: session.staff.person.name,
        csrf: session.csrf,
        id,
        path,
        text,
    };
    Ok(render(&page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_text_is_escaped_in_every_page() {
        let page = Message {
            title: "t",
            text: "<script>alert(1)</script>".into(),
            token: Some("\"><img src=x>".into()),
        };
        let html = page.render().unwrap();
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(
            html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"),
            "{html}"
        );
        assert!(!html.contains("\"><img"), "{html}");
    }
}
