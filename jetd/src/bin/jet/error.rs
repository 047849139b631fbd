//! What can go wrong in `jet`, in words a user can act on, with an exit status per kind.
//!
//! The peer's [`PeerError`] names the case; here it becomes a sentence that says what the
//! daemon meant (`no such path: plant/boiler/setpoint`) and, where there is one, what to do
//! next. The original error is kept for `--verbose`.

use jet_runtime::peer::PeerError;
use serde_json::{json, Value};

/// A failed `jet` run.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    /// The command line does not make sense (bad JSON, bad rule). Exit status 2, like clap.
    #[error("{0}")]
    Usage(String),
    /// The daemon or the element's owner refused the request. Exit status 1.
    #[error("{words}")]
    Refused { words: String, raw: Box<PeerError> },
    /// The daemon could not be reached, or the connection ended. Exit status 3.
    #[error("{words}")]
    Connection {
        words: String,
        raw: Option<Box<PeerError>>,
    },
    /// Writing to standard output failed (a closed pipe ends `jet` quietly).
    #[error("cannot write the output: {0}")]
    Output(#[from] std::io::Error),
}

impl CliError {
    /// The process exit status for this error.
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 2,
            CliError::Refused { .. } | CliError::Output(_) => 1,
            CliError::Connection { .. } => 3,
        }
    }

    /// The error as the peer reported it, for `--verbose`.
    pub(crate) fn raw(&self) -> Option<&PeerError> {
        match self {
            CliError::Refused { raw, .. } => Some(raw),
            CliError::Connection { raw, .. } => raw.as_deref(),
            _ => None,
        }
    }

    /// The error as one JSON object, for `--json`: `{"error": words, "kind", "exitCode"}`,
    /// and `daemonError` with the error object when the daemon or owner sent one.
    pub(crate) fn to_json(&self) -> Value {
        let kind = match self {
            CliError::Usage(_) => "usage",
            CliError::Refused { .. } => "refused",
            CliError::Connection { .. } => "connection",
            CliError::Output(_) => "output",
        };
        let mut v = json!({"error": self.to_string(), "kind": kind, "exitCode": self.exit_code()});
        let object = match self.raw() {
            Some(PeerError::Remote {
                code,
                message,
                data,
            }) => Some((*code, message.as_str(), data)),
            Some(PeerError::InvalidParams { message, data }) => {
                Some((-32602, message.as_str(), data))
            }
            _ => None,
        };
        if let Some((code, message, data)) = object {
            let mut e = json!({"code": code, "message": message});
            if let Some(d) = data {
                e["data"] = d.clone();
            }
            v["daemonError"] = e;
        }
        v
    }

    /// Whether the reader of our output went away (`jet fetch | head -3`): not a failure.
    pub(crate) fn is_broken_pipe(&self) -> bool {
        matches!(self, CliError::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }

    /// Explain the error of a routed `set` or `call`: an error that is not one of the
    /// daemon's own is the element owner's answer, and is worded as such.
    pub(crate) fn from_routed(e: PeerError, daemon: &str) -> CliError {
        match &e {
            PeerError::Remote {
                code,
                message,
                data,
            } => {
                let words = match data {
                    Some(d) => format!("the owner refused: {message} (error {code}): {d}"),
                    None => format!("the owner refused: {message} (error {code})"),
                };
                CliError::Refused {
                    words,
                    raw: Box::new(e),
                }
            }
            _ => CliError::from_peer(e, daemon),
        }
    }

    /// Explain a peer error; `daemon` is the address as the user gave it.
    pub(crate) fn from_peer(e: PeerError, daemon: &str) -> CliError {
        let words = match &e {
            PeerError::InvalidAddress(addr) => {
                return CliError::Usage(format!(
                    "invalid daemon address `{addr}`: expected tcp://HOST:PORT, HOST:PORT, \
                     tls://HOST:PORT, ws://HOST:PORT/PATH or wss://HOST:PORT/PATH"
                ))
            }
            PeerError::CaFile { path, reason } => {
                return CliError::Usage(format!("--ca {path}: {reason}"))
            }
            PeerError::Untrusted {
                reason,
                unknown_issuer,
                ..
            } => {
                let what_to_do = if *unknown_issuer {
                    "pass --ca FILE with the CA that signed it (or the daemon's self-signed \
                     certificate)"
                } else {
                    "check the host name in --daemon and the certificate's dates"
                };
                return CliError::Connection {
                    words: format!(
                        "cannot connect to the daemon at {daemon}: the daemon's certificate is \
                         not trusted: {reason}; {what_to_do}"
                    ),
                    raw: Some(Box::new(e)),
                };
            }
            PeerError::Connect { reason, .. } => {
                return CliError::Connection {
                    words: format!(
                        "cannot connect to the daemon at {daemon}: {reason} (is jetd running \
                         there? choose another with --daemon or JET_DAEMON)"
                    ),
                    raw: Some(Box::new(e)),
                }
            }
            PeerError::WebSocketRefused {
                status,
                reason: Some(reason),
                ..
            } if *status != 404 => {
                return CliError::Connection {
                    words: format!(
                        "cannot connect to the daemon at {daemon}: the daemon refused the \
                         WebSocket upgrade (HTTP {status}): {reason}"
                    ),
                    raw: Some(Box::new(e)),
                };
            }
            PeerError::WebSocketRefused { status, .. } => {
                let what = if *status == 404 { "path" } else { "upgrade" };
                return CliError::Connection {
                    words: format!(
                        "cannot connect to the daemon at {daemon}: the daemon refused the \
                         WebSocket {what} (HTTP {status}); check the path in --daemon (jetd \
                         serves any path, cjet ws://HOST:PORT/api/jet/)"
                    ),
                    raw: Some(Box::new(e)),
                };
            }
            PeerError::ConnectionClosed | PeerError::Closed | PeerError::Io(_) => {
                return CliError::Connection {
                    words: format!("lost the connection to the daemon at {daemon}"),
                    raw: Some(Box::new(e)),
                }
            }
            PeerError::NotFound(path) => format!("no such path: {path}"),
            PeerError::Occupied(path) => {
                format!("path already in use: {path} (another element is there)")
            }
            PeerError::Foreign(path) => {
                format!("not yours: {path} belongs to another peer, only its owner may change it")
            }
            PeerError::FetchOnly(path) => {
                format!("read-only: {path} was added fetch-only and cannot be set or called")
            }
            PeerError::NoAccess(path) => format!(
                "no access to {path}: authenticate (--user, --password-env) as a user whose \
                 groups allow it"
            ),
            PeerError::NotAState(path) => {
                format!("not a state: {path} is a method (use `jet call`)")
            }
            PeerError::NotAMethod(path) => {
                format!("not a method: {path} is a state (use `jet set`)")
            }
            PeerError::Timeout { details: Some(_) } => {
                "timeout: the owner did not answer in time (give it longer with --timeout S)"
                    .to_owned()
            }
            PeerError::Timeout { details: None } => {
                format!("timeout: the daemon at {daemon} did not answer in time")
            }
            PeerError::OwnerDisconnected(Some(path)) => {
                format!("the owner of {path} disconnected before answering")
            }
            PeerError::OwnerDisconnected(None) => {
                "the owner of the element disconnected before answering".to_owned()
            }
            PeerError::InvalidCredentials => {
                "authentication failed: invalid user name or password".to_owned()
            }
            PeerError::MethodNotFound(method) => {
                let method = if method.is_empty() {
                    "this request"
                } else {
                    method
                };
                format!("the daemon at {daemon} does not support `{method}` (Method not found)")
            }
            // A value the owner refused, in its words (the peer's Display says so).
            PeerError::InvalidParams { data: Some(d), .. }
                if d.get("invalidArgument").is_some() =>
            {
                e.to_string()
            }
            PeerError::InvalidParams { .. } => format!("the daemon refused the request: {e}"),
            PeerError::Remote {
                code,
                message,
                data,
            } => match data {
                Some(d) => format!("refused: {message} (error {code}): {d}"),
                None => format!("refused: {message} (error {code})"),
            },
            other => other.to_string(),
        };
        CliError::Refused {
            words,
            raw: Box::new(e),
        }
    }
}

