//! Running a command: connect as the global options say, then hand over to the module of
//! the command (`query`: info, get, tree, schema; `fetch`; `request`: set, call; `provide`:
//! add, add-method; `codegen`).

mod codegen;
mod fetch;
mod nodes;
mod provide;
mod query;
mod request;

use std::time::Duration;

use jet_runtime::peer::{Peer, PeerError};

use crate::args::{Cli, Command};
use crate::error::CliError;
use crate::output::Output;

/// How long the goodbye (unfetch, remove) after an interrupt may take: the user wants out.
const GOODBYE_TIMEOUT: Duration = Duration::from_secs(3);

/// What every command needs: the output and how to reach the daemon.
pub(crate) struct Ctx<'a> {
    pub cli: &'a Cli,
    pub out: Output,
}

impl Ctx<'_> {
    /// Explain a peer error in the words of this command line.
    pub(crate) fn error(&self, e: PeerError) -> CliError {
        CliError::from_peer(e, &self.cli.daemon)
    }

    /// Explain the error of a `set` or `call` (the owner's own errors say so).
    pub(crate) fn routed_error(&self, e: PeerError) -> CliError {
        CliError::from_routed(e, &self.cli.daemon)
    }

    /// Connect (and authenticate) as the global options say.
    pub(crate) async fn connect(&self) -> Result<Peer, CliError> {
        let addr = daemon_address(&self.cli.daemon)?;
        // Connecting and the handshake get less time than a request (10 s), so a daemon
        // that accepts but never answers is "unreachable" (exit 3), not a request timeout.
        let connect_timeout = seconds("--connect-timeout", self.cli.connect_timeout)?;
        // What the daemon left out and the peer did itself (cjet ignores value rules,
        // sorting and valueAsResult): the answer is right, but say so, on stderr.
        let json = self.out.json;
        let mut builder = Peer::builder()
            .name("jet")
            .connect_timeout(connect_timeout)
            .on_notice(move |notice| {
                if json {
                    eprintln!("{}", serde_json::json!({"note": notice.to_string()}));
                } else {
                    eprintln!("jet: note: {notice}");
                }
            });
        if let Some(ca) = &self.cli.ca {
            builder = builder.tls_ca_file(ca);
        }
        if let (Some(user), Some(var)) = (&self.cli.user, &self.cli.password_env) {
            let password = std::env::var(var).map_err(|_| {
                CliError::Usage(format!(
                    "--password-env {var}: the environment variable {var} is not set (or not \
                     valid UTF-8); put the password of `{user}` there"
                ))
            })?;
            builder = builder.credentials(user.clone(), password);
        }
        builder.connect(&addr).await.map_err(|e| self.error(e))
    }
}

/// Run the command of `cli`.
pub(crate) async fn run(cli: &Cli, out: Output) -> Result<(), CliError> {
    let ctx = Ctx { cli, out };
    match &cli.command {
        Command::Info => query::info(&ctx).await,
        Command::Get(rule) => query::get(&ctx, rule).await,
        Command::Tree(args) => nodes::tree(&ctx, args).await,
        Command::Ls(args) => nodes::ls(&ctx, args).await,
        Command::Schema(rule) => query::schema(&ctx, rule).await,
        Command::Codegen(args) => codegen::run(&ctx, args).await,
        Command::Fetch(args) => fetch::run(&ctx, args).await,
        Command::Set(args) => request::set(&ctx, args).await,
        Command::Call(args) => request::call(&ctx, args).await,
        Command::Add(args) => provide::add(&ctx, args).await,
        Command::AddMethod(args) => provide::add_method(&ctx, args).await,
    }
}

/// The peer's address for a `--daemon` value: `tcp://HOST:PORT` and `HOST:PORT` are TCP,
/// `ws://...` WebSocket.
pub(crate) fn daemon_address(daemon: &str) -> Result<String, CliError> {
    if let Some(rest) = daemon.strip_prefix("tcp://") {
        return Ok(rest.trim_end_matches('/').to_owned());
    }
    if let Some(rest) = daemon.strip_prefix("tls://") {
        return Ok(format!("tls://{}", rest.trim_end_matches('/')));
    }
    if daemon.starts_with("ws://") || daemon.starts_with("wss://") || !daemon.contains("://") {
        return Ok(daemon.to_owned());
    }
    Err(CliError::Usage(format!(
        "unknown scheme in --daemon `{daemon}`: expected tcp://HOST:PORT, HOST:PORT, \
         tls://HOST:PORT, ws://HOST:PORT/PATH or wss://HOST:PORT/PATH"
    )))
}

/// A timeout given in seconds on the command line.
pub(crate) fn seconds(flag: &str, s: f64) -> Result<Duration, CliError> {
    Duration::try_from_secs_f64(s)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            CliError::Usage(format!("{flag} {s}: expected a positive number of seconds"))
        })
}

/// Ctrl-C (SIGINT) or SIGTERM: the signal to stop a command that runs until interrupted.
/// Listening starts when this is created, so create it before announcing readiness.
pub(crate) struct Interrupt {
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
}

impl Interrupt {
    pub(crate) fn listen() -> Result<Interrupt, CliError> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Interrupt {
                int: signal(SignalKind::interrupt())?,
                term: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Interrupt {})
    }

    /// Wait for the signal.
    pub(crate) async fn recv(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.int.recv() => {}
            _ = self.term.recv() => {}
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Run the goodbye request of an interrupted command, bounded by [`GOODBYE_TIMEOUT`]. A
/// failure is only reported: the connection closes next anyway, and the daemon then drops
/// what this peer owned.
pub(crate) async fn goodbye<F>(what: &str, fut: F)
where
    F: std::future::Future<Output = Result<(), PeerError>>,
{
    match tokio::time::timeout(GOODBYE_TIMEOUT, fut).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => eprintln!("jet: {what} failed: {e}"),
        Err(_) => eprintln!("jet: {what}: no answer from the daemon, closing anyway"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daemon_addresses() {
        assert_eq!(
            daemon_address("tcp://127.0.0.1:11122").unwrap(),
            "127.0.0.1:11122"
        );
        assert_eq!(daemon_address("tcp://h:1/").unwrap(), "h:1");
        assert_eq!(daemon_address("h:1").unwrap(), "h:1");
        assert_eq!(daemon_address("tls://h:1/").unwrap(), "tls://h:1");
        assert_eq!(daemon_address("wss://h:1/x").unwrap(), "wss://h:1/x");
        assert_eq!(
            daemon_address("ws://h:1/api/jet").unwrap(),
            "ws://h:1/api/jet"
        );
        assert!(matches!(
            daemon_address("http://h:1"),
            Err(CliError::Usage(_))
        ));
    }

    #[test]
    fn timeouts_must_be_positive() {
        assert_eq!(
            seconds("--timeout", 1.5).unwrap(),
            Duration::from_millis(1500)
        );
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(seconds("--timeout", bad).is_err(), "{bad}");
        }
    }
}
