//! The command line: global options, the commands and their flags (clap derive).
//!
//! Parsing only; turning a [`RuleArgs`] into a fetch expression is in `rule`, running a
//! command in `commands`.

use clap::{Args, Parser, Subcommand};

/// The default daemon address: a jetd on this machine.
pub const DEFAULT_DAEMON: &str = "tcp://127.0.0.1:11122";

/// jet: look at and poke a Jet bus from the command line.
///
/// VALUE and ARGS are JSON; a bare word that is not JSON (`hello`, `on`) is taken as a
/// string. Exit status: 0 success, 1 the daemon or the element's owner refused the request,
/// 2 bad command line, 3 the daemon could not be reached or the connection was lost.
#[derive(Debug, Parser)]
#[command(name = "jet", version, max_term_width = 100)]
pub struct Cli {
    /// The daemon: tcp://HOST:PORT, HOST:PORT or ws://HOST:PORT/PATH.
    #[arg(long, global = true, env = "JET_DAEMON", default_value = DEFAULT_DAEMON)]
    pub daemon: String,
    /// Authenticate as this user (the password comes from --password-env).
    #[arg(long, global = true, requires = "password_env")]
    pub user: Option<String>,
    /// The environment variable that holds the password (never the password itself, so it
    /// does not show in `ps` or the shell history).
    #[arg(long, global = true, value_name = "VAR", requires = "user")]
    pub password_env: Option<String>,
    /// Print one JSON object per line, for scripts.
    #[arg(long, global = true)]
    pub json: bool,
    /// Show the raw error next to the explanation.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// How long connecting and the handshake may take, in seconds (a daemon that does not
    /// answer in time is unreachable: exit status 3).
    #[arg(long, global = true, value_name = "S", default_value_t = 5.0)]
    pub connect_timeout: f64,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// What the daemon says about itself: name, version, protocol, features.
    Info,
    /// The elements matching RULE right now: states with their values, methods marked.
    Get(RuleArgs),
    /// The matching paths as a hierarchy: states with values, methods marked `()`.
    Tree(RuleArgs),
    /// Watch the matching elements until interrupted (Ctrl-C). Sorted fetches (--sort,
    /// --from/--to, --descending) redraw their window on every change.
    Fetch(FetchArgs),
    /// Ask the owner of a state to change it.
    Set(SetArgs),
    /// Call a method.
    Call(CallArgs),
    /// Publish a state until interrupted; with --writable accept and print sets.
    Add(AddArgs),
    /// Publish a method until interrupted: print every call and answer with its arguments.
    AddMethod(AddMethodArgs),
    /// The JSON Schemas of the matching states and methods (daemons that support it).
    Schema(RuleArgs),
}

/// Which elements: a path rule and value rules, all ANDed (PROTOCOL.md A.6).
#[derive(Debug, Args, Default, Clone)]
pub struct RuleArgs {
    /// Paths containing this text (the same as --contains).
    #[arg(value_name = "RULE")]
    pub contains_positional: Option<String>,
    /// Paths equal to this one.
    #[arg(long, value_name = "PATH")]
    pub equals: Option<String>,
    /// Paths other than this one.
    #[arg(long, value_name = "PATH")]
    pub equals_not: Option<String>,
    /// Paths starting with this text.
    #[arg(long, value_name = "TEXT")]
    pub starts_with: Option<String>,
    /// Paths not starting with this text.
    #[arg(long, value_name = "TEXT")]
    pub starts_not_with: Option<String>,
    /// Paths ending with this text.
    #[arg(long, value_name = "TEXT")]
    pub ends_with: Option<String>,
    /// Paths not ending with this text.
    #[arg(long, value_name = "TEXT")]
    pub ends_not_with: Option<String>,
    /// Paths containing this text.
    #[arg(long, value_name = "TEXT")]
    pub contains: Option<String>,
    /// Paths not containing this text.
    #[arg(long, value_name = "TEXT")]
    pub contains_not: Option<String>,
    /// Paths containing every one of these texts (repeat the flag).
    #[arg(long, value_name = "TEXT")]
    pub contains_all_of: Vec<String>,
    /// Paths containing at least one of these texts (repeat the flag).
    #[arg(long, value_name = "TEXT")]
    pub contains_one_of: Vec<String>,
    /// Paths equal to one of these (repeat the flag).
    #[arg(long, value_name = "PATH")]
    pub equals_one_of: Vec<String>,
    /// Paths equal to none of these (repeat the flag).
    #[arg(long, value_name = "PATH")]
    pub equals_not_one_of: Vec<String>,
    /// Compare paths ignoring case.
    #[arg(short = 'i', long)]
    pub case_insensitive: bool,
    /// Values equal to this JSON value.
    #[arg(long, value_name = "VALUE")]
    pub value_equals: Option<String>,
    /// Values other than this JSON value.
    #[arg(long, value_name = "VALUE")]
    pub value_equals_not: Option<String>,
    /// Values less than this one.
    #[arg(long, value_name = "VALUE")]
    pub value_less_than: Option<String>,
    /// Values greater than this one.
    #[arg(long, value_name = "VALUE")]
    pub value_greater_than: Option<String>,
    /// Values of this JSON type (number, string, boolean, object, array, null).
    #[arg(long, value_name = "TYPE")]
    pub value_is_type: Option<String>,
    /// A rule on a field of the value, e.g. `temperature=greaterThan:50` or
    /// `person.name=equals:Bob` (OP: equals, equalsNot, lessThan, greaterThan, isType,
    /// hasOneOf, hasAllOf; kebab-case works too). Repeatable.
    #[arg(long, value_name = "NAME=OP:VALUE")]
    pub field: Vec<String>,
}

