//! The bus: elements, fetchers, pending routes and access control, owned by one
//! [`Core`] value behind one lock; [`Bus`] is that lock plus the API connection tasks call.
//!
//! Connection tasks parse frames outside the lock (so both CPU cores work), then take the
//! lock once per frame and run the messages against the core. The core never awaits and
//! never does I/O: everything it sends goes into the connections' bounded
//! [`Outbox`]es, and their writer tasks do the writing. Because every operation runs to
//! completion under the lock, the notifications an operation causes are always queued
//! before its response, and every fetcher sees events in the order they happened.
//!
//! The rooms: `message` classifies a frame (before the lock) and `method` names the
//! daemon methods; `dispatch` calls one (under the lock), reading its params through
//! `params` and answering with a `reply`; `methods/` are the daemon methods by topic;
//! `registry/` is the data they work on (elements, fetchers and their index, the links
//! between them, routes, access rules, ids and the containers); `out` writes outgoing
//! messages.

mod dispatch;
mod message;
mod method;
mod methods;
mod n3;
mod nesting;
mod params;
mod registry;
mod reply;
mod wire;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use jet_runtime::protocol::ErrorObject;
use serde_json::Value;
use tokio::sync::Notify;

pub use method::DaemonMethod;
pub use registry::access::{Access, Op};
pub use registry::fetchers::FetcherId;
pub use registry::nodes::{Hierarchy, NodeOptions};

use crate::auth::{Groups, Users};
use crate::outbox::Outbox;
use registry::elements::Elements;
use registry::fetchers::{Fetcher, FetcherIndex};
use registry::idhash::{IdMap, IdSet};
use registry::routes::Routes;
use registry::slab::Slab;

pub use registry::ids::ConnId;
pub use wire::Dialect;

/// The limits and defaults the bus applies, taken from the [`Config`](crate::Config).
#[derive(Debug, Clone, Copy)]
struct Limits {
    default_timeout: Duration,
    max_elements_per_peer: usize,
    max_fetchers_per_peer: usize,
    max_pending_per_peer: usize,
}

impl Core {
    /// How `conn` speaks (classic for a connection that is gone).
    pub(in crate::bus) fn dialect(&self, conn: ConnId) -> Dialect {
        self.conns
            .get(&conn)
            .map_or(Dialect::Classic, |c| c.dialect)
    }
}

/// Asks a connection's transport, without waiting, whether its peer has already closed
/// it (`true`: gone). The bus calls it under its lock, only when an `add` conflicts with
/// an element that connection owns (PROTOCOL.md A.7: a peer that closed and came back
/// must not be refused because its old connection's task has not yet seen the end).
pub type ClosedProbe = Box<dyn Fn() -> bool + Send>;

/// One connected peer as the core sees it.
pub(in crate::bus) struct Conn {
    outbox: Arc<Outbox>,
    /// See [`ClosedProbe`]; `None` for connections without a socket (tests, benches).
    closed_probe: Option<ClosedProbe>,
    addr: Option<SocketAddr>,
    transport: &'static str,
    /// How the peer speaks (PROTOCOL.md A.10).
    dialect: Dialect,
    /// The dialect is settled: fixed by the listener, or decided by the first request.
    dialect_known: bool,
    /// Set by `config`; used in log lines.
    name: Option<String>,
    /// Set by a successful `authenticate`.
    auth: Option<Groups>,
    /// Fetch id (as JSON text) to fetcher.
    fetchers: HashMap<Box<str>, FetcherId>,
    /// Elements this connection added.
    owned: IdSet<registry::elements::ElemId>,
    /// Routed requests this connection made that wait for an answer.
    pending: usize,
    /// Failed `authenticate` attempts (each one makes the next answer wait longer).
    auth_failures: u32,
}

/// The daemon's state. See the module documentation.
pub struct Core {
    config: Limits,
    info: String,
    /// `info`'s result for node-jet 3 peers.
    info_n3: String,
    elements: Elements,
    fetchers: Slab<FetcherId, Fetcher>,
    index: FetcherIndex,
    /// Boxed: the table grows by doubling, so its slack (up to half of it) would be in
    /// whole `Conn`s; with boxes it is in pointers (RSS per idle connection, issue 17).
    conns: IdMap<ConnId, Box<Conn>>,
    routes: Routes,
    /// The nodes the element paths imply (A.11).
    nodes: registry::nodes::Nodes,
    /// The `nodes:true` fetchers (usually none or few): told about every add and remove.
    node_fetchers: Vec<FetcherId>,
    next_conn: ConnId,
    /// When the timer task will next look at the routes (`None`: it sleeps until woken).
    timer_next: Option<Instant>,
    timer_wake: Arc<Notify>,
}

