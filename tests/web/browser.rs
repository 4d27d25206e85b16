//! The desk in a real headless browser: Debian's chromium driven through
//! chromedriver (WebDriver). Staff sign in with a link, list the tickets,
//! open one with its transcript, claim it, search a German transcript and
//! see a chart; a customer's `<script>` stays text; a form without its CSRF
//! token, a second use of the link, an expired link and a forged cookie are
//! refused. Screenshots of the main
//! pages go to `target/screenshots/` (the README's comes from there).
//!
//! Without chromium and chromedriver the scenario is skipped, unless
//! `CI=true` (`.ci/run` installs them).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use frontline::engine::Person;
use frontline::store::WebStaff;

use crate::desk::TestDesk;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// chromedriver on a free loopback port, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn driver() -> Option<Driver> {
    if !Path::new(CHROMEDRIVER).exists() || !Path::new(CHROMIUM).exists() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true: chromium and chromium-driver must be installed (.ci/run installs them)"
        );
        eprintln!("skipping: chromium or chromedriver is not installed");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    Some(Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    })
}

async fn browser(driver: &Driver) -> Client {
    let capabilities = json!({
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--window-size=1280,900",
                     "--no-proxy-server"]
        }
    });
    let serde_json::Value::Object(capabilities) = capabilities else {
        unreachable!()
    };
    // The driver is on loopback: plain HTTP, no TLS.
    let mut builder = ClientBuilder::new(HttpConnector::new());
    builder.capabilities(capabilities);
    // chromedriver takes a moment to listen.
    for _ in 0..100 {
        if let Ok(client) = builder.connect(&driver.url).await {
            return client;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not answer at {}", driver.url);
}

fn screenshots() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn shoot(client: &Client, name: &str) {
    let png = client.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    std::fs::write(screenshots().join(format!("{name}.png")), png).unwrap();
}

async fn text_of(client: &Client, css: &str) -> String {
    client
        .wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The text of `css` once it holds `needle` (a click's page may still be
/// loading); panics with the last text after a few seconds.
async fn text_with(client: &Client, css: &str, needle: &str) -> String {
    let mut last = String::new();
    for _ in 0..50 {
        let text = match client.find(Locator::Css(css)).await {
            Ok(element) => element.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if text.contains(needle) {
            return text;
        }
        last = text;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css} never held {needle:?}; last: {last}");
}

async fn click(client: &Client, id: &str) {
    client
        .find(Locator::Id(id))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

#[tokio::test]
async fn staff_sign_in_read_claim_and_search_in_a_real_browser() {
    let Some(driver) = driver() else {
        return;
    };
    let desk = TestDesk::start().await;
    let printer = desk
        .ticket(
            "Jörg",
            "Der Drucker im zweiten Stock druckt nur leere Seiten",
        )
        .await;
    let hostile = desk
        .ticket(
            "Mallory",
            "<script>document.title='pwned'</script> VPN is down",
        )
        .await;
    let outlook = desk
        .ticket("Una", "Outlook shows no new mail since this morning")
        .await;
    let client = browser(&driver).await;

    // Sign in with a link: the page's button uses it.
    let link = desk.link("berta").await;
    client.goto(&link).await.unwrap();
    client
        .find(Locator::Id("sign-in"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let list = text_with(&client, "#tickets", "Der Drucker im zweiten Stock").await;
    let url = client.current_url().await.unwrap();
    assert_eq!(url.path(), "/tickets");
    assert!(list.contains("Outlook shows no new mail"), "{list}");
    shoot(&client, "tickets").await;

    // A customer's script is text, not code.
    client
        .goto(&format!("{}/tickets/{hostile}", desk.url))
        .await
        .unwrap();
    assert_ne!(client.title().await.unwrap(), "pwned");
    let transcript = text_of(&client, "#transcript").await;
    assert!(
        transcript.contains("<script>document.title='pwned'</script>"),
        "{transcript}"
    );

    // One ticket with its transcript; claim it.
    client
        .goto(&format!("{}/tickets/{printer}", desk.url))
        .await
        .unwrap();
    let transcript = text_of(&client, "#transcript").await;
    assert!(
        transcript.contains("druckt nur leere Seiten"),
        "{transcript}"
    );
    client
        .find(Locator::Id("claim"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    text_with(&client, "#owner", "berta").await;
    shoot(&client, "ticket").await;
    let claimed = desk
        .engine
        .queries()
        .ticket(printer)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claimed.claimed_by.map(|p| p.name).as_deref(), Some("berta"));

    // Search a German transcript.
    client.goto(&format!("{}/search", desk.url)).await.unwrap();
    client
        .find(Locator::Css("input[name=q]"))
        .await
        .unwrap()
        .send_keys("leere Seiten")
        .await
        .unwrap();
    client
        .find(Locator::Id("search"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let results = text_with(&client, "#results", &format!("#{printer}")).await;
    assert!(!results.contains("Outlook"), "{results}");

    // The numbers, with a chart.
    client.goto(&format!("{}/numbers", desk.url)).await.unwrap();
    let charts = client.find_all(Locator::Css("figure svg")).await.unwrap();
    assert_eq!(charts.len(), 2);
    shoot(&client, "numbers").await;

    // A form whose CSRF token was taken out is refused, and changes nothing.
    client
        .goto(&format!("{}/tickets/{outlook}", desk.url))
        .await
        .unwrap();
    client
        .execute(
            "document.querySelectorAll('input[name=csrf]').forEach(i => i.value = '')",
            vec![],
        )
        .await
        .unwrap();
    click(&client, "claim").await;
    text_with(&client, "body", "did not come from a page of the desk").await;
    let open = desk
        .engine
        .queries()
        .ticket(outlook)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(open.claimed_by, None);

    // The link worked once: a second use is refused; so is an expired one.
    client.goto(&link).await.unwrap();
    click(&client, "sign-in").await;
    text_with(&client, "body", "cannot be used").await;
    let staff = WebStaff {
        person: Person::new("console:carl", "carl"),
        guild: None,
    };
    let expired = desk.link_for(&staff, 0).await;
    client.goto(&expired).await.unwrap();
    click(&client, "sign-in").await;
    text_with(&client, "body", "expired").await;

    // A forged session cookie gets nothing.
    client.delete_all_cookies().await.unwrap();
    let forged = cookie::Cookie::build(("frontline_session", "f".repeat(64)))
        .path("/")
        .domain("127.0.0.1")
        .same_site(cookie::SameSite::Lax)
        .build();
    client.add_cookie(forged).await.unwrap();
    client.goto(&format!("{}/tickets", desk.url)).await.unwrap();
    let body = text_with(&client, "body", "Sign in first").await;
    assert!(!body.contains("Outlook"), "{body}");

    client.close().await.unwrap();
    desk.db.cleanup().await;
}
