//! The staff desk in a browser, served on loopback against a fresh
//! database: over HTTP (`http.rs`) and in a real headless browser
//! (`browser.rs`, Debian's chromium through chromedriver).

#[path = "../support/mod.rs"]
mod support;

mod browser;
mod desk;
mod http;
