//! Watching the FAQ directory: a notify watcher whose events are filtered to
//! content changes (a file created, written, renamed or removed) and
//! debounced, so that one editor save or `git pull` calls back once. Reads
//! never count: reloading reads every file, and a watcher that reacted to
//! its own reads (inotify reports opens and closes) would reload forever.
//! What to do on a change is the caller's business (see `brain::LiveBrain`).

use std::path::Path;
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use notify::event::{EventKind, ModifyKind};
use notify::{Event, RecommendedWatcher, RecursiveMode, Watcher};

/// A running watch; dropping it stops watching (and ends its thread).
pub struct Watch {
    _watcher: RecommendedWatcher,
}

/// Calls `on_change` once the content changes of markdown files (or
/// directories) under `dir` have settled for `debounce`.
pub fn watch(
    dir: &Path,
    debounce: Duration,
    on_change: impl Fn() + Send + 'static,
) -> notify::Result<Watch> {
    let (events, received) = channel();
    let mut watcher = notify::recommended_watcher(events)?;
    watcher.watch(dir, RecursiveMode::Recursive)?;
    std::thread::Builder::new()
        .name("faq-watch".into())
        .spawn(move || debounce_loop(&received, debounce, on_change))
        .map_err(notify::Error::io)?;
    Ok(Watch { _watcher: watcher })
}

/// Waits for a content change, then for `debounce` without another one, and
/// calls back; ends when the watcher is dropped.
fn debounce_loop(
    received: &Receiver<notify::Result<Event>>,
    debounce: Duration,
    on_change: impl Fn(),
) {
    let mut due: Option<Instant> = None;
    loop {
        let next = match due {
            None => received.recv().map_err(|_| RecvTimeoutError::Disconnected),
            Some(at) => received.recv_timeout(at.saturating_duration_since(Instant::now())),
        };
        match next {
            Ok(Ok(event)) if is_content_change(&event) => {
                due = Some(Instant::now() + debounce);
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "watching the FAQ directory"),
            Err(RecvTimeoutError::Timeout) => {
                due = None;
                on_change();
            }
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// Whether `event` may change what the FAQ says: a markdown file or a
/// directory created, written, renamed or removed, or a lost event queue.
/// Opens, reads, closes and metadata changes (`touch`, `chmod`) are not.
pub fn is_content_change(event: &Event) -> bool {
    if event.need_rescan() {
        return true;
    }
    let kind = match event.kind {
        EventKind::Create(_) | EventKind::Remove(_) | EventKind::Any => true,
        EventKind::Modify(ModifyKind::Metadata(_)) => false,
        EventKind::Modify(_) => true,
        EventKind::Access(_) | EventKind::Other => false,
    };
    kind && event
        .paths
        .iter()
        .any(|p| p.extension().is_none_or(|x| x == "md"))
}

#[cfg(test)]
mod tests {
    use notify::event::{
        AccessKind, AccessMode, CreateKind, DataChange, MetadataKind, RemoveKind, RenameMode,
    };

    use super::*;

    fn event(kind: EventKind, path: &str) -> Event {
        Event::new(kind).add_path(path.into())
    }

    #[test]
    fn reading_a_file_is_not_a_change() {
        for kind in [
            EventKind::Access(AccessKind::Open(AccessMode::Any)),
            EventKind::Access(AccessKind::Read),
            EventKind::Access(AccessKind::Close(AccessMode::Read)),
            EventKind::Access(AccessKind::Close(AccessMode::Write)),
            EventKind::Modify(ModifyKind::Metadata(MetadataKind::Any)),
            EventKind::Modify(ModifyKind::Metadata(MetadataKind::AccessTime)),
            EventKind::Other,
        ] {
            assert!(!is_content_change(&event(kind, "/faq/a.md")), "{kind:?}");
        }
    }

    #[test]
    fn creating_writing_renaming_and_removing_are_changes() {
        for kind in [
            EventKind::Create(CreateKind::File),
            EventKind::Modify(ModifyKind::Data(DataChange::Any)),
            EventKind::Modify(ModifyKind::Name(RenameMode::To)),
            EventKind::Modify(ModifyKind::Any),
            EventKind::Remove(RemoveKind::File),
        ] {
            assert!(is_content_change(&event(kind, "/faq/a.md")), "{kind:?}");
            assert!(is_content_change(&event(kind, "/faq/en")), "{kind:?}");
            assert!(
                !is_content_change(&event(kind, "/faq/a.md.swp")),
                "{kind:?}"
            );
        }
    }
}
