//! `frontline web` and `frontline web-login NAME` as a user runs them: the
//! link printed at the terminal signs in to the desk the binary serves.

use std::process::{Child, Stdio};
use std::time::Duration;

use crate::frontline;

/// `frontline web` as a child process, stopped when dropped.
struct Served(Child);

impl Drop for Served {
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

#[test]
fn web_login_prints_a_one_time_link_under_the_public_url() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("f.db").display());
    let out = frontline()
        .env("DATABASE_URL", &url)
        .env("FRONTLINE_WEB__PUBLIC_URL", "https://desk.example.com/")
        .args(["web-login", "berta"])
        .assert()
        .success()
        .get_output()
        .clone();
    let link = String::from_utf8(out.stdout).unwrap();
    let token = link
        .trim()
        .strip_prefix("https://desk.example.com/login/")
        .unwrap_or_else(|| panic!("{link}"));
    assert_eq!(token.len(), 64);
    assert!(token.chars().all(|c| c.is_ascii_hexdigit()), "{token}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("works once"), "{err}");

    frontline()
        .env("DATABASE_URL", &url)
        .args(["web-login", " "])
        .assert()
        .code(2);
}

#[tokio::test]
async fn the_served_desk_takes_the_link_printed_at_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("f.db").display());
    frontline()
        .env("DATABASE_URL", &db)
        .arg("chat")
        .write_stdin("our coffee machine leaks water\n")
        .assert()
        .success();
    let addr = format!("127.0.0.1:{}", free_port());
    let mut web = std::process::Command::new(assert_cmd::cargo::cargo_bin("frontline"));
    web.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("DATABASE_URL", &db)
        .env("FRONTLINE_HANDOVER__CALIBRATE", "false")
        .args(["web", "--addr", &addr])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("FRONTLINE_") {
            web.env_remove(key);
        }
    }
    // Lexical, with no model fetched, as `crate::lexical` sets it.
    web.env("FRONTLINE_MODEL_DIR", "")
        .env("FRONTLINE_MULTILINGUAL_DIR", "")
        .env("FRONTLINE_MODELS__FETCH", "false");
    let _served = Served(web.spawn().expect("frontline web starts"));

    let link = frontline()
        .env("DATABASE_URL", &db)
        .env("FRONTLINE_WEB__ADDR", &addr)
        .args(["web-login", "berta"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let link = String::from_utf8(link).unwrap().trim().to_string();
    assert!(link.starts_with(&format!("http://{addr}/login/")), "{link}");

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap();
    let token = link.rsplit('/').next().unwrap();
    let mut response = None;
    for _ in 0..100 {
        match http
            .post(format!("http://{addr}/login"))
            .form(&[("token", token)])
            .send()
            .await
        {
            Ok(r) => {
                response = Some(r);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    let response = response.expect("the desk answers");
    assert_eq!(response.status(), 303);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let page = http
        .get(format!("http://{addr}/tickets"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("our coffee machine leaks water"), "{page}");
}
