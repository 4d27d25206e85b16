use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use frontline::brain::{BrainSettings, LiveBrain, Reloaded};
use frontline::triage::Context;

const PRINTER: &str = "---\ntitle: How do I add a printer?\nquestions:\n  - install a printer driver\n  - new printer\n  - office printer\n---\nOpen **Settings → Printers**.\n";
const VPN: &str = "---\ntitle: How do I connect to the VPN?\nquestions:\n  - vpn from home\n  - remote access\n  - home office network\n---\nStart FortiClient.\n";

fn top(live: &LiveBrain, text: &str) -> Option<String> {
    live.get()
        .triage(text, &Context::default())
        .top()
        .map(|c| c.id.clone())
}

fn faq_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("printer.md"), PRINTER).unwrap();
    dir
}

#[test]
fn a_new_file_is_served_after_reload() {
    let dir = faq_dir();
    let (live, _) = LiveBrain::start(dir.path(), BrainSettings::default(), None).unwrap();
    assert_eq!(top(&live, "vpn from home"), None);
    std::fs::write(dir.path().join("vpn.md"), VPN).unwrap();
    assert!(matches!(
        live.reload(),
        Reloaded::Swapped { entries: 2, .. }
    ));
    assert_eq!(top(&live, "vpn from home").as_deref(), Some("vpn"));
}

#[test]
fn a_broken_change_is_refused_and_the_last_good_version_keeps_serving() {
    let dir = faq_dir();
    let (live, _) = LiveBrain::start(dir.path(), BrainSettings::default(), None).unwrap();
    std::fs::write(
        dir.path().join("printer.md"),
        "---\nquestions: [a]\n---\nno title\n",
    )
    .unwrap();
    match live.reload() {
        Reloaded::Kept(frontline::brain::BrainError::Invalid { errors, .. }) => {
            assert!(
                errors
                    .iter()
                    .any(|d| d.message == "missing title" && d.line == 1)
            );
        }
        other => panic!("expected the change to be refused, got {other:?}"),
    }
    assert_eq!(
        top(&live, "install a printer driver").as_deref(),
        Some("printer")
    );
}

#[test]
fn the_watcher_reloads_when_a_file_changes() {
    let dir = faq_dir();
    let (live, _) = LiveBrain::start(dir.path(), BrainSettings::default(), None).unwrap();
    let live = Arc::new(live);
    let _watch = live.watch(Duration::from_millis(50)).unwrap();
    std::fs::write(dir.path().join("vpn.md"), VPN).unwrap();
    // Bounded wait for the watcher thread; not a fixed sleep.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while top(&live, "vpn from home").is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "the watcher never reloaded"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn starting_on_a_broken_directory_fails_with_the_findings() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x.md"), "no headings here\n").unwrap();
    let err = LiveBrain::start(Path::new(dir.path()), BrainSettings::default(), None)
        .err()
        .unwrap();
    assert!(err.to_string().contains("1 error(s)"), "{err}");
}
