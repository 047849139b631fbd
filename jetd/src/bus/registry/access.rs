//! Access control (PROTOCOL.md A.9): an element's `access` groups against a peer's groups.

use serde_json::Value;

use crate::auth::Groups;

/// What an operation needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Fetch,
    Set,
    Call,
}

/// An element's `access` from `add`. `None` for a list means "no restriction for that op".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Access {
    pub fetch: Option<Vec<String>>,
    pub set: Option<Vec<String>>,
    pub call: Option<Vec<String>>,
}

impl Access {
    /// Parse the `access` member. `Err` names the offending key.
    pub fn parse(value: &Value) -> Result<Access, &'static str> {
        let Value::Object(map) = value else {
            return Err("access");
        };
        let list = |key: &'static str| -> Result<Option<Vec<String>>, &'static str> {
            match map.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|g| g.as_str().map(str::to_owned).ok_or(key))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Some),
                Some(_) => Err(key),
            }
        };
        Ok(Access {
            fetch: list("fetchGroups")?,
            set: list("setGroups")?,
            call: list("callGroups")?,
        })
    }
}

/// May a peer with `auth` (None = not authenticated) do `op` on an element with `access`?
pub(crate) fn allowed(access: Option<&Access>, auth: Option<&Groups>, op: Op) -> bool {
    let Some(access) = access else {
        return true;
    };
    let Some(auth) = auth else {
        return false;
    };
    let (needed, has) = match op {
        Op::Fetch => (&access.fetch, &auth.fetch_groups),
        Op::Set => (&access.set, &auth.set_groups),
        Op::Call => (&access.call, &auth.call_groups),
    };
    match needed {
        None => true,
        Some(groups) => groups.iter().any(|g| has.contains(g)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn groups(fetch: &[&str], set: &[&str], call: &[&str]) -> Groups {
        let v = |l: &[&str]| l.iter().map(|s| s.to_string()).collect();
        Groups {
            fetch_groups: v(fetch),
            set_groups: v(set),
            call_groups: v(call),
        }
    }

    #[test]
    fn open_elements_allow_everybody() {
        assert!(allowed(None, None, Op::Set));
    }

    #[test]
    fn restricted_elements_deny_anonymous_peers() {
        let a = Access::parse(&json!({"setGroups":["admin"]})).unwrap();
        assert!(!allowed(Some(&a), None, Op::Fetch));
        let john = groups(&["public"], &[], &[]);
        assert!(allowed(Some(&a), Some(&john), Op::Fetch));
        assert!(!allowed(Some(&a), Some(&john), Op::Set));
        let linus = groups(&[], &["admin"], &[]);
        assert!(allowed(Some(&a), Some(&linus), Op::Set));
    }

    #[test]
    fn empty_list_denies_everybody() {
        let a = Access::parse(&json!({"fetchGroups":[]})).unwrap();
        let all = groups(&["a", "b"], &["a"], &["a"]);
        assert!(!allowed(Some(&a), Some(&all), Op::Fetch));
    }

    #[test]
    fn malformed_access_names_the_key() {
        assert_eq!(Access::parse(&json!({"callGroups":"x"})), Err("callGroups"));
        assert_eq!(Access::parse(&json!({"setGroups":[1]})), Err("setGroups"));
        assert_eq!(Access::parse(&json!([])), Err("access"));
    }
}
