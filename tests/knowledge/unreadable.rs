use super::{PRINTER, errors, faq, load};

#[test]
fn invalid_utf8_is_a_located_error_and_the_other_files_are_still_checked() {
    let dir = faq(&[
        (
            "latin1.md",
            b"## Where is the invoice?\nIn the portal, R\xe9sum\xe9.\n",
        ),
        ("printer.md", PRINTER.as_bytes()),
        ("broken.md", b"no headings here\n"),
    ]);
    let loaded = load(dir.path());
    assert_eq!(
        errors(dir.path(), &loaded),
        [
            "broken.md:1:1: no entries in this file",
            "latin1.md:2:17: the file is not valid UTF-8 (byte 41)",
        ]
    );
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_is_a_finding_and_the_other_files_are_still_checked() {
    let dir = faq(&[
        ("printer.md", PRINTER.as_bytes()),
        ("en/broken.md", b"no headings here\n"),
    ]);
    std::os::unix::fs::symlink(dir.path(), dir.path().join("en/loop")).expect("symlink");
    let loaded = load(dir.path());
    let errors = errors(dir.path(), &loaded);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0], "en/broken.md:1:1: no entries in this file");
    assert!(
        errors[1].starts_with("en/loop:1:1: symlink loop: this link leads back to"),
        "{errors:?}"
    );
}
