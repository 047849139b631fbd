//! The `jetd` binary: parse flags (and an optional TOML file), start the daemon, print the
//! "listening" line, run until SIGINT/SIGTERM.

use std::io::{BufRead, Write};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use serde::Deserialize;

use jetd::auth::Users;
use jetd::{Config, Daemon};

/// jetd, the Jet routing daemon.
///
/// Peers add states and methods at paths; jetd routes `set` and `call` to their owners and
/// pushes fetch notifications to every peer whose fetch matches. TCP (4-byte length + JSON)
/// and WebSocket are served on 11122 and 11123 by default.
#[derive(Debug, Parser)]
#[command(version, about, long_about)]
struct Cli {
    /// TCP listener, HOST:PORT, PORT or `off` [default: 0.0.0.0:11122]
    #[arg(long, value_name = "ADDR")]
    tcp: Option<String>,
    /// WebSocket listener, HOST:PORT, PORT or `off` [default: 0.0.0.0:11123]
    #[arg(long, value_name = "ADDR")]
    ws: Option<String>,
    /// Listen on this address instead of all interfaces (for listeners given as a bare port)
    #[arg(long, value_name = "HOST")]
    listen: Option<IpAddr>,
    /// Users file (TOML with password hashes) for `authenticate`; see docs/AUTHENTICATION.md
    #[arg(long, value_name = "FILE")]
    users: Option<PathBuf>,
    /// Default timeout of routed set/call requests, in seconds [default: 5]
    #[arg(long, value_name = "SECS")]
    timeout: Option<f64>,
    /// Largest accepted message in bytes [default: 10485760]
    #[arg(long, value_name = "BYTES")]
    max_message_size: Option<usize>,
    /// Bytes that may wait for one peer before it is disconnected as too slow [default: 67108864]
    #[arg(long, value_name = "BYTES")]
    max_queue: Option<usize>,
    /// Connections served at once; more are closed at once [default: 4096]
    #[arg(long, value_name = "N")]
    max_connections: Option<usize>,
    /// Elements one peer may own [default: 1000000]
    #[arg(long, value_name = "N")]
    max_elements_per_peer: Option<usize>,
    /// Fetches one peer may have [default: 10000]
    #[arg(long, value_name = "N")]
    max_fetchers_per_peer: Option<usize>,
    /// Routed set/call requests one peer may have waiting for an answer [default: 10000]
    #[arg(long, value_name = "N")]
    max_pending_per_peer: Option<usize>,
    /// Accept browser WebSocket clients only from this Origin (repeatable; default: any)
    #[arg(long = "ws-allowed-origin", value_name = "ORIGIN")]
    ws_allowed_origins: Vec<String>,
    /// Character that separates the levels of the node hierarchy (PROTOCOL.md A.11) [default: /]
    #[arg(long, value_name = "CHAR")]
    node_separator: Option<char>,
    /// `relaxed` (an element may have the path of a node) or `strict` (a position holds
    /// either a node or an element) [default: relaxed]
    #[arg(long, value_name = "MODE")]
    hierarchy: Option<jetd::core::Hierarchy>,
    /// Read settings from a TOML file (same names as the flags; flags win)
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read a password from standard input and print a users-file entry with its hash
    HashPassword {
        /// The user name for the entry
        user: String,
    },
}

/// The optional TOML configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct FileConfig {
    tcp: Option<String>,
    ws: Option<String>,
    listen: Option<IpAddr>,
    users: Option<PathBuf>,
    timeout: Option<f64>,
    max_message_size: Option<usize>,
    max_queue: Option<usize>,
    max_connections: Option<usize>,
    max_elements_per_peer: Option<usize>,
    max_fetchers_per_peer: Option<usize>,
    max_pending_per_peer: Option<usize>,
    ws_allowed_origins: Option<Vec<String>>,
    node_separator: Option<char>,
    hierarchy: Option<String>,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    if let Some(Command::HashPassword { user }) = &cli.command {
        return hash_password(user);
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let config = build_config(cli)?;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?
        .block_on(run(config))
}

async fn run(config: Config) -> Result<()> {
    let daemon = Daemon::start(config).await?;
    println!("{}", daemon.listening_line());
    std::io::stdout().flush().ok();
    tracing::info!("{}", daemon.listening_line());
    wait_for_signal().await;
    tracing::info!("shutting down");
    daemon.shutdown().await;
    Ok(())
}

async fn wait_for_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

