//! `frontline chat`: a customer in the terminal, on SQLite and PostgreSQL.

use super::frontline;

#[test]
fn chat_answers_questions_typed_in_the_terminal_and_hands_over_the_rest() {
    let db = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", db.path().join("chat.db").display());
    let out = frontline()
        .env("DATABASE_URL", &url)
        .arg("chat")
        .write_stdin("I forgot my password\nwhat is the airspeed velocity of an unladen swallow\n")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("How do I reset my password?"), "{text}");
    assert!(text.contains("source: en/password-reset"), "{text}");
    assert!(text.contains("as ticket #1"), "{text}");
}

/// A database of its own in the test PostgreSQL (`TEST_DATABASE_URL`, by
/// default postgres://postgres@127.0.0.1:5432/test), dropped at the end;
/// `None` (the test is skipped) when PostgreSQL is not reachable outside CI.
struct PgDatabase {
    admin: String,
    name: String,
    url: String,
}

impl PgDatabase {
    fn create() -> Option<PgDatabase> {
        let admin = std::env::var("TEST_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!("chat_{}_{nanos}", std::process::id());
        if let Err(e) = run_sql(&admin, &format!("CREATE DATABASE {name}")) {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but PostgreSQL is not reachable: {e}"
            );
            eprintln!("skipped: PostgreSQL at {admin} is not reachable ({e})");
            return None;
        }
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        let url = format!("{base}/{name}");
        Some(PgDatabase { admin, name, url })
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let _ = run_sql(
            &self.admin,
            &format!("DROP DATABASE {} WITH (FORCE)", self.name),
        );
    }
}

fn run_sql(url: &str, sql: &str) -> Result<(), sqlx::Error> {
    use sqlx::Connection as _;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let mut c = sqlx::PgConnection::connect(url).await?;
        sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&mut c)
            .await?;
        c.close().await
    })
}

#[test]
fn a_nul_in_a_message_on_postgresql_is_left_out_and_the_session_goes_on() {
    let Some(db) = PgDatabase::create() else {
        return;
    };
    let out = frontline()
        .env("DATABASE_URL", &db.url)
        .arg("chat")
        .write_stdin("my printer\0 is not listed, how do I add it\nI forgot my password\n")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(
        !text.contains("could not be handled"),
        "the line with the NUL is handled: {text}"
    );
    assert!(
        text.contains("How do I add a printer"),
        "the line with the NUL is answered: {text}"
    );
    assert!(
        text.contains("How do I reset my password?"),
        "the line after it is answered: {text}"
    );
}
