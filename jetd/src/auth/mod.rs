//! Users and password hashes: who may `authenticate` and which groups they get
//! (PROTOCOL.md A.9, B §4.11, §8.1).
//!
//! The users file (TOML, see docs/AUTHENTICATION.md) holds argon2 hashes only, never plain
//! passwords; `jetd hash-password` makes the entries ([`users_file_entry`]).
//!
//! ```
//! let entry = jetd::auth::users_file_entry("linus", "s3cret");
//! let users = jetd::auth::Users::from_toml_str(&entry).unwrap();
//! assert_eq!(users.verify("linus", "s3cret"), Some(jetd::auth::Groups::default()));
//! assert_eq!(users.verify("linus", "wrong"), None);
//! ```

mod file;
mod hash;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

pub use file::UsersError;
pub use hash::hash_password;

use file::UserEntry;
use hash::{StoredHash, DUMMY_HASH};

/// What an authenticated user may do: the group lists of A.9. Serialises as
/// `{"fetchGroups":[..],"setGroups":[..],"callGroups":[..]}` (that member order); this is also
/// the `authenticate` result. A list missing when deserialising is empty.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Groups {
    pub fetch_groups: Vec<String>,
    pub set_groups: Vec<String>,
    pub call_groups: Vec<String>,
}

/// The users a daemon knows. Cheap to clone (the table is shared behind an `Arc`), so every
/// connection task can hold one. `Debug` shows names and groups, never hashes.
#[derive(Clone, Default)]
pub struct Users {
    users: Arc<BTreeMap<String, UserEntry>>,
}

impl Users {
    /// Read the users file at `path`. Errors name the file, the line or user, and what to fix;
    /// a plain-text password is refused (the message says to use `jetd hash-password`).
    pub fn load(path: &Path) -> Result<Users, UsersError> {
        Ok(Users {
            users: Arc::new(file::load(path)?),
        })
    }

    /// Parse users-file text (what [`Users::load`] does after reading the file).
    pub fn from_toml_str(text: &str) -> Result<Users, UsersError> {
        Ok(Users {
            users: Arc::new(file::parse(text, None)?),
        })
    }

    /// No users: every `authenticate` fails.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// How many users there are (for the start-up log line).
    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// The groups of `user` if `password` is theirs, else `None`.
    ///
    /// Blocking and slow on purpose (argon2, tens of milliseconds in release builds): call it
    /// on a blocking thread (`tokio::task::spawn_blocking`). An unknown user and a wrong
    /// password both give `None` and take about the same time: for an unknown user the
    /// password is checked against a dummy hash of the same cost, so the answer time does not
    /// reveal which user names exist.
    pub fn verify(&self, user: &str, password: &str) -> Option<Groups> {
        match self.users.get(user) {
            Some(entry) => entry.hash.verify(password).then(|| entry.groups.clone()),
            None => {
                let dummy = StoredHash::parse(DUMMY_HASH);
                debug_assert!(dummy.is_ok(), "DUMMY_HASH must parse");
                if let Ok(dummy) = dummy {
                    // The result is meaningless; only the time spent matters.
                    let _ = std::hint::black_box(dummy.verify(password));
                }
                None
            }
        }
    }
}

impl fmt::Debug for Users {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `UserEntry`'s Debug prints only the groups.
        f.debug_map().entries(self.users.iter()).finish()
    }
}

/// A ready-to-paste users-file entry for `jetd hash-password`: a `[users.NAME]` table with a
/// fresh argon2id hash of `password` and empty group lists to fill in.
pub fn users_file_entry(user: &str, password: &str) -> String {
    file::entry_text(user, &hash_password(password))
}

#[cfg(test)]
mod tests;
