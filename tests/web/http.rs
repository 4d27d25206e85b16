//! The desk over HTTP: who gets in, what every page shows, what staff can
//! do there. (The same in a real browser: `browser.rs`.)

use frontline::adapters::web::StaffCheck;
use frontline::domain::{Route, UserId};
use frontline::engine::Person;
use frontline::store::{Scope, Store as _, TicketState, WebStaff};
use reqwest::StatusCode;
use reqwest::header::SET_COOKIE;

use crate::desk::{TestDesk, csrf_of, hidden, session_cookie};
use crate::support::Backend;

#[tokio::test]
async fn a_link_signs_in_once_with_a_strict_http_only_cookie() {
    let desk = TestDesk::start().await;
    desk.ticket("Una", "The printer on floor 2 prints nothing")
        .await;
    let link = desk.link("berta").await;
    assert!(link.starts_with(&format!("{}/login/", desk.url)), "{link}");

    // Opening the link (a preview would) does not use it.
    let path = link.trim_start_matches(&desk.url);
    let (status, page) = desk.get(path, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Sign in"), "{page}");

    let response = desk.use_link(&link).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let set = response.headers()[SET_COOKIE].to_str().unwrap().to_string();
    assert!(set.contains("HttpOnly"), "{set}");
    assert!(set.contains("SameSite=Strict"), "{set}");
    assert!(set.contains("Max-Age="), "{set}");
    assert!(!set.contains("Secure"), "plain http on loopback: {set}");
    let cookie = session_cookie(&response);

    let (status, page) = desk.get("/tickets", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("The printer on floor 2 prints nothing"),
        "{page}"
    );
    assert!(page.contains("berta"));

    let again = desk.use_link(&link).await;
    assert_eq!(again.status(), StatusCode::FORBIDDEN, "a link works once");
    assert!(again.headers().get(SET_COOKIE).is_none());
    desk.db.cleanup().await;
}

#[tokio::test]
async fn an_expired_link_a_forged_cookie_and_no_cookie_get_nothing() {
    let desk = TestDesk::start().await;
    desk.ticket("Una", "secret printer trouble").await;
    let staff = WebStaff {
        person: Person::new("console:berta", "berta"),
        guild: None,
    };
    let expired = desk.link_for(&staff, 0).await;
    let response = desk.use_link(&expired).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.text().await.unwrap().contains("expired"));

    for cookie in [
        None,
        Some("frontline_session=0123456789abcdef"),
        Some("other=1"),
    ] {
        for path in [
            "/tickets",
            "/tickets/1",
            "/search?q=printer",
            "/numbers",
            "/faq",
        ] {
            let (status, page) = desk.get(path, cookie).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{path} with {cookie:?}");
            assert!(!page.contains("secret printer"), "{path}: {page}");
        }
    }
    desk.db.cleanup().await;
}

