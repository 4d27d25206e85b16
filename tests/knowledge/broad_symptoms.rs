use super::{PRINTER, errors, faq, load};

#[test]
fn a_symptom_matching_another_entrys_question_is_too_broad() {
    let fix = "---\ntitle: Driver install fails with 0x0000011b\nquestions: [a, b, c]\nsymptoms:\n  - '0x0000011b'\n  - 'a printer driver'\n---\nInstall the update.\n";
    let dir = faq(&[
        ("printer.md", PRINTER.as_bytes()),
        ("fixes/driver.md", fix.as_bytes()),
    ]);
    let loaded = load(dir.path());
    assert_eq!(
        errors(dir.path(), &loaded),
        [
            "fixes/driver.md:6:6: symptom `a printer driver` is too broad: it matches \"install a printer driver\", a question of `printer`"
        ]
    );
}

#[test]
fn a_symptom_matching_its_own_questions_is_fine() {
    let fix = "---\ntitle: Driver install fails with 0x0000011b\nquestions:\n  - printer error 0x0000011b\n  - 0x0000011b when adding a printer\n  - cannot connect to the printer, 0x0000011b\nsymptoms:\n  - '0x0000011b'\n---\nInstall the update.\n";
    let dir = faq(&[
        ("printer.md", PRINTER.as_bytes()),
        ("fixes/driver.md", fix.as_bytes()),
    ]);
    let loaded = load(dir.path());
    assert_eq!(errors(dir.path(), &loaded), Vec::<String>::new());
}
