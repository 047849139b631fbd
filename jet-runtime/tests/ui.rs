//! UI tests of the macros (trybuild): `ui/pass/*.rs` must compile and run, `ui/fail/*.rs`
//! must fail with exactly the reviewed `.stderr` next to them. After changing a message,
//! regenerate with `TRYBUILD=overwrite cargo test -p jet-runtime --test ui` and read every
//! diff: the caret must sit on the token the message talks about.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
