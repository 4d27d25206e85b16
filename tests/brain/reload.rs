//! Hot reload: a changing FAQ directory, the watcher that notices it and
//! the last good version that keeps serving when a change is refused.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use frontline::brain::{BrainSettings, LiveBrain, Reloaded};
use frontline::knowledge::{Lang, load_dir, watch};
use frontline::triage::Context;

const PRINTER: &str = "---\ntitle: How do I add a printer?\nquestions:\n  - install a printer driver\n  - new printer\n  - office printer\n---\nOpen **Settings → Printers**.\n";
const PASSWORD: &str = "---\ntitle: How do I reset my password?\nquestions:\n  - I forgot my password\n  - password reset\n  - change my password\n---\nUse the self-service portal.\n";
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

/// Waits (bounded) until `done` holds, checking every few milliseconds.
fn wait_until(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn reading_the_faq_triggers_no_reload_and_an_edit_exactly_one() {
    let dir = faq_dir();
    let reloads = Arc::new(AtomicUsize::new(0));
    // Long enough that the events of one rename are never two bursts,
    // however the watcher's thread is scheduled.
    let debounce = Duration::from_millis(250);
    let _watch = {
        let (reloads, path) = (Arc::clone(&reloads), dir.path().to_path_buf());
        // Like a real reload, the callback reads every file.
        watch::watch(dir.path(), debounce, move || {
            reloads.fetch_add(1, Ordering::SeqCst);
            load_dir(&path, Lang::En).unwrap();
        })
        .unwrap()
    };
    for _ in 0..5 {
        load_dir(dir.path(), Lang::En).unwrap();
    }
    // Written aside and renamed into place, so that the edit is one event
    // however slowly this thread runs.
    std::fs::write(dir.path().join("vpn.tmp"), VPN).unwrap();
    std::fs::rename(dir.path().join("vpn.tmp"), dir.path().join("vpn.md")).unwrap();
    wait_until("the edit is reloaded", || {
        reloads.load(Ordering::SeqCst) >= 1
    });
    // A watcher that reacts to its own reads reloads again after each
    // debounce window; ten windows of quiet show it does not.
    let quiet = Instant::now() + debounce * 10;
    while Instant::now() < quiet {
        std::thread::sleep(debounce);
    }
    assert_eq!(reloads.load(Ordering::SeqCst), 1);
}

#[test]
fn an_unchanged_directory_is_not_reloaded_and_a_refused_version_is_refused_once() {
    let dir = faq_dir();
    let (live, _) = LiveBrain::start(dir.path(), BrainSettings::default(), None).unwrap();
    assert!(live.reload_if_changed().is_none());
    std::fs::write(dir.path().join("vpn.md"), "no headings here\n").unwrap();
    assert!(matches!(live.reload_if_changed(), Some(Reloaded::Kept(_))));
    assert!(live.reload_if_changed().is_none());
    std::fs::write(dir.path().join("vpn.md"), VPN).unwrap();
    assert!(matches!(
        live.reload_if_changed(),
        Some(Reloaded::Swapped { entries: 2, .. })
    ));
    assert!(live.reload_if_changed().is_none());
    assert_eq!(top(&live, "vpn from home").as_deref(), Some("vpn"));
}

#[test]
fn a_fix_whose_symptom_is_an_ordinary_word_is_refused_and_does_not_take_over_answers() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("password.md"), PASSWORD).unwrap();
    let (live, _) = LiveBrain::start(dir.path(), BrainSettings::default(), None).unwrap();
    assert_eq!(
        top(&live, "I forgot my password").as_deref(),
        Some("password")
    );
    std::fs::create_dir(dir.path().join("fixes")).unwrap();
    std::fs::write(
        dir.path().join("fixes/sync.md"),
        "---\ntitle: Sync fails with E1042\nsymptoms: ['E1042', 'password']\n---\nRestart the sync app.\n",
    )
    .unwrap();
    assert!(matches!(live.reload(), Reloaded::Kept(_)));
    assert_eq!(
        top(&live, "I forgot my password").as_deref(),
        Some("password")
    );
}

#[test]
fn a_contract_added_or_broken_in_git_is_reloaded_like_an_entry() {
    let dir = faq_dir();
    let (live, _) = LiveBrain::start(dir.path(), BrainSettings::default(), None).unwrap();
    let anna = frontline::knowledge::Asker {
        id: "console:anna",
        roles: &[],
    };
    let now = chrono::Utc::now();
    assert!(
        live.get()
            .knowledge()
            .contracts()
            .covering(anna, now)
            .is_none()
    );
    std::fs::create_dir(dir.path().join("contracts")).unwrap();
    let contract = "---\ncustomer: Anna GmbH\nlevel: vollwartung\nresponse: 1h\nresolution: 1d\nvalid_from: 2020-01-01\nnames: [anna]\n---\n";
    std::fs::write(dir.path().join("contracts/anna.md"), contract).unwrap();
    assert!(matches!(live.reload(), Reloaded::Swapped { .. }));
    let level = |live: &LiveBrain| {
        live.get()
            .knowledge()
            .contracts()
            .covering(anna, now)
            .map(|c| c.level)
    };
    assert_eq!(
        level(&live),
        Some(frontline::knowledge::ContractLevel::Vollwartung)
    );
    // A broken change keeps the contract that was good.
    std::fs::write(
        dir.path().join("contracts/anna.md"),
        contract.replace("vollwartung", "platinum"),
    )
    .unwrap();
    assert!(matches!(live.reload(), Reloaded::Kept(_)));
    assert_eq!(
        level(&live),
        Some(frontline::knowledge::ContractLevel::Vollwartung)
    );
}
