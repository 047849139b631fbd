//! The `jetd` binary: parse flags (and an optional TOML file), start the daemon, print the
//! "listening" line, run until SIGINT/SIGTERM.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use jetd::config::Settings;
use jetd::{Config, Daemon};

/// jetd, the Jet routing daemon.
///
/// Peers add states and methods at paths; jetd routes `set` and `call` to their owners and
/// pushes fetch notifications to every peer whose fetch matches. TCP (4-byte length + JSON)
/// and WebSocket are served on 11122 and 11123 by default, both over TLS with --tls-cert
/// and --tls-key.
#[derive(Debug, Parser)]
#[command(version, about, long_about)]
struct Cli {
    #[command(flatten)]
    settings: Settings,
    /// Read settings from a TOML file (same names as the flags; flags win)
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read a password (twice, without echo, on a terminal; one line from a pipe) and print a users-file entry with its hash
    HashPassword {
        /// The user name for the entry
        user: String,
    },
}

/// Runs jetd; an ordinary error (port in use, bad settings) is one `error:` line on
/// standard error and exit status 1, never a backtrace (even with `RUST_BACKTRACE` set:
/// that is for bugs, and these are not).
fn main() -> ExitCode {
    match jetd_main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", one_line(&e));
            ExitCode::FAILURE
        }
    }
}

/// An error and its causes on one line, `a: b: c`, leaving out a cause whose text the
/// message before it already contains (many errors quote their source).
fn one_line(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if !line.contains(&text) {
            if !line.is_empty() {
                line.push_str(": ");
            }
            line.push_str(&text);
        }
    }
    line
}

fn jetd_main() -> Result<()> {
    let cli = parse_cli();
    if let Some(Command::HashPassword { user }) = &cli.command {
        return hash_password(user);
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        // Colours only for a person watching; logs piped to a file or journal stay plain.
        .with_ansi(std::io::stderr().is_terminal())
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
    // The handlers are installed before the line is printed: a script that sends SIGTERM
    // as soon as it has read the line must stop jetd in order, not kill it.
    let stop = stop_signal();
    // Once, on standard output, for scripts that wait for it (not also in the log).
    println!("{}", daemon.listening_line());
    std::io::stdout().flush().ok();
    stop.await;
    tracing::info!("shutting down");
    daemon.shutdown().await;
    Ok(())
}

/// Resolves on SIGTERM or SIGINT; both handlers are installed when this is called.
fn stop_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{signal, SignalKind};
    let term = signal(SignalKind::terminate());
    let int = signal(SignalKind::interrupt());
    async move {
        match (term, int) {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = int.recv() => {}
                    _ = term.recv() => {}
                }
            }
            // Cannot install them (no signal driver): wait for Ctrl-C the portable way.
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
}

/// The command line, with each flag's default (from `Config::default`) in its help.
fn parse_cli() -> Cli {
    let mut command = Cli::command();
    for (id, default) in Settings::defaults_for_help() {
        command = command.mut_arg(id, |arg| {
            let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
            arg.help(format!("{help} [default: {default}]"))
        });
    }
    let matches = command.get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// The flags, over the TOML file's settings (flags win), checked and resolved.
fn build_config(cli: Cli) -> Result<Config> {
    let file = match &cli.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read config file {}", path.display()))?;
            Settings::from_toml(&text).map_err(|e| {
                // One line: where, and what (toml's own text quotes the line over several).
                let at = e.span().map_or_else(String::new, |span| {
                    let before = &text[..span.start.min(text.len())];
                    let line = before.matches('\n').count() + 1;
                    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                    format!(", line {line}, column {column}")
                });
                anyhow::anyhow!(
                    "invalid config file {}{at}: {}",
                    path.display(),
                    e.message().trim()
                )
            })?
        }
        None => Settings::default(),
    };
    Ok(cli.settings.or(file).resolve()?)
}

/// `jetd hash-password NAME`: on a terminal, the password is read twice without echo;
/// from a pipe, one line is read.
fn hash_password(user: &str) -> Result<()> {
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("password for {user}: "))
            .context("cannot read the password")?;
        let again = rpassword::prompt_password("the same password again: ")
            .context("cannot read the password")?;
        if first != again {
            bail!("the two passwords differ: nothing written, try again");
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password")?;
        line.trim_end_matches(['\n', '\r']).to_owned()
    };
    if password.is_empty() {
        bail!("empty password: type the password, then Enter");
    }
    print!("{}", jetd::auth::users_file_entry(user, &password));
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, SocketAddr};
    use std::time::Duration;

    use jetd::config::parse_listener;

    use super::*;

    fn config_from(args: &[&str]) -> Result<Config> {
        let mut all = vec!["jetd"];
        all.extend_from_slice(args);
        build_config(Cli::try_parse_from(all)?)
    }

    #[test]
    fn node_options_from_flags_and_toml() {
        use jetd::bus::Hierarchy;
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
             max-elements-per-peer = 7\nmax-nesting-depth = 64\ntcp-keepalive = 0\nidle-timeout = 2\nws-allowed-origins = [\"https://hmi.local\"]\n",
        )
        .unwrap();
        let file = path.to_str().unwrap();
        let c = config_from(&["--config", file]).unwrap();
        assert_eq!(c.tcp, Some("127.0.0.1:0".parse().unwrap()));
        assert_eq!(c.ws, None);
        assert_eq!(c.default_timeout, Duration::from_millis(500));
        assert_eq!(c.max_outbound_queue, 4096);
        assert_eq!(c.max_elements_per_peer, 7);
        assert_eq!(c.max_nesting_depth, 64);
        assert_eq!(c.tcp_keepalive, None);
        assert_eq!(c.idle_timeout, Some(Duration::from_secs(2)));
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