/// The core behind its lock, plus what connection tasks need next to it.
pub struct Bus {
    core: Mutex<Core>,
    /// `--max-nesting-depth`, checked before the lock.
    max_nesting_depth: usize,
    timer_wake: Arc<Notify>,
    users: Users,
}

/// An `authenticate` request, verified off the lock (password hashing is deliberately
/// slow) and then completed with [`Bus::finish_authenticate`].
pub struct PendingAuth {
    pub id: Option<Box<str>>,
    pub user: String,
    pub password: String,
}

/// What became of a frame.
pub enum FrameOutcome {
    /// Every message was handled.
    Done,
    /// Message `next - 1` is an `authenticate`; verify it, finish it, then continue the
    /// frame at message `next`.
    Authenticate { auth: PendingAuth, next: usize },
}

impl Bus {
    /// An empty bus for a daemon with this configuration.
    pub fn new(config: &crate::Config) -> Arc<Bus> {
        let timer_wake = Arc::new(Notify::new());
        let users = config.users.clone();
        let node_options = config.nodes;
        let nodes = registry::nodes::Nodes::new(node_options);
        let max_nesting_depth = config.max_nesting_depth;
        let config = Limits {
            default_timeout: config.default_timeout,
            max_elements_per_peer: config.max_elements_per_peer,
            max_fetchers_per_peer: config.max_fetchers_per_peer,
            max_pending_per_peer: config.max_pending_per_peer,
        };
        let info = serde_json::json!({
            "name": "jetd",
            "version": env!("CARGO_PKG_VERSION"),
            "protocolVersion": "1.1.0",
            "features": {
                "batches": true,
                "authentication": true,
                "fetch": "full",
                "schemas": true,
                "nodes": {
                    "separator": node_options.separator.to_string(),
                    "hierarchy": node_options.hierarchy.as_str(),
                },
            }
        })
        .to_string();
        // What a node-jet 3 peer reads (PROTOCOL.md C.1.2): its feature names.
        let info_n3 = serde_json::json!({
            "name": "jetd",
            "version": env!("CARGO_PKG_VERSION"),
            "protocolVersion": "1.1.0",
            "features": {
                "batches": true,
                "fetch": "full",
                "asNotification": false,
                "authenticate": true,
            }
        })
        .to_string();
        Arc::new(Bus {
            max_nesting_depth,
            core: Mutex::new(Core {
                config,
                info,
                info_n3,
                elements: Elements::default(),
                fetchers: Slab::default(),
                index: FetcherIndex::default(),
                conns: IdMap::default(),
                routes: Routes::default(),
                nodes,
                node_fetchers: Vec::new(),
                next_conn: ConnId::FIRST,
                timer_next: None,
                timer_wake: timer_wake.clone(),
            }),
            timer_wake,
            users,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Core> {
        // A panic while holding the lock is a bug; the state is still consistent enough to
        // keep serving the other peers, so do not poison everybody. (The outboxes the bus
        // pushes into under this lock recover too, see `crate::outbox`.)
        self.core.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn users(&self) -> &Users {
        &self.users
    }

    /// Register a new connection.
    pub fn connect(
        &self,
        outbox: Arc<Outbox>,
        transport: &'static str,
        addr: Option<SocketAddr>,
    ) -> ConnId {
        self.connect_probed(outbox, transport, addr, None)
    }

    /// Register a new connection whose transport can tell whether its peer already
    /// closed it (see [`ClosedProbe`]).
    pub fn connect_probed(
        &self,
        outbox: Arc<Outbox>,
        transport: &'static str,
        addr: Option<SocketAddr>,
        closed_probe: Option<ClosedProbe>,
    ) -> ConnId {
        let mut core = self.lock();
        let id = core.next_conn;
        core.next_conn = id.next();
        core.conns.insert(
            id,
            Box::new(Conn {
                outbox,
                closed_probe,
                addr,
                transport,
                dialect: Dialect::Classic,
                dialect_known: false,
                name: None,
                auth: None,
                fetchers: HashMap::new(),
                owned: IdSet::default(),
                pending: 0,
                auth_failures: 0,
            }),
        );
        tracing::debug!(conn = %id, transport, ?addr, "peer connected");
        id
    }

    /// Fix a connection's dialect (a listener option or WebSocket path chose it), instead
    /// of recognising it from the peer's first request.
    pub fn set_dialect(&self, conn: ConnId, dialect: Dialect) {
        if let Some(c) = self.lock().conns.get_mut(&conn) {
            c.dialect = dialect;
            c.dialect_known = true;
        }
    }

    /// Handle one frame's text, starting at message `start` of a batch (0 for a new frame).
    ///
    /// The frame is parsed and its messages classified before the lock is taken (the JSON
    /// scanning is most of a message's work), so another connection's task can use the
    /// core meanwhile.
    pub fn handle_frame(&self, conn: ConnId, text: &[u8], start: usize) -> FrameOutcome {
        let max_depth = self.max_nesting_depth;
        let parsed = if nesting::deeper_than(text, max_depth) {
            let reason = nesting::reason(max_depth);
            Err(match nesting::request_id(text) {
                Some(id) => (
                    Some(id),
                    ErrorObject::invalid_request(Value::String(reason)),
                ),
                None => (None, ErrorObject::parse_error(reason)),
            })
        } else {
            message::parse_frame(text).map_err(|reason| (None, ErrorObject::parse_error(reason)))
        };
        let frame = match parsed {
            Ok(frame) => frame,
            Err((id, error)) => {
                let core = self.lock();
                if let Some(c) = core.conns.get(&conn) {
                    wire::error(&c.outbox, c.dialect, id.as_deref(), &error);
                }
                return FrameOutcome::Done;
            }
        };
        let mut core = self.lock();
        if !core.conns.contains_key(&conn) {
            // Already cleaned up: its peer closed it and a conflicting `add` of another
            // connection found out first (see `Core::owner_is_gone`).
            return FrameOutcome::Done;
        }
        match frame {
            message::Frame::One(_) if start > 0 => FrameOutcome::Done,
            message::Frame::One(msg) => match core.handle_message(conn, &msg) {
                Some(auth) => FrameOutcome::Authenticate { auth, next: 1 },
                None => FrameOutcome::Done,
            },
            message::Frame::Batch(items) => {
                for (i, msg) in items.iter().enumerate().skip(start) {
                    if let Some(auth) = core.handle_message(conn, msg) {
                        return FrameOutcome::Authenticate { auth, next: i + 1 };
                    }
                }
                FrameOutcome::Done
            }
        }
    }

    /// How long to hold back the next `authenticate` answer of a connection: nothing at
    /// first, then doubling from 100 ms per failed attempt up to 5 s, so guessing
    /// passwords over one connection is slow.
    pub fn auth_delay(&self, conn: ConnId) -> Duration {
        let failures = self.lock().conns.get(&conn).map_or(0, |c| c.auth_failures);
        match failures {
            0 => Duration::ZERO,
            f => Duration::from_millis(100u64 << (f - 1).min(6)).min(Duration::from_secs(5)),
        }
    }

    /// Complete an `authenticate` with the verification result.
    pub fn finish_authenticate(&self, conn: ConnId, auth: PendingAuth, groups: Option<Groups>) {
        self.lock().finish_authenticate(conn, auth, groups);
    }

    /// A connection has closed: drop its fetchers, remove its elements (fetchers see
    /// `remove`), fail the requests routed to it and forget the ones it made.
    pub fn disconnect(&self, conn: ConnId) {
        self.lock().disconnect(conn);
    }

    /// Daemon shutdown: stop every connection's outbox first, so that the clean-up of
    /// each connection (which would tell others about removed elements and failed
    /// requests) sends nothing; peers simply see their connection close.
    pub fn close_all(&self) {
        let core = self.lock();
        for c in core.conns.values() {
            c.outbox.close(crate::outbox::Closed::Shutdown);
            c.outbox.discard();
        }
    }

    /// Answer every routed request whose deadline has passed; returns when the timer
    /// should look again (`None`: when woken).
    pub fn expire_routes(&self, now: Instant) -> Option<Instant> {
        let mut core = self.lock();
        core.expire_routes(now);
        core.timer_next = core.routes.earliest_deadline();
        core.timer_next
    }

    /// Runs the routed-request timeouts until `stop` resolves.
    pub async fn run_timer(self: Arc<Self>, stop: impl std::future::Future<Output = ()>) {
        tokio::pin!(stop);
        loop {
            let next = self.expire_routes(Instant::now());
            let wake = self.timer_wake.notified();
            tokio::select! {
                _ = &mut stop => return,
                _ = wake => {}
                _ = sleep_until_opt(next) => {}
            }
        }
    }

    /// Counts for logs and tests.
    pub fn stats(&self) -> Stats {
        let core = self.lock();
        Stats {
            elements: core.elements.len(),
            fetchers: core.conns.values().map(|c| c.fetchers.len()).sum(),
            connections: core.conns.len(),
            pending_routes: core.routes.len(),
        }
    }
}

/// What the bus holds at one moment ([`Bus::stats`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Elements (states and methods) added and not removed.
    pub elements: usize,
    /// Fetchers, over all connections.
    pub fetchers: usize,
    /// Registered connections.
    pub connections: usize,
    /// Routed `set`/`call` requests waiting for their owner's answer.
    pub pending_routes: usize,
}

async fn sleep_until_opt(when: Option<Instant>) {
    match when {
        Some(t) => tokio::time::sleep_until(t.into()).await,
        None => std::future::pending().await,
    }
}
