//! The users file: a TOML document of `[users.NAME]` tables, parsed into users with checked
//! password hashes, with errors that point at the line and say what to change.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::hash::{HashProblem, StoredHash};
use super::Groups;

/// The users file could not be used. Every message names the file (when there is one), the
/// line or user, and what to change.
#[derive(Debug, thiserror::Error)]
pub enum UsersError {
    /// The file could not be read at all.
    #[error("cannot read users file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Not valid TOML, or not the shape of a users file (unknown key, wrong type, ...).
    /// `message` is the TOML parser's; the offending line is not quoted, as it may hold a
    /// password.
    #[error("{}{}: {message}", origin(file), at(*line, *column))]
    Syntax {
        file: Option<PathBuf>,
        line: Option<usize>,
        column: Option<usize>,
        message: String,
    },
    /// A user without a `password`.
    #[error(
        "{}{}: user `{user}` has no `password`; add the line printed by `jetd hash-password {user}`",
        origin(file),
        at(*line, None)
    )]
    MissingPassword {
        file: Option<PathBuf>,
        user: String,
        line: Option<usize>,
    },
    /// A `password` that is not a hash at all, most likely a plain-text password.
    #[error(
        "{}{}: the password of user `{user}` is not a password hash (plain text?); the users \
         file holds only hashes: replace it with the line printed by `jetd hash-password {user}`",
        origin(file),
        at(*line, None)
    )]
    PlainPassword {
        file: Option<PathBuf>,
        user: String,
        line: Option<usize>,
    },
    /// A hash of a scheme jetd does not check (bcrypt, MD5-crypt, ...).
    #[error(
        "{}{}: the password of user `{user}` is {scheme}, which jetd cannot check (it checks \
         argon2 `$argon2id$...` and SHA-512-crypt `$6$...`): replace it with the line printed by `jetd hash-password {user}`",
        origin(file),
        at(*line, None)
    )]
    UnsupportedHash {
        file: Option<PathBuf>,
        user: String,
        line: Option<usize>,
        scheme: &'static str,
    },
    /// Looks like an argon2 or SHA-512-crypt hash but is damaged (truncated, bad parameters,
    /// ...).
    #[error(
        "{}{}: the password hash of user `{user}` is damaged ({reason}); replace it with the line \
         printed by `jetd hash-password {user}`",
        origin(file),
        at(*line, None)
    )]
    MalformedHash {
        file: Option<PathBuf>,
        user: String,
        line: Option<usize>,
        reason: String,
    },
}

/// How an error names where the text came from.
fn origin(file: &Option<PathBuf>) -> String {
    match file {
        Some(path) => format!("users file {}", path.display()),
        None => "users file".to_owned(),
    }
}

/// ", line L, column C" (each part only when known).
fn at(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(line), Some(column)) => format!(", line {line}, column {column}"),
        (Some(line), None) => format!(", line {line}"),
        _ => String::new(),
    }
}

/// The whole file. Unknown top-level keys are an error: a typo such as `[user.linus]` must not
/// silently leave the daemon without users.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    users: BTreeMap<String, Spanned<RawUser>>,
}

/// One `[users.NAME]` table as written. `password` is optional here so that its absence gets
/// our message (with the `jetd hash-password` hint) rather than serde's "missing field".
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUser {
    password: Option<Spanned<String>>,
    #[serde(default, rename = "fetchGroups")]
    fetch_groups: Vec<String>,
    #[serde(default, rename = "setGroups")]
    set_groups: Vec<String>,
    #[serde(default, rename = "callGroups")]
    call_groups: Vec<String>,
}

/// One user after checking: the hash is known to be usable.
#[derive(Clone)]
pub(crate) struct UserEntry {
    pub(crate) hash: StoredHash,
    pub(crate) groups: Groups,
}

/// Read and check the users file at `path`.
pub(crate) fn load(path: &Path) -> Result<BTreeMap<String, UserEntry>, UsersError> {
    let text = std::fs::read_to_string(path).map_err(|source| UsersError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse(&text, Some(path))
}

/// Check users-file `text`; `file` is only for error messages.
pub(crate) fn parse(
    text: &str,
    file: Option<&Path>,
) -> Result<BTreeMap<String, UserEntry>, UsersError> {
    let file = file.map(Path::to_owned);
    let raw: RawFile = toml::from_str(text).map_err(|err| {
        let position = err.span().map(|span| line_column(text, span.start));
        UsersError::Syntax {
            file: file.clone(),
            line: position.map(|(line, _)| line),
            column: position.map(|(_, column)| column),
            message: err.message().trim_end().to_owned(),
        }
    })?;
    let mut users = BTreeMap::new();
    for (user, entry) in raw.users {
        let entry_line = Some(line_column(text, entry.span().start).0);
        let entry = entry.into_inner();
        let Some(password) = entry.password else {
            return Err(UsersError::MissingPassword {
                file,
                user,
                line: entry_line,
            });
        };
        let line = Some(line_column(text, password.span().start).0);
        let hash = match StoredHash::parse(password.get_ref()) {
            Ok(hash) => hash,
            Err(problem) => return Err(hash_error(problem, file, user, line)),
        };
        let groups = Groups {
            fetch_groups: entry.fetch_groups,
            set_groups: entry.set_groups,
            call_groups: entry.call_groups,
        };
        users.insert(user, UserEntry { hash, groups });
    }
    Ok(users)
}

fn hash_error(
    problem: HashProblem,
    file: Option<PathBuf>,
    user: String,
    line: Option<usize>,
) -> UsersError {
    match problem {
        HashProblem::PlainText => UsersError::PlainPassword { file, user, line },
        HashProblem::Unsupported(scheme) => UsersError::UnsupportedHash {
            file,
            user,
            line,
            scheme,
        },
        HashProblem::Malformed(reason) => UsersError::MalformedHash {
            file,
            user,
            line,
            reason,
        },
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// A ready-to-paste users-file entry for `user` with an existing `hash`; group lists empty,
/// for the administrator to fill in.
pub(crate) fn entry_text(user: &str, hash: &str) -> String {
    format!(
        "[users.{}]\npassword = {}\nfetchGroups = []\nsetGroups = []\ncallGroups = []\n",
        toml_key(user),
        toml_string(hash)
    )
}

/// `user` as a TOML key: bare when TOML allows it, else a quoted string.
fn toml_key(user: &str) -> String {
    let bare = !user.is_empty()
        && user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if bare {
        user.to_owned()
    } else {
        toml_string(user)
    }
}

/// `text` as a TOML basic string, escaped.
fn toml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl fmt::Debug for UserEntry {
    /// The groups only: a hash in a log is an offline-cracking target.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.groups.fmt(f)
    }
}
