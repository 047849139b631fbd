//! Unit tests of the users file, `verify` and the helpers `jetd hash-password` uses.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;

use super::hash::tests::cheap_hash;
use super::*;

/// A users file with two users: linus (all groups "admin") and john (fetch only).
fn two_users() -> (String, String, String) {
    let linus = cheap_hash("linus-pw");
    let john = cheap_hash("john-pw");
    let text = format!(
        r#"# users of the test daemon
[users.linus]
password = "{linus}"
fetchGroups = ["admin"]
setGroups = ["admin"]
callGroups = ["admin", "ops"]

[users.john]
password = "{john}"
fetchGroups = ["public"]
"#
    );
    (text, linus, john)
}

fn groups(fetch: &[&str], set: &[&str], call: &[&str]) -> Groups {
    let owned = |list: &[&str]| list.iter().map(|s| s.to_string()).collect();
    Groups {
        fetch_groups: owned(fetch),
        set_groups: owned(set),
        call_groups: owned(call),
    }
}

/// The error message of parsing `text`, which must fail.
fn error_of(text: &str) -> String {
    match Users::from_toml_str(text) {
        Ok(users) => panic!("expected an error, got {users:?}"),
        Err(err) => err.to_string(),
    }
}

/// A fresh path in the system temp dir; the caller removes the file.
fn temp_path(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    std::env::temp_dir().join(format!(
        "jetd-auth-test-{}-{}-{name}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ))
}

#[test]
fn valid_text_gives_users_with_their_groups() {
    let (text, _, _) = two_users();
    let users = Users::from_toml_str(&text).unwrap();
    assert!(!users.is_empty());
    assert_eq!(users.len(), 2);
    assert_eq!(
        users.verify("linus", "linus-pw"),
        Some(groups(&["admin"], &["admin"], &["admin", "ops"]))
    );
    // Missing lists are empty.
    assert_eq!(
        users.verify("john", "john-pw"),
        Some(groups(&["public"], &[], &[]))
    );
}

#[test]
fn wrong_passwords_and_unknown_users_are_refused() {
    let (text, _, _) = two_users();
    let users = Users::from_toml_str(&text).unwrap();
    assert_eq!(users.verify("linus", "john-pw"), None);
    assert_eq!(users.verify("linus", "linus-pw "), None);
    assert_eq!(users.verify("linus", ""), None);
    assert_eq!(users.verify("Linus", "linus-pw"), None);
    assert_eq!(users.verify("nobody", "linus-pw"), None);
    assert_eq!(users.verify("", ""), None);
}

#[test]
fn empty_users() {
    for text in ["", "# nobody yet\n", "[users]\n"] {
        let users = Users::from_toml_str(text).unwrap();
        assert!(users.is_empty(), "{text:?}");
        assert_eq!(users.verify("linus", "x"), None);
    }
    assert!(Users::default().is_empty());
    assert_eq!(Users::default().verify("", ""), None);
}

#[test]
fn sha512_crypt_users_work() {
    // `openssl passwd -6 -salt saltstring 'Hello world!'`, next to an argon2 user.
    let argon = cheap_hash("argon-pw");
    let text = format!(
        "[users.cjet]\n\
         password = \"$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1\"\n\
         callGroups = [\"ops\"]\n\
         [users.new]\npassword = \"{argon}\"\n"
    );
    let users = Users::from_toml_str(&text).unwrap();
    assert_eq!(
        users.verify("cjet", "Hello world!"),
        Some(groups(&[], &[], &["ops"]))
    );
    assert_eq!(users.verify("cjet", "Hello world"), None);
    assert_eq!(users.verify("cjet", "argon-pw"), None);
    assert_eq!(users.verify("new", "argon-pw"), Some(Groups::default()));
    let shown = format!("{users:?}");
    assert!(
        !shown.contains("svn8Uo") && !shown.contains("saltstring"),
        "{shown}"
    );

    let message = error_of("[users.cjet]\npassword = \"$6$saltstring$tooshort\"\n");
    assert_eq!(
        message,
        "users file, line 2: the password hash of user `cjet` is damaged (the hash part must \
         be 86 characters of `./0-9A-Za-z`); replace it with the line printed by \
         `jetd hash-password cjet`"
    );
}

#[test]
fn inline_and_quoted_user_names_work() {
    let hash = cheap_hash("pw");
    let text = format!(
        "users.\"jane doe\" = {{ password = \"{hash}\", setGroups = [\"x\"] }}\n\
         [users.'C:\\ops']\npassword = '{hash}'\n"
    );
    let users = Users::from_toml_str(&text).unwrap();
    assert_eq!(
        users.verify("jane doe", "pw"),
        Some(groups(&[], &["x"], &[]))
    );
    assert_eq!(users.verify("C:\\ops", "pw"), Some(Groups::default()));
}

#[test]
fn load_reads_a_file() {
    let (text, _, _) = two_users();
    let path = temp_path("users.toml");
    std::fs::write(&path, text).unwrap();
    let loaded = Users::load(&path);
    std::fs::remove_file(&path).unwrap();
    let users = loaded.unwrap();
    assert_eq!(
        users.verify("john", "john-pw"),
        Some(groups(&["public"], &[], &[]))
    );
}

#[test]
fn load_errors_name_the_file() {
    let path = temp_path("missing.toml");
    let message = Users::load(&path).unwrap_err().to_string();
    assert!(
        message.starts_with(&format!("cannot read users file {}: ", path.display())),
        "{message}"
    );

    let path = temp_path("plain.toml");
    std::fs::write(&path, "[users.linus]\npassword = \"hunter2\"\n").unwrap();
    let loaded = Users::load(&path);
    std::fs::remove_file(&path).unwrap();
    let message = loaded.unwrap_err().to_string();
    assert!(
        message.starts_with(&format!("users file {}, line 2: ", path.display())),
        "{message}"
    );
}

#[test]
fn plain_text_password_is_refused_without_echoing_it() {
    let message = error_of("\n[users.linus]\npassword = \"hunter2\"\nfetchGroups = []\n");
    assert_eq!(
        message,
        "users file, line 3: the password of user `linus` is not a password hash (plain \
         text?); the users file holds only hashes: replace it with the line printed by \
         `jetd hash-password linus`"
    );
    assert!(!message.contains("hunter2"));
}

#[test]
fn other_hash_schemes_are_refused_by_name() {
    let message = error_of("[users.root]\npassword = \"$1$saltsalt$abcdefghijklmnop\"\n");
    assert_eq!(
        message,
        "users file, line 2: the password of user `root` is an MD5-crypt hash (`$1$`), which \
         jetd cannot check (it checks argon2 `$argon2id$...` and SHA-512-crypt `$6$...`): \
         replace it with the line printed by `jetd hash-password root`"
    );
    let message = error_of("[users.root]\npassword = \"$nonsense\"\n");
    assert!(
        message.contains("user `root` is not a hash scheme jetd knows, which jetd cannot check"),
        "{message}"
    );
    assert!(!message.contains("$nonsense"), "{message}");
}

#[test]
fn damaged_argon2_hash_is_refused() {
    let hash = cheap_hash("pw");
    let cut = &hash[..hash.rfind('$').unwrap()];
    let message = error_of(&format!("[users.linus]\npassword = \"{cut}\"\n"));
    assert!(
        message.starts_with("users file, line 2: the password hash of user `linus` is damaged ("),
        "{message}"
    );
    assert!(
        message.ends_with("); replace it with the line printed by `jetd hash-password linus`"),
        "{message}"
    );
}

#[test]
fn missing_password_is_refused() {
    let message = error_of("[users.linus]\nfetchGroups = [\"admin\"]\n");
    assert!(message.starts_with("users file, line "), "{message}");
    assert!(
        message.ends_with(
            ": user `linus` has no `password`; add the line printed by `jetd hash-password linus`"
        ),
        "{message}"
    );
}

#[test]
fn unknown_key_in_a_user_is_refused_by_name() {
    let hash = cheap_hash("pw");
    let message = error_of(&format!(
        "[users.linus]\npassword = \"{hash}\"\nfetch_groups = [\"admin\"]\n"
    ));
    assert_eq!(
        message,
        "users file, line 3, column 1: unknown field `fetch_groups`, expected one of \
         `password`, `fetchGroups`, `setGroups`, `callGroups`"
    );
}

#[test]
fn unknown_top_level_key_is_refused() {
    let message = error_of("[user.linus]\npassword = \"x\"\n");
    assert_eq!(
        message,
        "users file, line 1, column 2: unknown field `user`, expected `users`"
    );
}

#[test]
fn wrong_types_are_refused() {
    let hash = cheap_hash("pw");
    let message = error_of(&format!(
        "[users.linus]\npassword = \"{hash}\"\nsetGroups = \"admin\"\n"
    ));
    assert_eq!(
        message,
        "users file, line 3, column 13: invalid type: string \"admin\", expected a sequence"
    );
    let message = error_of("[users.linus]\npassword = 1234\n");
    assert_eq!(
        message,
        "users file, line 2, column 12: invalid type: integer `1234`, expected a string"
    );
    let message = error_of("[users]\nlinus = \"pw\"\n");
    assert!(
        message.starts_with("users file, line 2, column 9: invalid type: string"),
        "{message}"
    );
}

#[test]
fn toml_syntax_errors_give_the_position_but_not_the_line() {
    // An unquoted password is a syntax error; the message must not quote it back.
    let message = error_of("[users.linus]\npassword = hunter2\n");
    assert!(
        message.starts_with("users file, line 2, column 12: "),
        "{message}"
    );
    assert!(!message.contains("hunter2"), "{message}");
    // Duplicate users are a TOML error too.
    let hash = cheap_hash("pw");
    let message = error_of(&format!(
        "[users.a]\npassword = \"{hash}\"\n[users.a]\npassword = \"{hash}\"\n"
    ));
    assert!(message.starts_with("users file, line 3"), "{message}");
}

#[test]
fn debug_output_never_shows_hashes() {
    let (text, linus, john) = two_users();
    let users = Users::from_toml_str(&text).unwrap();
    for shown in [format!("{users:?}"), format!("{users:#?}")] {
        assert!(!shown.contains(&linus), "{shown}");
        assert!(!shown.contains(&john), "{shown}");
        assert!(!shown.contains("argon2"), "{shown}");
        // It is still useful: names and groups are there.
        assert!(
            shown.contains("linus") && shown.contains("public"),
            "{shown}"
        );
    }
}

#[test]
fn groups_serialise_in_protocol_shape() {
    let value = groups(&["admin"], &[], &["a", "b"]);
    assert_eq!(
        serde_json::to_string(&value).unwrap(),
        r#"{"fetchGroups":["admin"],"setGroups":[],"callGroups":["a","b"]}"#
    );
    let back: Groups = serde_json::from_str(r#"{"setGroups":["x"]}"#).unwrap();
    assert_eq!(back, groups(&[], &["x"], &[]));
    let back: Groups = serde_json::from_str(&serde_json::to_string(&value).unwrap()).unwrap();
    assert_eq!(back, value);
}

#[test]
fn users_file_entry_round_trips() {
    let entry = users_file_entry("linus", "s3cret");
    assert!(entry.starts_with("[users.linus]\npassword = \"$argon2id$v=19$m=19456,t=2,p=1$"));
    assert!(entry.ends_with("\"\nfetchGroups = []\nsetGroups = []\ncallGroups = []\n"));
    let users = Users::from_toml_str(&entry).unwrap();
    assert_eq!(users.verify("linus", "s3cret"), Some(Groups::default()));
    assert_eq!(users.verify("linus", "s3cret!"), None);
}

#[test]
fn users_file_entries_concatenate_into_a_file() {
    let text = format!(
        "{}\n{}",
        file::entry_text("a", &cheap_hash("1")),
        file::entry_text("b c", &cheap_hash("2"))
    );
    let users = Users::from_toml_str(&text).unwrap();
    assert_eq!(users.len(), 2);
    assert!(users.verify("a", "1").is_some());
    assert!(users.verify("b c", "2").is_some());
    assert!(users.verify("a", "2").is_none());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever the user name, the entry `jetd hash-password` prints parses back to that user.
    #[test]
    fn entry_text_round_trips_any_user_name(user in any::<String>()) {
        let hash = cheap_hash("pw");
        let users = Users::from_toml_str(&file::entry_text(&user, &hash)).unwrap();
        prop_assert_eq!(users.len(), 1);
        prop_assert_eq!(users.verify(&user, "pw"), Some(Groups::default()));
    }
}
