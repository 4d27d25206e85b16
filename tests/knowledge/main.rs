//! FAQ input as a maintainer (or an attacker with commit access) writes it:
//! the limits on what is read, files that cannot be read at all, symptoms
//! that are too broad across entries, and a property test that throws
//! generated files at the parser and `check`.

mod broad_symptoms;
mod fuzz;
mod limits;
mod unreadable;

use std::path::Path;

use frontline::knowledge::{Lang, Loaded, load_dir};

/// A temporary FAQ directory holding `files` (relative path, content).
pub fn faq(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (rel, content) in files {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, content).expect("write");
    }
    dir
}

/// Loads `dir`, renders every finding (rendering must not fail) and
/// returns the result.
pub fn load(dir: &Path) -> Loaded {
    let loaded = load_dir(dir, Lang::En).expect("the directory is readable");
    for d in &loaded.diagnostics {
        let shown = d.render(false);
        assert!(shown.contains(&d.message), "{shown}");
    }
    loaded
}

/// Each error as `file:line:column: message`, the file relative to `dir`.
pub fn errors(dir: &Path, loaded: &Loaded) -> Vec<String> {
    loaded
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| {
            let rel = d.path.strip_prefix(dir).unwrap_or(&d.path);
            format!("{}:{}:{}: {}", rel.display(), d.line, d.column, d.message)
        })
        .collect()
}

/// A good entry file, for directories that need one.
pub const PRINTER: &str = "---\ntitle: How do I add a printer?\nquestions:\n  - install a printer driver\n  - new printer\n  - office printer\n---\nOpen **Settings → Printers**.\n";