#[derive(Debug, Args)]
pub struct FetchArgs {
    #[command(flatten)]
    pub rule: RuleArgs,
    /// Sort: `path`, `value[:TYPE]` or `field:NAME[:TYPE]` (TYPE defaults to number).
    #[arg(long, value_name = "KEY")]
    pub sort: Option<String>,
    /// First position of the sorted window (1-based, default 1).
    #[arg(long, value_name = "N")]
    pub from: Option<u32>,
    /// Last position of the sorted window (default 10).
    #[arg(long, value_name = "M")]
    pub to: Option<u32>,
    /// Sort in descending order.
    #[arg(long)]
    pub descending: bool,
}

#[derive(Debug, Args)]
pub struct SetArgs {
    /// The state's path.
    pub path: String,
    /// The requested value (JSON, or a bare word as a string).
    #[arg(allow_negative_numbers = true)]
    pub value: String,
    /// How long the daemon waits for the owner, in seconds.
    #[arg(long, value_name = "S")]
    pub timeout: Option<f64>,
    /// Print the value the owner accepted instead of `true`.
    #[arg(long)]
    pub value_as_result: bool,
}

#[derive(Debug, Args)]
pub struct CallArgs {
    /// The method's path.
    pub path: String,
    /// The arguments: one JSON array or object is passed as it is; anything else is
    /// passed as positional arguments (`jet call math/sum 1 2 3` sends `[1,2,3]`).
    #[arg(allow_negative_numbers = true, value_name = "ARGS")]
    pub args: Vec<String>,
    /// How long the daemon waits for the owner, in seconds.
    #[arg(long, value_name = "S")]
    pub timeout: Option<f64>,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The state's path.
    pub path: String,
    /// The initial value (JSON, or a bare word as a string).
    #[arg(allow_negative_numbers = true)]
    pub value: String,
    /// Accept sets from other peers (and print them); without it the state is read-only.
    #[arg(long)]
    pub writable: bool,
}

#[derive(Debug, Args)]
pub struct AddMethodArgs {
    /// The method's path.
    pub path: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn global_options_work_after_the_command() {
        let cli = Cli::try_parse_from(["jet", "get", "--json", "--daemon", "h:1", "boiler"])
            .expect("parses");
        assert!(cli.json);
        assert_eq!(cli.daemon, "h:1");
        match cli.command {
            Command::Get(rule) => assert_eq!(rule.contains_positional.as_deref(), Some("boiler")),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn user_and_password_env_come_together() {
        assert!(Cli::try_parse_from(["jet", "--user", "u", "info"]).is_err());
        assert!(Cli::try_parse_from(["jet", "--password-env", "P", "info"]).is_err());
        assert!(Cli::try_parse_from(["jet", "--user", "u", "--password-env", "P", "info"]).is_ok());
    }

    #[test]
    fn negative_numbers_are_values_not_flags() {
        let cli = Cli::try_parse_from(["jet", "set", "a/b", "-5"]).expect("parses");
        match cli.command {
            Command::Set(s) => assert_eq!(s.value, "-5"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn flags_after_call_arguments_are_flags() {
        let cli = Cli::try_parse_from(["jet", "call", "m", "1", "-2", "--json"]).expect("parses");
        assert!(cli.json);
        match cli.command {
            Command::Call(c) => assert_eq!(c.args, ["1", "-2"]),
            other => panic!("unexpected {other:?}"),
        }
    }
}
