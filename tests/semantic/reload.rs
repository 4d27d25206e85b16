use frontline::brain::{LiveBrain, Reloaded};

use crate::helpers::{live_copy, model};

/// The id of the adapted layer and whether it was trained for this version.
fn adaptation_now(live: &LiveBrain) -> (String, bool) {
    let brain = live.get();
    let a = brain
        .semantic()
        .expect("hybrid")
        .1
        .adaptation()
        .expect("adapted");
    (a.id().to_string(), a.trained())
}

fn embedded_now(live: &LiveBrain) -> (usize, usize) {
    let brain = live.get();
    let (_, index) = brain.semantic().expect("hybrid");
    (index.stats.texts, index.stats.computed)
}

#[test]
fn a_reload_and_a_restart_embed_only_what_changed() {
    let cache = tempfile::tempdir().expect("temp dir");
    let Some((faq, live)) = live_copy(cache.path()) else {
        return;
    };
    assert_eq!(
        embedded_now(&live),
        (32, 32),
        "first start embeds every title and question"
    );

    let file = faq.path().join("en/printer.md");
    let text = std::fs::read_to_string(&file).expect("readable");
    std::fs::write(
        &file,
        text.replace("install a printer driver", "the printer driver is missing"),
    )
    .expect("written");
    let adapted = adaptation_now(&live);
    assert!(matches!(live.reload(), Reloaded::Swapped { .. }));
    assert_eq!(
        embedded_now(&live),
        (32, 1),
        "only the changed question is embedded"
    );
    assert_eq!(
        adaptation_now(&live),
        (adapted.0.clone(), false),
        "the layer adapted to nearly the same questions is used again"
    );

    // A new process: a fresh model and cache handle over the same cache directory.
    let m = model(Some(cache.path())).expect("still there");
    let (live, _) =
        LiveBrain::start(faq.path(), crate::helpers::settings(), Some(m)).expect("starts");
    assert_eq!(embedded_now(&live), (32, 0), "a restart embeds nothing");
    assert_eq!(adaptation_now(&live), (adapted.0, false), "nor trains");
}

#[test]
fn the_calibrations_own_layers_do_not_push_out_the_faqs_so_a_restart_trains_nothing() {
    let cache = tempfile::tempdir().expect("temp dir");
    let faq = tempfile::tempdir().expect("temp dir");
    crate::helpers::copy_dir(&crate::helpers::fixture(), faq.path());
    let Some(m) = model(Some(cache.path())) else {
        return;
    };
    // The shipped settings: the hand-over is calibrated, and a FAQ this
    // small embeds several rounds, each adapting a layer of its own.
    let settings = frontline::brain::BrainSettings::default();
    let (live, _) = LiveBrain::start(faq.path(), settings.clone(), Some(m)).expect("starts");
    let first = adaptation_now(&live);
    assert!(first.1, "the first start trains");
    let layers = std::fs::read_dir(cache.path())
        .expect("readable")
        .filter_map(Result::ok)
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.starts_with("adapt-") && name.ends_with(".safetensors")
        })
        .count();
    // The FAQ's layer and the rounds' (at least four of them, written
    // beside the FAQ's build) pruned to the four the cache keeps.
    assert_eq!(layers, 4, "pruned once the rounds were done");

    let m = model(Some(cache.path())).expect("still there");
    let (live, _) = LiveBrain::start(faq.path(), settings, Some(m)).expect("starts");
    assert_eq!(
        adaptation_now(&live),
        (first.0, false),
        "a restart trains nothing"
    );
    assert_eq!(embedded_now(&live), (32, 0), "nor embeds");
}
