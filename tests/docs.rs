//! `docs/builtins.md` is generated from the builtin registry; this test fails when
//! the file is out of date. Regenerate with `DARR_BLESS=1 cargo test --test docs`.

#[test]
fn builtin_reference_is_up_to_date() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/builtins.md");
    let generated = darr::builtins::reference_markdown();
    if std::env::var_os("DARR_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == generated,
        "docs/builtins.md is out of date; regenerate it with DARR_BLESS=1 cargo test --test docs"
    );
    for b in darr::builtins::all() {
        assert!(!b.doc.trim().is_empty(), "builtin `{}` has no documentation", b.name);
    }
}