fn build_config(cli: Cli) -> Result<Config> {
    let file = match &cli.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read config file {}", path.display()))?;
            toml::from_str::<FileConfig>(&text)
                .with_context(|| format!("invalid config file {}", path.display()))?
        }
        None => FileConfig::default(),
    };
    let listen = cli
        .listen
        .or(file.listen)
        .unwrap_or(IpAddr::from([0, 0, 0, 0]));
    let mut config = Config {
        tcp: parse_listener("tcp", cli.tcp.or(file.tcp).as_deref(), listen, 11122)?,
        ws: parse_listener("ws", cli.ws.or(file.ws).as_deref(), listen, 11123)?,
        ..Config::default()
    };
    if let Some(path) = cli.users.or(file.users) {
        config.users = Users::load(&path).map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    if let Some(secs) = cli.timeout.or(file.timeout) {
        if !(secs.is_finite() && secs > 0.0 && secs < 1e9) {
            bail!("--timeout must be a positive number of seconds, got {secs}");
        }
        config.default_timeout = Duration::from_secs_f64(secs);
    }
    if let Some(max) = cli.max_message_size.or(file.max_message_size) {
        if max == 0 || max > u32::MAX as usize {
            bail!(
                "--max-message-size must be between 1 and {} bytes, got {max}",
                u32::MAX
            );
        }
        config.max_message_size = max;
    }
    if let Some(max) = cli.max_queue.or(file.max_queue) {
        if max < 1024 {
            bail!("--max-queue must be at least 1024 bytes, got {max}");
        }
        config.max_outbound_queue = max;
    }
    let positive = |name: &str, v: Option<usize>, default: usize| -> Result<usize> {
        match v {
            None => Ok(default),
            Some(0) => bail!("--{name} must be at least 1"),
            Some(n) => Ok(n),
        }
    };
    config.max_connections = positive(
        "max-connections",
        cli.max_connections.or(file.max_connections),
        config.max_connections,
    )?;
    config.max_elements_per_peer = positive(
        "max-elements-per-peer",
        cli.max_elements_per_peer.or(file.max_elements_per_peer),
        config.max_elements_per_peer,
    )?;
    config.max_fetchers_per_peer = positive(
        "max-fetchers-per-peer",
        cli.max_fetchers_per_peer.or(file.max_fetchers_per_peer),
        config.max_fetchers_per_peer,
    )?;
    config.max_pending_per_peer = positive(
        "max-pending-per-peer",
        cli.max_pending_per_peer.or(file.max_pending_per_peer),
        config.max_pending_per_peer,
    )?;
    if let Some(sep) = cli.node_separator.or(file.node_separator) {
        config.nodes.separator = sep;
    }
    if let Some(h) = cli.hierarchy {
        config.nodes.hierarchy = h;
    } else if let Some(h) = file.hierarchy {
        config.nodes.hierarchy = h.parse().map_err(anyhow::Error::msg)?;
    }
    if !cli.ws_allowed_origins.is_empty() {
        config.ws_allowed_origins = Some(cli.ws_allowed_origins);
    } else if let Some(origins) = file.ws_allowed_origins {
        config.ws_allowed_origins = Some(origins);
    }
    if config.tcp.is_none() && config.ws.is_none() {
        bail!("both listeners are off: give --tcp or --ws an address");
    }
    Ok(config)
}

/// `off`, `PORT`, or `HOST:PORT` (IPv6 as `[::1]:PORT`).
fn parse_listener(
    kind: &str,
    arg: Option<&str>,
    listen: IpAddr,
    default_port: u16,
) -> Result<Option<SocketAddr>> {
    let Some(arg) = arg else {
        return Ok(Some(SocketAddr::new(listen, default_port)));
    };
    if arg == "off" {
        return Ok(None);
    }
    if let Ok(port) = arg.parse::<u16>() {
        return Ok(Some(SocketAddr::new(listen, port)));
    }
    if let Ok(addr) = arg.parse::<SocketAddr>() {
        return Ok(Some(addr));
    }
    if let Some((host, port)) = arg.rsplit_once(':') {
        if let (Ok(port), Some(addr)) = (port.parse::<u16>(), resolve(host)) {
            return Ok(Some(SocketAddr::new(addr, port)));
        }
    }
    bail!("--{kind} {arg:?}: expected HOST:PORT (e.g. 127.0.0.1:{default_port}), a port, or `off`")
}

fn resolve(host: &str) -> Option<IpAddr> {
    use std::net::ToSocketAddrs;
    (host, 0).to_socket_addrs().ok()?.next().map(|a| a.ip())
}

