//! Watching the FAQ directory: a debounced notify watcher that calls back
//! once per burst of changes (an editor's save, a `git pull`). What to do on
//! a change is the caller's business (see `brain::LiveBrain`).

use std::path::Path;
use std::time::Duration;

use notify::RecursiveMode;
use notify_debouncer_mini::{DebounceEventResult, Debouncer, new_debouncer};

/// A running watch; dropping it stops watching.
pub struct Watch {
    _debouncer: Debouncer<notify::RecommendedWatcher>,
}

/// Calls `on_change` after changes to markdown files under `dir` settle for `debounce`.
pub fn watch(
    dir: &Path,
    debounce: Duration,
    on_change: impl Fn() + Send + 'static,
) -> notify::Result<Watch> {
    let mut debouncer = new_debouncer(debounce, move |result: DebounceEventResult| match result {
        Ok(events) => {
            let relevant = events.iter().any(|e| {
                e.path.extension().is_some_and(|x| x == "md") || e.path.extension().is_none()
            });
            if relevant {
                on_change();
            }
        }
        Err(e) => tracing::warn!(error = %e, "watching the FAQ directory"),
    })?;
    debouncer.watcher().watch(dir, RecursiveMode::Recursive)?;
    Ok(Watch {
        _debouncer: debouncer,
    })
}
