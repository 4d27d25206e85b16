//! `frontline run` as a process, pointed at the fake Discord: it checks its
//! settings before connecting, connects, answers a question, and serves
//! `/healthz` and `/metrics` on its local port; killed with SIGKILL in the
//! middle of a rush of questions and started again, it answers each of them
//! exactly once.

use std::path::Path;
use std::process::Stdio;

use std::process::{Child, Command};

use crate::fake::FakeDiscord;
use crate::fake::world::User;
use crate::frontline::{eventually, faq_dir, id};

fn config(fake: &FakeDiscord, dir: &Path, metrics_port: u16) -> String {
    config_catching_up(fake, dir, metrics_port, 0)
}

/// [`config`], catching up on `hours` of missed messages at each READY.
fn config_catching_up(fake: &FakeDiscord, dir: &Path, metrics_port: u16, hours: u64) -> String {
    let w = fake.world();
    format!(
        r#"faq_dir = "{faq}"
database_url = "sqlite://{db}?mode=rwc"

[thresholds]
answer = 0.42
margin = 0.1
suggest = 0.25
fix_text = 0.6
other_language = 0.8

[discord]
api_base_url = "{url}"
support_channels = [{support}]
forum_channels = [{forum}]
dms = true
staff_channel = {staff}
staff_role = {role}
catch_up_hours = {hours}

[run]
metrics_addr = "127.0.0.1:{metrics_port}"
poll_ms = 20
"#,
        faq = faq_dir().display(),
        db = dir.join("frontline.db").display(),
        url = fake.url(),
        support = w.support.id,
        forum = w.forum.id,
        staff = w.staff_channel.id,
        role = w.staff_role,
        hours = hours,
    )
}

fn frontline(dir: &Path, token: Option<&str>) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_frontline"));
    cmd.arg("run")
        .env("FRONTLINE_CONFIG", dir.join("frontline.toml"))
        .env_remove("DATABASE_URL")
        // Lexical, nothing fetched.
        .env("FRONTLINE_MODEL_DIR", "")
        .env("FRONTLINE_MULTILINGUAL_DIR", "")
        .env("FRONTLINE_MODELS__FETCH", "false")
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    match token {
        Some(t) => cmd.env("DISCORD_TOKEN", t),
        None => cmd.env_remove("DISCORD_TOKEN"),
    };
    cmd
}

/// A child process killed when the test ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn frontline_run_without_a_token_says_so_and_does_not_connect() {
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("frontline.toml"),
        config(&fake, dir.path(), free_port()),
    )
    .unwrap();
    let mut cmd = frontline(dir.path(), None);
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("DISCORD_TOKEN is not set"), "{stderr}");
    assert!(
        fake.matching("GET /gateway").is_empty(),
        "nothing connected"
    );
}

#[tokio::test]
async fn frontline_run_answers_a_question_on_the_fake_discord_and_reports_healthy() {
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    std::fs::write(
        dir.path().join("frontline.toml"),
        config(&fake, dir.path(), port),
    )
    .unwrap();
    let mut cmd = frontline(dir.path(), Some("fake-token"));
    cmd.stdout(Stdio::null()).stderr(Stdio::null());
    let _child = Killed(cmd.spawn().unwrap());
    fake.next_call("DISPATCH /READY").await;
    fake.next_call("PUT /applications/*/commands").await;

    let w = fake.world().clone();
    let m = id(&fake.says(w.support.id, w.alice(), "I forgot my password"));
    let answer = fake
        .next_call(&format!("POST /channels/{m}/messages"))
        .await;
    assert!(
        answer.body["embeds"][0]["footer"]["text"]
            .as_str()
            .unwrap()
            .contains("en/password-reset"),
        "{}",
        answer.body
    );

    let health = reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let metrics = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("answer"), "{metrics}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_bot_killed_under_load_answers_every_question_exactly_once_after_restarting() {
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    std::fs::write(
        dir.path().join("frontline.toml"),
        config_catching_up(&fake, dir.path(), port, 24),
    )
    .unwrap();
    let start = || {
        let mut cmd = frontline(dir.path(), Some("fake-token"));
        cmd.stdout(Stdio::null()).stderr(Stdio::null());
        Killed(cmd.spawn().unwrap())
    };
    let mut first = start();
    fake.next_call("DISPATCH /READY").await;
    fake.next_call("PUT /applications/*/commands").await;

    let w = fake.world().clone();
    let customer = |n: u64| User {
        id: 1_100_000_000_000_020_000 + n,
        name: format!("customer{n}"),
        roles: Vec::new(),
        bot: false,
    };
    let question = |n: u64| {
        if n.is_multiple_of(2) {
            "I forgot my password"
        } else {
            "zorglub quantum marmalade overflow"
        }
    };
    let mut asked = Vec::new();
    for n in 0..8 {
        asked.push(id(&fake.says(w.support.id, &customer(n), question(n))));
    }
    // Killed in the middle of it, once it is at work: threads made or not,
    // questions recorded or not, answers and cards sent or not.
    for _ in 0..3 {
        fake.next_call("POST /channels/*/messages/*/threads").await;
    }
    first.0.kill().unwrap();
    first.0.wait().unwrap();
    eprintln!(
        "killed with {} of {} threads made, {} bot messages posted",
        fake.matching("POST /channels/*/messages/*/threads").len(),
        asked.len(),
        fake.matching("POST /channels/*/messages").len(),
    );
    for n in 8..12 {
        asked.push(id(&fake.says_while_away(
            w.support.id,
            &customer(n),
            question(n),
        )));
    }
    let _second = start();
    let escalations = asked.len() / 2;
    let bot_id = w.bot.id.to_string();
    let bot_posts = |channel: u64| {
        fake.messages_in(channel)
            .into_iter()
            .filter(|m| m["author"]["id"].as_str() == Some(bot_id.as_str()))
            .count()
    };
    eventually(
        "a reply in every question's thread and every card",
        || async {
            asked.iter().all(|m| bot_posts(*m) >= 1) && bot_posts(w.staff_channel.id) >= escalations
        },
    )
    .await;
    let metrics_url = format!("http://127.0.0.1:{port}/metrics");
    eventually("the restarted bot has caught up", || async {
        let Ok(response) = reqwest::get(&metrics_url).await else {
            return false;
        };
        let text = response.text().await.unwrap_or_default();
        text.contains("frontline_catch_ups_total 1")
    })
    .await;
    for m in &asked {
        assert_eq!(bot_posts(*m), 1, "one reply in thread {m}");
    }
    assert_eq!(
        bot_posts(w.staff_channel.id),
        escalations,
        "one card per ticket"
    );
}