#[tokio::test]
async fn a_post_without_the_csrf_token_changes_nothing() {
    let desk = TestDesk::start().await;
    let id = desk.ticket("Una", "VPN drops every hour").await;
    let cookie = desk.sign_in("berta").await;
    for form in [vec![], vec![("csrf", "forged")]] {
        let (status, _) = desk
            .post(&format!("/tickets/{id}/claim"), &cookie, &form)
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let t = desk.engine.queries().ticket(id).await.unwrap().unwrap();
    assert_eq!(t.state, TicketState::Open);
    // Signing out is a change too.
    let (status, _) = desk.post("/logout", &cookie, &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = desk.get("/tickets", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK, "still signed in");
    desk.db.cleanup().await;
}

#[tokio::test]
async fn staff_claim_note_and_resolve_and_exactly_one_gets_the_ticket() {
    let desk = TestDesk::start().await;
    let id = desk.ticket("Una", "Outlook shows no mail").await;
    let berta = desk.sign_in("berta").await;
    let carl = desk.sign_in("carl").await;
    let (_, page) = desk.get(&format!("/tickets/{id}"), Some(&berta)).await;
    let csrf = csrf_of(&page);

    let (status, page) = desk
        .post(&format!("/tickets/{id}/claim"), &berta, &[("csrf", &csrf)])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(r#"<td id="owner">berta</td>"#), "{page}");

    let (_, page) = desk.get(&format!("/tickets/{id}"), Some(&carl)).await;
    let carls = csrf_of(&page);
    assert_ne!(carls, csrf, "each session has its own token");
    let (_, page) = desk
        .post(&format!("/tickets/{id}/claim"), &carl, &[("csrf", &carls)])
        .await;
    let notice = page
        .split(r#"<div class="notice" id="notice">"#)
        .nth(1)
        .and_then(|rest| rest.split("</div>").next())
        .unwrap_or_else(|| panic!("a notice: {page}"));
    assert!(
        notice.contains("claimed by berta"),
        "carl is told who has it: {notice}"
    );
    let carls = Scope::Routes(vec![Route::User(UserId("console:carl".into())).key()]);
    assert_eq!(
        desk.db.store.pending_actions(&carls).await.unwrap(),
        0,
        "told on the page, not queued for another platform"
    );
    let t = desk.engine.queries().ticket(id).await.unwrap().unwrap();
    assert_eq!(t.claimed_by.map(|p| p.name).as_deref(), Some("berta"));

    // The same form sent twice (a double click, a retry) notes once.
    let (_, page) = desk.get(&format!("/tickets/{id}"), Some(&berta)).await;
    let nonce = hidden(&page, "nonce");
    for _ in 0..2 {
        let (_, page) = desk
            .post(
                &format!("/tickets/{id}/note"),
                &berta,
                &[
                    ("csrf", &csrf),
                    ("nonce", &nonce),
                    ("text", "Mailbox is over quota"),
                ],
            )
            .await;
        assert_eq!(page.matches("Mailbox is over quota").count(), 1, "{page}");
    }
    let (_, page) = desk
        .post(
            &format!("/tickets/{id}/resolve"),
            &berta,
            &[("csrf", &csrf), ("text", "Archived old mail")],
        )
        .await;
    assert!(page.contains("state-resolved"), "{page}");
    let t = desk.engine.queries().ticket(id).await.unwrap().unwrap();
    assert_eq!(t.state, TicketState::Resolved);
    assert_eq!(t.resolution.as_deref(), Some("Archived old mail"));

    let (_, list) = desk.get("/tickets?state=resolved", Some(&berta)).await;
    assert!(list.contains(&format!("/tickets/{id}")), "{list}");
    let (_, open) = desk.get("/tickets", Some(&berta)).await;
    assert!(!open.contains(&format!("/tickets/{id}\"")), "{open}");
    let (_, draft) = desk.get(&format!("/faq/draft/{id}"), Some(&berta)).await;
    assert!(
        draft.contains("Archived old mail"),
        "a fix drafted from it: {draft}"
    );
    desk.db.cleanup().await;
}

#[tokio::test]
async fn customer_text_shows_as_text_never_as_markup() {
    let desk = TestDesk::start().await;
    let id = desk
        .ticket(
            "<b>Mallory</b>",
            "<script>alert('x')</script> [click](javascript:alert(1)) Drucker",
        )
        .await;
    let cookie = desk.sign_in("berta").await;
    for path in [
        "/tickets".to_string(),
        format!("/tickets/{id}"),
        "/search?q=drucker".to_string(),
        "/faq".to_string(),
    ] {
        let (status, page) = desk.get(&path, Some(&cookie)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(!page.contains("<script"), "{path}: {page}");
        assert!(!page.contains("<b>Mallory"), "{path}: {page}");
        assert!(!page.contains("href=\"javascript"), "{path}: {page}");
    }
    let (_, page) = desk.get(&format!("/tickets/{id}"), Some(&cookie)).await;
    assert!(
        page.contains("alert("),
        "the words are there, as text: {page}"
    );
    desk.db.cleanup().await;
}

#[tokio::test]
async fn a_german_transcript_is_found_by_any_of_its_words() {
    let desk = TestDesk::start().await;
    let id = desk
        .ticket(
            "Jörg",
            "Der Drucker im zweiten Stock druckt nur leere Seiten",
        )
        .await;
    desk.ticket("Una", "The VPN disconnects").await;
    let cookie = desk.sign_in("berta").await;
    let (_, page) = desk.get("/search?q=DRUCKER+leere", Some(&cookie)).await;
    assert!(page.contains(&format!("/tickets/{id}")), "{page}");
    assert!(!page.contains("VPN disconnects"), "{page}");
    assert!(page.contains("1 conversation(s) found"), "{page}");
    desk.db.cleanup().await;
}

#[tokio::test]
async fn the_numbers_come_with_charts_drawn_on_the_server() {
    let desk = TestDesk::start().await;
    desk.ticket("Una", "Printer jam").await;
    let cookie = desk.sign_in("berta").await;
    let (status, page) = desk.get("/numbers", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page.matches("<svg").count(), 2, "{page}");
    assert!(page.contains("Answers per day"));
    assert!(
        page.contains("<td id=\"deflection\">0%</td>"),
        "one ticket, nothing solved: {page}"
    );
    let (_, faq) = desk.get("/faq", Some(&cookie)).await;
    assert!(faq.contains("Printer jam"), "the gap is listed: {faq}");
    assert!(faq.contains("Entries never chosen"));
    desk.db.cleanup().await;
}

#[tokio::test]
async fn pages_forbid_scripts_frames_and_caching() {
    let desk = TestDesk::start().await;
    let response = reqwest::get(format!("{}/tickets", desk.url)).await.unwrap();
    let headers = response.headers();
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(!csp.contains("script-src"), "no script runs: {csp}");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert_eq!(headers["x-frame-options"], "DENY");
    desk.db.cleanup().await;
}

#[tokio::test]
async fn a_discord_member_is_refused_when_their_staff_role_cannot_be_checked() {
    let desk = TestDesk::with_check(Backend::Sqlite, StaffCheck::terminal_only())
        .await
        .unwrap();
    let member = WebStaff {
        person: Person::new("discord:123456789012345678", "Bo"),
        guild: Some("987654321098765432".into()),
    };
    let link = desk.link_for(&member, 10).await;
    let cookie = session_cookie(&desk.use_link(&link).await);
    let (status, page) = desk.get("/tickets", Some(&cookie)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("Only support staff"), "{page}");
    desk.db.cleanup().await;
}

#[tokio::test]
async fn the_desk_reads_and_signs_in_on_postgres_too() {
    let Some(desk) = TestDesk::on(Backend::Postgres).await else {
        return;
    };
    let id = desk.ticket("Una", "Kennwort vergessen").await;
    let cookie = desk.sign_in("berta").await;
    let (status, page) = desk.get(&format!("/tickets/{id}"), Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Kennwort vergessen"));
    let (_, found) = desk.get("/search?q=kennwort", Some(&cookie)).await;
    assert!(found.contains(&format!("/tickets/{id}")), "{found}");
    // The list's reads on PostgreSQL: active, all, filtered.
    for (path, shown) in [
        ("/tickets", "1 of 1 shown"),
        ("/tickets?state=all", "1 of 1 shown"),
        ("/tickets?state=all&owner=nobody", "0 of 0 shown"),
        ("/tickets?state=resolved&tag=asked", "0 of 0 shown"),
    ] {
        let (status, page) = desk.get(path, Some(&cookie)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(page.contains(shown), "{path}: {page}");
    }
    desk.db.cleanup().await;
}

#[tokio::test]
async fn all_tickets_list_waiting_first_then_resolved_newest_first_and_filters_hold() {
    let desk = TestDesk::start().await;
    let alpha = desk.ticket("Una", "alpha printer").await;
    let bravo = desk.ticket("Ben", "bravo vpn").await;
    let charlie = desk.ticket("Cem", "charlie mail").await;
    let berta = desk.sign_in("berta").await;
    let carl = desk.sign_in("Carl").await;
    for (who, id) in [(&berta, alpha), (&carl, bravo)] {
        let (_, page) = desk.get(&format!("/tickets/{id}"), Some(who)).await;
        let csrf = csrf_of(&page);
        desk.post(&format!("/tickets/{id}/claim"), who, &[("csrf", &csrf)])
            .await;
        let (_, page) = desk
            .post(
                &format!("/tickets/{id}/resolve"),
                who,
                &[("csrf", &csrf), ("text", "done")],
            )
            .await;
        assert!(page.contains("state-resolved"), "{page}");
    }
    let position = |page: &str, id| page.find(&format!("/tickets/{id}\"")).unwrap();
    let (_, all) = desk.get("/tickets?state=all", Some(&berta)).await;
    assert!(all.contains("3 of 3 shown"), "{all}");
    assert!(
        position(&all, charlie) < position(&all, bravo),
        "waiting first: {all}"
    );
    assert!(
        position(&all, bravo) < position(&all, alpha),
        "newest resolved first"
    );

    let (_, carls) = desk
        .get("/tickets?state=resolved&owner=carl", Some(&berta))
        .await;
    assert!(carls.contains("1 of 1 shown"), "{carls}");
    assert!(carls.contains(&format!("/tickets/{bravo}\"")));
    let (_, asked) = desk.get("/tickets?state=all&tag=asked", Some(&berta)).await;
    assert!(
        asked.contains("3 of 3 shown"),
        "the reason is a tag: {asked}"
    );
    let (_, none) = desk
        .get("/tickets?state=all&tag=vollwartung", Some(&berta))
        .await;
    assert!(none.contains("0 of 0 shown"), "{none}");
    let (_, old) = desk
        .get("/tickets?state=all&older_than=2", Some(&berta))
        .await;
    assert!(old.contains("0 of 0 shown"), "all opened just now: {old}");
    desk.db.cleanup().await;
}

#[tokio::test]
async fn a_form_sent_from_another_site_is_refused_even_with_a_valid_link() {
    let desk = TestDesk::start().await;
    let link = desk.link("berta").await;
    let token = link.rsplit('/').next().unwrap();
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap()
        .post(format!("{}/login", desk.url))
        .header("sec-fetch-site", "cross-site")
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.headers().get(SET_COOKIE).is_none());
    // The link was not spent by the forged form.
    assert_eq!(desk.use_link(&link).await.status(), StatusCode::SEE_OTHER);
    desk.db.cleanup().await;
}

#[tokio::test]
async fn signing_out_ends_the_session_everywhere() {
    let desk = TestDesk::start().await;
    let cookie = desk.sign_in("berta").await;
    let (_, page) = desk.get("/tickets", Some(&cookie)).await;
    let csrf = csrf_of(&page);
    let (status, page) = desk.post("/logout", &cookie, &[("csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("signed out"), "{page}");
    let (status, _) = desk.get("/tickets", Some(&cookie)).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the old cookie is worth nothing"
    );
    desk.db.cleanup().await;
}

#[tokio::test]
async fn a_long_list_comes_in_pages_that_keep_the_filters() {
    let desk = TestDesk::start().await;
    for n in 0..202 {
        desk.ticket(&format!("Customer {n}"), &format!("printer {n} jams"))
            .await;
    }
    let cookie = desk.sign_in("berta").await;
    let (_, first) = desk.get("/tickets?state=open", Some(&cookie)).await;
    assert!(first.contains("200 of 202 shown"), "{first}");
    assert!(!first.contains(r#"id="previous""#));
    let next = hidden_href(&first, "next");
    assert_eq!(next, "/tickets?state=open&page=2");
    let (_, second) = desk.get(&next, Some(&cookie)).await;
    assert!(second.contains("2 of 202 shown (page 2)"), "{second}");
    assert!(!second.contains(r#"id="next""#));
    assert_eq!(hidden_href(&second, "previous"), "/tickets?state=open");
    // Waiting longest first: the last two opened are on the second page.
    assert!(first.contains("printer 0 jams"), "{first}");
    assert!(
        second.contains("printer 200 jams") && second.contains("printer 201 jams"),
        "{second}"
    );
    desk.db.cleanup().await;
}

/// The address of the link with `id` (as the page writes it, `&` escaped).
fn hidden_href(page: &str, id: &str) -> String {
    let field = format!(r#"id="{id}" href=""#);
    let at = page
        .find(&field)
        .unwrap_or_else(|| panic!("no {id} link in {page}"));
    let rest = &page[at + field.len()..];
    rest[..rest.find('"').unwrap()]
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}
