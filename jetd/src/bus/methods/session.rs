//! Per-connection matters: `config`, `authenticate`, and the clean-up on disconnect
//! (PROTOCOL.md A.7, A.9).

use jet_runtime::protocol::ErrorObject;

use crate::auth::Groups;
use crate::bus::params::Params;
use crate::bus::registry::elements::ElemId;
use crate::bus::registry::fetchers::FetcherId;
use crate::bus::{wire, ConnId, Core, Dialect, PendingAuth};

use crate::bus::reply::{MethodResult, Reply, TRUE};

impl Core {
    pub(in crate::bus) fn config(&mut self, conn: ConnId, p: &Params<'_>) -> MethodResult {
        if p.m.name.is_some() {
            let name = p.required_str(p.m.name, "name")?;
            let c = self.conns.get_mut(&conn).expect("live connection");
            tracing::debug!(conn = %conn, name = %name, "peer named itself");
            c.name = Some(name.into_owned());
        }
        Ok(Reply::Result(TRUE.into()))
    }

    pub(in crate::bus) fn authenticate(&mut self, conn: ConnId, p: &Params<'_>) -> MethodResult {
        let user = p.required_str(p.m.user, "user")?;
        let password = p.required_str(p.m.password, "password")?;
        if !self.conn(conn).fetchers.is_empty() {
            return Err(ErrorObject::already_fetching());
        }
        Ok(Reply::Authenticate(
            user.into_owned(),
            password.into_owned(),
        ))
    }

    pub(in crate::bus) fn finish_authenticate(
        &mut self,
        conn: ConnId,
        auth: PendingAuth,
        groups: Option<Groups>,
    ) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        let reply = match groups {
            None => {
                c.auth_failures = c.auth_failures.saturating_add(1);
                tracing::info!(conn = %conn, addr = ?c.addr, failures = c.auth_failures, "authentication failed");
                Err(ErrorObject::invalid_credentials())
            }
            Some(_) if !c.fetchers.is_empty() => Err(ErrorObject::already_fetching()),
            Some(groups) => {
                // Classic: the groups (as node-jet 2); node-jet 3: `{}`.
                let text = match c.dialect {
                    Dialect::Classic => serde_json::to_string(&groups).expect("groups serialise"),
                    Dialect::N3 => wire::ok_text(Dialect::N3).to_owned(),
                };
                c.auth = Some(groups);
                Ok(text)
            }
        };
        let Some(id) = auth.id else { return };
        match reply {
            Ok(text) => wire::result(&c.outbox, &id, &text),
            Err(e) => wire::error(&c.outbox, c.dialect, Some(&id), &e),
        }
    }

    pub(in crate::bus) fn disconnect(&mut self, conn: ConnId) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        let fetchers: Vec<FetcherId> = c.fetchers.drain().map(|(_, k)| k).collect();
        let mut owned: Vec<ElemId> = c.owned.iter().copied().collect();
        tracing::debug!(conn = %conn, transport = c.transport, name = ?c.name, "peer disconnected");
        for key in fetchers {
            self.drop_fetcher(key);
        }
        owned.sort_unstable_by_key(|&id| self.elements.get(id).seq);
        for id in owned {
            self.remove_element(id);
        }
        for route in self
            .routes
            .drain_where(|r| r.owner == conn || r.requester == conn)
        {
            if route.requester == conn {
                continue;
            }
            if let Some(req) = self.route_done(&route) {
                wire::error(
                    &req.outbox,
                    req.dialect,
                    Some(&route.requester_id),
                    &ErrorObject::owner_disconnected(&route.path),
                );
            }
        }
        self.conns.remove(&conn);
    }
}
