//! `SqlStore::connect` on SQLite URLs however they are written: the file is
//! created when missing unless the URL gives a `mode`, an in-memory
//! database still opens, and a missing directory is named in the error.

use frontline::store::{SqlStore, Store, StoreError};

async fn opens(url: &str) {
    let store = SqlStore::connect(url)
        .await
        .unwrap_or_else(|e| panic!("{url} opens: {e:?}"));
    assert!(store.tickets(&[]).await.expect("migrated").is_empty());
    store.close().await;
}

#[tokio::test]
async fn a_missing_sqlite_file_is_created_for_every_way_of_writing_its_url() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).display().to_string();
    // The temporary directory is absolute, so `sqlite://` + it is the
    // `sqlite:///abs/path` form.
    for (name, url) in [
        ("a.db", format!("sqlite://{}", path("a.db"))),
        ("b.db", format!("sqlite:{}", path("b.db"))),
        ("c.db", format!("sqlite://{}?cache=private", path("c.db"))),
        ("d.db", format!("sqlite:{}?mode=rwc", path("d.db"))),
    ] {
        assert!(url.starts_with("sqlite:/"), "{url}");
        opens(&url).await;
        assert!(dir.path().join(name).exists(), "{url} created {name}");
        opens(&url).await;
    }
}

#[tokio::test]
async fn a_relative_sqlite_path_is_created_too() {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let relative = dir
        .path()
        .strip_prefix(std::env::current_dir().unwrap())
        .expect("the target directory is under the package")
        .join("r.db");
    opens(&format!("sqlite://{}", relative.display())).await;
    assert!(dir.path().join("r.db").exists());
}

#[tokio::test]
async fn an_explicit_mode_is_respected() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rw.db");
    let url = format!("sqlite://{}?mode=rw", file.display());
    assert!(SqlStore::connect(&url).await.is_err(), "mode=rw opens only");
    assert!(!file.exists(), "mode=rw does not create the file");
}

#[tokio::test]
async fn an_in_memory_database_still_opens() {
    opens("sqlite::memory:").await;
}

#[tokio::test]
async fn a_missing_directory_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing");
    for query in ["", "?mode=rwc"] {
        let url = format!("sqlite://{}/x.db{query}", missing.display());
        let Err(err) = SqlStore::connect(&url).await else {
            panic!("{url}: a database in a missing directory cannot open");
        };
        assert!(
            matches!(err, StoreError::NoDirectory(ref d) if *d == missing),
            "{err:?}"
        );
        assert!(
            err.to_string().contains(&missing.display().to_string()),
            "{err}"
        );
    }
    assert!(!missing.exists(), "the directory is not created");
}
