use frontline::semantic::dot;

use crate::helpers::model;

#[test]
fn paraphrases_are_close_and_unrelated_sentences_are_not() {
    let Some(m) = model(None) else { return };
    let v = m
        .encoder
        .embed(&[
            "A man is eating food.",
            "A man is eating a piece of bread.",
            "How do I reset my password?",
            "I forgot my password and cannot log in",
            "The weather is nice today",
        ])
        .expect("embeds");
    // sentence-transformers gives 0.7553 for this pair with all-MiniLM-L6-v2.
    assert!(
        (dot(&v[0], &v[1]) - 0.7553).abs() < 1e-3,
        "{}",
        dot(&v[0], &v[1])
    );
    assert!(dot(&v[2], &v[3]) > 0.7);
    assert!(dot(&v[2], &v[4]).abs() < 0.1);
    assert!(
        v.iter().all(|x| (dot(x, x) - 1.0).abs() < 1e-4),
        "unit length"
    );
}

#[test]
fn padding_in_a_batch_does_not_change_an_embedding() {
    let Some(m) = model(None) else { return };
    let short = "vpn";
    let batch = m
        .encoder
        .embed(&[
            short,
            "a much longer sentence about printers, invoices and mailboxes",
        ])
        .expect("embeds");
    let alone = m.embed_query(short).expect("embeds");
    assert!(dot(&batch[0], &alone) > 0.99999);
}
