//! The daemon methods by name (PROTOCOL.md A.4): the one list the parser and the
//! dispatcher share, so a method added here must be handled everywhere (the dispatcher
//! matches exhaustively).

/// A method the daemon itself answers (anything else is `Method not found`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DaemonMethod {
    Info,
    Echo,
    Add,
    Remove,
    Change,
    Set,
    Call,
    Fetch,
    Unfetch,
    Get,
    Schema,
    Config,
    Authenticate,
    /// node-jet 3's name for `config` (PROTOCOL.md C.1.2).
    Configure,
    /// node-jet 3's `addUser`: always refused (users come from the users file).
    AddUser,
}

impl DaemonMethod {
    /// Every daemon method, in the order of PROTOCOL.md A.4 (plus jetd's `schema` and
    /// node-jet 3's `configure` and `addUser`, A.10).
    pub const ALL: [DaemonMethod; 15] = [
        DaemonMethod::Info,
        DaemonMethod::Echo,
        DaemonMethod::Add,
        DaemonMethod::Remove,
        DaemonMethod::Change,
        DaemonMethod::Set,
        DaemonMethod::Call,
        DaemonMethod::Fetch,
        DaemonMethod::Unfetch,
        DaemonMethod::Get,
        DaemonMethod::Schema,
        DaemonMethod::Config,
        DaemonMethod::Authenticate,
        DaemonMethod::Configure,
        DaemonMethod::AddUser,
    ];

    /// The method's name on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            DaemonMethod::Info => "info",
            DaemonMethod::Echo => "echo",
            DaemonMethod::Add => "add",
            DaemonMethod::Remove => "remove",
            DaemonMethod::Change => "change",
            DaemonMethod::Set => "set",
            DaemonMethod::Call => "call",
            DaemonMethod::Fetch => "fetch",
            DaemonMethod::Unfetch => "unfetch",
            DaemonMethod::Get => "get",
            DaemonMethod::Schema => "schema",
            DaemonMethod::Config => "config",
            DaemonMethod::Authenticate => "authenticate",
            DaemonMethod::Configure => "configure",
            DaemonMethod::AddUser => "addUser",
        }
    }

    /// The method of a wire name (case-sensitive, as the protocol is).
    pub fn parse(name: &str) -> Option<DaemonMethod> {
        DaemonMethod::ALL.into_iter().find(|m| m.as_str() == name)
    }

    /// Whether only node-jet 3 peers know the method (a classic peer gets `Method not
    /// found` for it, as before the dialect existed).
    pub const fn n3_only(self) -> bool {
        matches!(self, DaemonMethod::Configure | DaemonMethod::AddUser)
    }

    /// Whether the method reads its params as an object (all but `info` and `echo`, which
    /// take them as they are): only then are they parsed, before the lock.
    pub const fn takes_params(self) -> bool {
        !matches!(self, DaemonMethod::Info | DaemonMethod::Echo)
    }
}

#[cfg(test)]
mod tests {
    use super::DaemonMethod;

    #[test]
    fn names_round_trip_and_are_distinct() {
        for m in DaemonMethod::ALL {
            assert_eq!(DaemonMethod::parse(m.as_str()), Some(m));
        }
        let mut names: Vec<_> = DaemonMethod::ALL.iter().map(|m| m.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), DaemonMethod::ALL.len());
        assert_eq!(DaemonMethod::parse("Set"), None);
        assert_eq!(DaemonMethod::parse("nope"), None);
    }
}