/// A command line error (from clap) as `--json` reports errors.
pub(crate) fn usage_json(words: &str) -> Value {
    json!({"error": words, "kind": "usage", "exitCode": 2})
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn jet_errors_read_as_words() {
        let e = CliError::from_peer(PeerError::NotFound("plant/boiler/setpoint".into()), "d");
        assert_eq!(e.to_string(), "no such path: plant/boiler/setpoint");
        assert_eq!(e.exit_code(), 1);
        assert!(matches!(e.raw(), Some(PeerError::NotFound(_))));
        let e = CliError::from_peer(
            PeerError::Remote {
                code: 123,
                message: "too hot".into(),
                data: Some(json!({"max": 90})),
            },
            "d",
        );
        assert_eq!(e.to_string(), r#"refused: too hot (error 123): {"max":90}"#);
    }

    #[test]
    fn connection_problems_name_the_daemon_and_exit_3() {
        let e = CliError::from_peer(
            PeerError::Connect {
                addr: "127.0.0.1:1".into(),
                reason: "Connection refused".into(),
            },
            "tcp://127.0.0.1:1",
        );
        assert_eq!(e.exit_code(), 3);
        assert!(e
            .to_string()
            .contains("at tcp://127.0.0.1:1: Connection refused"));
        let e = CliError::from_peer(
            PeerError::Untrusted {
                addr: "tls://h:1".into(),
                reason: "invalid peer certificate: UnknownIssuer".into(),
                unknown_issuer: true,
            },
            "tls://h:1",
        );
        assert_eq!(e.exit_code(), 3);
        assert_eq!(
            e.to_string(),
            "cannot connect to the daemon at tls://h:1: the daemon's certificate is not \
             trusted: invalid peer certificate: UnknownIssuer; pass --ca FILE with the CA that \
             signed it (or the daemon's self-signed certificate)"
        );
        let e = CliError::from_peer(PeerError::ConnectionClosed, "ws://h:1/");
        assert_eq!(e.exit_code(), 3);
        assert!(e.to_string().contains("ws://h:1/"));
    }

    #[test]
    fn refusals_say_who_refused() {
        let owner = PeerError::from_error_value(json!({"message":"Invalid params",
            "code":-32602,"data":{"invalidArgument":{"message":"must be within 30 to 90 °C"}}}));
        assert_eq!(
            CliError::from_peer(owner, "d").to_string(),
            "the owner refused: must be within 30 to 90 °C"
        );
        let daemon = PeerError::from_error_value(json!({"message":"Invalid params",
            "code":-32602,"data":{"reason":"no path given"}}));
        assert_eq!(
            CliError::from_peer(daemon, "d").to_string(),
            "the daemon refused the request: Invalid params: no path given"
        );
        let custom = PeerError::Remote {
            code: 123,
            message: "too hot".into(),
            data: None,
        };
        assert_eq!(
            CliError::from_routed(custom, "d").to_string(),
            "the owner refused: too hot (error 123)"
        );
        let e = CliError::from_peer(
            PeerError::WebSocketRefused {
                addr: "ws://h:1/x".into(),
                status: 404,
                reason: None,
            },
            "ws://h:1/x",
        );
        assert_eq!(e.exit_code(), 3);
        assert!(e
            .to_string()
            .starts_with("cannot connect to the daemon at ws://h:1/x: the daemon refused the WebSocket path (HTTP 404)"));
        assert!(!e.to_string().contains("is jetd running"));
    }

    #[test]
    fn errors_as_json() {
        let e = CliError::from_routed(
            PeerError::Remote {
                code: 123,
                message: "too hot".into(),
                data: Some(json!({"max": 90})),
            },
            "d",
        );
        assert_eq!(
            e.to_json(),
            json!({"error": "the owner refused: too hot (error 123): {\"max\":90}",
                "kind": "refused", "exitCode": 1,
                "daemonError": {"code": 123, "message": "too hot", "data": {"max": 90}}})
        );
        let e = CliError::Usage("bad".into());
        assert_eq!(
            e.to_json(),
            json!({"error": "bad", "kind": "usage", "exitCode": 2})
        );
    }

    #[test]
    fn a_bad_address_or_ca_file_is_a_usage_error() {
        let e = CliError::from_peer(PeerError::InvalidAddress("x".into()), "x");
        assert_eq!(e.exit_code(), 2);
        let e = CliError::from_peer(
            PeerError::CaFile {
                path: "ca.pem".into(),
                reason: "cannot read it: No such file or directory (os error 2)".into(),
            },
            "tls://h:1",
        );
        assert_eq!(e.exit_code(), 2);
        assert_eq!(
            e.to_string(),
            "--ca ca.pem: cannot read it: No such file or directory (os error 2)"
        );
    }

    #[test]
    fn a_closed_pipe_is_recognised() {
        let e = CliError::from(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        assert!(e.is_broken_pipe());
        let e = CliError::from(std::io::Error::other("disk full"));
        assert!(!e.is_broken_pipe());
    }
}
