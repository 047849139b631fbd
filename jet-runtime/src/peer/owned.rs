//! What the handles of owned elements share: a [`State`](super::State) and a
//! [`Method`](super::Method) are each an [`Owned`] plus what is particular to them.
//!
//! An owned element is a registry entry (in `states` or `methods`) tied to one handle by a
//! token. A handle acts on its entry only while the token matches, so the handle of an
//! element that was removed (by path, or by the daemon's side of a reconnect) and added
//! again under the same path never touches the new entry.
//!
//! This module must never run user handlers or hold the registry lock across an `.await`.

use serde_json::json;

use super::registry::Registry;
use super::{Peer, PeerError};

/// Which registry map an owned element lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    State,
    Method,
}

impl Kind {
    /// The token of the entry at `path`, if there is one of this kind.
    fn token_at(self, reg: &Registry, path: &str) -> Option<u64> {
        match self {
            Kind::State => reg.states.get(path).map(|s| s.token),
            Kind::Method => reg.methods.get(path).map(|m| m.token),
        }
    }

    /// Remove the entry at `path` if it is the one `token` created; says whether it was.
    fn forget(self, reg: &mut Registry, path: &str, token: u64) -> bool {
        if self.token_at(reg, path) != Some(token) {
            return false;
        }
        match self {
            Kind::State => drop(reg.states.remove(path)),
            Kind::Method => drop(reg.methods.remove(path)),
        }
        true
    }
}

/// An element this peer added. Dropping it removes the element locally and (fire and
/// forget) from the daemon, unless it was detached or removed explicitly.
pub(crate) struct Owned {
    peer: Peer,
    path: String,
    token: u64,
    kind: Kind,
    keep: bool,
}

impl Owned {
    /// Reserve `path` in the local registry (`insert` puts the entry there, with the token,
    /// and returns the `add` params), then send `add`. The entry is in place before the
    /// request goes out, so a routed request arriving right after the daemon's `add`
    /// response finds its handler; if the daemon refuses, the entry is taken out again.
    /// Fails at once if this peer already owns the path.
    pub(crate) async fn add(
        peer: Peer,
        path: String,
        kind: Kind,
        insert: impl FnOnce(&mut Registry, u64) -> String,
    ) -> Result<Owned, PeerError> {
        let (token, params) = {
            let mut reg = peer.inner.shared.lock();
            if reg.closed {
                return Err(PeerError::Closed);
            }
            if reg.states.contains_key(&path) || reg.methods.contains_key(&path) {
                return Err(PeerError::Occupied(path));
            }
            let token = reg.token();
            let params = insert(&mut reg, token);
            (token, params)
        };
        let shared = &peer.inner.shared;
        match shared.request_text("add", &params, None).await {
            Ok(_) => Ok(Owned {
                peer,
                path,
                token,
                kind,
                keep: false,
            }),
            Err(e) => {
                kind.forget(&mut shared.lock(), &path, token);
                Err(e)
            }
        }
    }

    pub(crate) fn path(&self) -> &str {
        &self.path
    }

    pub(crate) fn peer(&self) -> &Peer {
        &self.peer
    }

    /// The token that ties the registry entry to this handle.
    pub(crate) fn token(&self) -> u64 {
        self.token
    }

    /// Remove the element from the daemon and wait for the answer.
    pub(crate) async fn remove(mut self) -> Result<(), PeerError> {
        self.keep = true;
        let shared = &self.peer.inner.shared;
        self.kind.forget(&mut shared.lock(), &self.path, self.token);
        shared
            .request("remove", json!({"path": self.path}), None)
            .await
            .map(drop)
    }

    /// Keep the element for as long as the peer lives, without holding the handle.
    pub(crate) fn detach(mut self) {
        self.keep = true;
    }
}

impl Drop for Owned {
    fn drop(&mut self) {
        if self.keep {
            return;
        }
        let mut reg = self.peer.inner.shared.lock();
        if self.kind.forget(&mut reg, &self.path, self.token) {
            // Fire and forget: a closed connection has removed it already.
            let _ = reg.notify("remove", json!({"path": self.path}));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::peer::state::StateEntry;

    fn state(token: u64) -> StateEntry {
        StateEntry {
            value: crate::peer::state::Current::Value(json!(1)),
            handler: None,
            access: None,
            schema: None,
            token,
        }
    }

    #[test]
    fn only_the_entry_a_handle_created_is_forgotten() {
        let mut reg = Registry::default();
        reg.states.insert("a".into(), state(2));
        assert!(
            !Kind::State.forget(&mut reg, "a", 1),
            "an older handle's token"
        );
        assert!(
            !Kind::Method.forget(&mut reg, "a", 2),
            "a state is not a method"
        );
        assert!(reg.states.contains_key("a"));
        assert!(Kind::State.forget(&mut reg, "a", 2));
        assert!(!reg.states.contains_key("a"));
        assert!(!Kind::State.forget(&mut reg, "a", 2), "forgotten once");
    }
}