fn hash_password(user: &str) -> Result<()> {
    eprintln!("password for {user} (read from standard input, one line):");
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password")?;
    let password = line.trim_end_matches(['\n', '\r']);
    if password.is_empty() {
        bail!("empty password: type the password, then Enter");
    }
    print!("{}", jetd::auth::users_file_entry(user, password));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_from(args: &[&str]) -> Result<Config> {
        let mut all = vec!["jetd"];
        all.extend_from_slice(args);
        build_config(Cli::try_parse_from(all)?)
    }

    #[test]
    fn node_options_from_flags_and_toml() {
        use jetd::core::Hierarchy;
        let c = config_from(&[]).unwrap();
        assert_eq!(c.nodes.separator, '/');
        assert_eq!(c.nodes.hierarchy, Hierarchy::Relaxed);
        let c = config_from(&["--node-separator", ".", "--hierarchy", "strict"]).unwrap();
        assert_eq!(c.nodes.separator, '.');
        assert_eq!(c.nodes.hierarchy, Hierarchy::Strict);
        assert!(config_from(&["--hierarchy", "loose"]).is_err());
        assert!(config_from(&["--node-separator", "ab"]).is_err());
        let path =
            std::env::temp_dir().join(format!("jetd-nodes-test-{}.toml", std::process::id()));
        std::fs::write(&path, "node-separator = \":\"\nhierarchy = \"strict\"\n").unwrap();
        let file = path.to_str().unwrap();
        let c = config_from(&["--config", file]).unwrap();
        assert_eq!(c.nodes.separator, ':');
        assert_eq!(c.nodes.hierarchy, Hierarchy::Strict);
        let c = config_from(&["--config", file, "--hierarchy", "relaxed"]).unwrap();
        assert_eq!(c.nodes.hierarchy, Hierarchy::Relaxed);
        std::fs::write(&path, "hierarchy = \"loose\"\n").unwrap();
        assert!(config_from(&["--config", file]).is_err());
        std::fs::remove_file(&path).ok();
    }

    #[test]
    fn toml_file_sets_values_and_flags_win() {
        let path =
            std::env::temp_dir().join(format!("jetd-config-test-{}.toml", std::process::id()));
        std::fs::write(
            &path,
            "tcp = \"127.0.0.1:0\"\nws = \"off\"\ntimeout = 0.5\nmax-queue = 4096\n\
             max-elements-per-peer = 7\nws-allowed-origins = [\"https://hmi.local\"]\n",
        )
        .unwrap();
        let file = path.to_str().unwrap();
        let c = config_from(&["--config", file]).unwrap();
        assert_eq!(c.tcp, Some("127.0.0.1:0".parse().unwrap()));
        assert_eq!(c.ws, None);
        assert_eq!(c.default_timeout, Duration::from_millis(500));
        assert_eq!(c.max_outbound_queue, 4096);
        assert_eq!(c.max_elements_per_peer, 7);
        assert_eq!(
            c.ws_allowed_origins,
            Some(vec!["https://hmi.local".to_string()])
        );
        let c = config_from(&[
            "--config",
            file,
            "--max-elements-per-peer",
            "9",
            "--timeout",
            "2",
        ])
        .unwrap();
        assert_eq!(c.max_elements_per_peer, 9);
        assert_eq!(c.default_timeout, Duration::from_secs(2));
        std::fs::write(&path, "max-queu = 1\n").unwrap();
        let err = config_from(&["--config", file]).unwrap_err();
        assert!(
            format!("{err:#}").contains("unknown field `max-queu`"),
            "{err:#}"
        );
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn bad_values_are_refused_with_what_to_do() {
        let err = config_from(&["--tcp", "off", "--ws", "off"]).unwrap_err();
        assert!(err.to_string().contains("both listeners are off"), "{err}");
        let err = config_from(&["--timeout", "0"]).unwrap_err();
        assert!(
            err.to_string()
                .contains("--timeout must be a positive number"),
            "{err}"
        );
        let err = config_from(&["--max-connections", "0"]).unwrap_err();
        assert!(
            err.to_string()
                .contains("--max-connections must be at least 1"),
            "{err}"
        );
    }

    #[test]
    fn listener_forms() {
        let any = IpAddr::from([0, 0, 0, 0]);
        assert_eq!(parse_listener("tcp", Some("off"), any, 1).unwrap(), None);
        assert_eq!(
            parse_listener("tcp", Some("7"), any, 1).unwrap(),
            Some(SocketAddr::new(any, 7))
        );
        assert_eq!(
            parse_listener("tcp", Some("127.0.0.1:0"), any, 1).unwrap(),
            Some("127.0.0.1:0".parse().unwrap())
        );
        assert_eq!(
            parse_listener("tcp", Some("localhost:9"), any, 1)
                .unwrap()
                .unwrap()
                .port(),
            9
        );
        assert!(parse_listener("tcp", Some("nonsense"), any, 1).is_err());
        assert_eq!(
            parse_listener("ws", None, any, 11123).unwrap(),
            Some(SocketAddr::new(any, 11123))
        );
    }
}
