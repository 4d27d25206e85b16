//! The layering, checked: `cargo test --lib layering` reads every source file
//! under `src/`, collects which top-level modules each top-level module
//! names (`crate::x`, `crate::{x, …}`) in its code, not in comments or
//! tests, and fails on a cycle among them or on a rule of ARCHITECTURE.md
//! broken.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level module → the top-level modules its code names.
type Graph = BTreeMap<String, BTreeSet<String>>;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The top-level modules: `src/x.rs` and `src/x/`.
fn modules() -> BTreeSet<String> {
    std::fs::read_dir(src())
        .expect("src/ is readable")
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            match name.strip_suffix(".rs") {
                Some("lib" | "main") => None,
                Some(stem) => Some(stem.to_owned()),
                None => e.path().is_dir().then_some(name),
            }
        })
        .collect()
}

/// The code of `file` that is neither a comment nor a test: files of tests
/// (`tests.rs`, `*_tests.rs`) are left out whole, others from their first
/// `#[cfg(test)]` on.
fn code(file: &Path) -> String {
    let name = file.file_name().unwrap_or_default().to_string_lossy();
    if name == "tests.rs" || name.ends_with("_tests.rs") {
        return String::new();
    }
    let text = std::fs::read_to_string(file).unwrap_or_default();
    let before_tests = text.split("#[cfg(test)]").next().unwrap_or_default();
    before_tests
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join(
            "
",
        )
}

/// The top-level modules `code` names through `crate::`.
fn named(code: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        let names: Vec<&str> = match rest.strip_prefix('{') {
            // `crate::{a, b::c, d::{e}}`: the first word of each item.
            Some(group) => group[..group.find('}').unwrap_or(group.len())]
                .split(',')
                .map(|item| item.trim().split("::").next().unwrap_or_default())
                .collect(),
            None => vec![
                rest.split(|c: char| !c.is_alphanumeric() && c != '_')
                    .next()
                    .unwrap_or_default(),
            ],
        };
        found.extend(
            names
                .into_iter()
                .filter(|n| modules.contains(*n))
                .map(str::to_owned),
        );
    }
    found
}

/// Which top-level modules each names (itself left out).
fn graph() -> Graph {
    let modules = modules();
    let mut graph = Graph::new();
    for module in &modules {
        let file = src().join(format!("{module}.rs"));
        let files: Vec<PathBuf> = if file.is_file() {
            vec![file]
        } else {
            walkdir::WalkDir::new(src().join(module))
                .into_iter()
                .filter_map(Result::ok)
                .map(|e| e.into_path())
                .filter(|p| p.extension().is_some_and(|x| x == "rs"))
                .collect()
        };
        let mut uses: BTreeSet<String> = files
            .iter()
            .flat_map(|f| named(&code(f), &modules))
            .collect();
        uses.remove(module);
        graph.insert(module.clone(), uses);
    }
    graph
}

/// A cycle through `from`, if any: the path back to it.
fn cycle_from(graph: &Graph, from: &str) -> Option<Vec<String>> {
    let mut stack = vec![vec![from.to_owned()]];
    let mut seen = BTreeSet::new();
    while let Some(path) = stack.pop() {
        let last = path.last().expect("paths are never empty");
        for next in graph.get(last).into_iter().flatten() {
            if next == from {
                let mut cycle = path.clone();
                cycle.push(next.clone());
                return Some(cycle);
            }
            if seen.insert(next.clone()) {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push(longer);
            }
        }
    }
    None
}

/// The modules of `graph` among `from` that name one of `forbidden`.
fn naming(graph: &Graph, from: &[&str], forbidden: &[&str]) -> Vec<String> {
    from.iter()
        .flat_map(|m| {
            graph[*m]
                .iter()
                .filter(|used| forbidden.contains(&used.as_str()))
                .map(move |used| format!("{m} names crate::{used}"))
        })
        .collect()
}

#[test]
fn no_cycle_among_top_level_modules() {
    let graph = graph();
    let cycles: Vec<String> = graph
        .keys()
        .filter_map(|m| cycle_from(&graph, m))
        .map(|c| c.join(" → "))
        .collect();
    assert!(cycles.is_empty(), "{cycles:#?}");
}

#[test]
fn the_domain_depends_on_none_of_the_layers_that_use_it() {
    let found = naming(
        &graph(),
        &["domain"],
        &["engine", "store", "delivery", "adapters", "intake", "cli"],
    );
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn the_store_does_not_import_the_engine() {
    let found = naming(&graph(), &["store"], &["engine", "adapters", "intake"]);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn only_the_commands_import_the_adapters() {
    let graph = graph();
    let others: Vec<&str> = graph
        .keys()
        .map(String::as_str)
        .filter(|m| !["adapters", "cli"].contains(m))
        .collect();
    let found = naming(&graph, &others, &["adapters"]);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn ranking_never_reads_a_decision() {
    let found = naming(&graph(), &["ranking"], &["triage", "brain", "engine"]);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn the_check_sees_what_a_file_names() {
    let modules: BTreeSet<String> = ["engine", "store", "domain"].map(str::to_owned).into();
    let seen = named(
        "use crate::{engine::Engine, store};\nuse crate::domain::Action;\nlet x = crate::missing::y;",
        &modules,
    );
    assert_eq!(seen, modules);
    let mut graph = Graph::new();
    graph.insert("a".into(), ["b".to_owned()].into());
    graph.insert("b".into(), ["c".to_owned()].into());
    graph.insert("c".into(), ["a".to_owned()].into());
    assert_eq!(
        cycle_from(&graph, "a").map(|c| c.join(" ")),
        Some("a b c a".into())
    );
    graph.insert("c".into(), BTreeSet::new());
    assert_eq!(cycle_from(&graph, "a"), None);
    // And it reads this crate: the commands do use the adapters.
    assert!(self::graph()["cli"].contains("adapters"));
}
