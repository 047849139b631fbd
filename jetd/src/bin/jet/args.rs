//! The command line: global options, the commands and their flags (clap derive).
//!
//! Parsing only; turning a [`RuleArgs`] into a fetch expression is in `rule`, running a
//! command in `commands`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The default daemon address: a jetd on this machine.
pub(crate) const DEFAULT_DAEMON: &str = "tcp://127.0.0.1:11122";

/// Help headings: options every command takes, and the rule options of the element
/// commands (so `jet get --help` shows what is a rule and what is not).
const GLOBAL: &str = "Global options";
const PATH_RULES: &str = "Path rules (all given rules must match)";
const VALUE_RULES: &str = "Value rules";
const WINDOW: &str = "Sorted window";

const EXAMPLES: &str = "\
Examples:
  jet info                                   what the daemon is and supports
  jet get plant/                             states and methods whose path contains plant/
  jet get --starts-with plant/ --value-greater-than 50
  jet tree --starts-with plant/              the same as a hierarchy
  jet fetch --sort value --descending --to 5 the five largest values, redrawn on change
  jet set plant/boiler/setpoint 72           ask the owner to change a state
  jet call plant/boiler/reset '{\"force\":true}'
  jet add demo/temperature 21.5 --writable   publish a state until Ctrl-C
  jet --daemon ws://10.0.0.5:11123/ get --json   another daemon, JSON lines for scripts
  jet --daemon tls://jetd.local:11122 --ca ca.crt info   a daemon serving TLS, its private CA";

const GET_EXAMPLES: &str = "\
Examples:
  jet get                                    everything, sorted by path
  jet get boiler                             paths containing `boiler`
  jet get --starts-with plant/ --ends-with /setpoint
  jet get --field temperature=greaterThan:50 --field unit=equals:C
  jet get --value-is-type number --json      one JSON object per line";

const FETCH_EXAMPLES: &str = "\
Examples:
  jet fetch plant/                           add/change/remove events until Ctrl-C
  jet fetch --value-greater-than 50          elements as their values start and stop matching
  jet fetch --sort value --descending --to 3 the top three, redrawn on every change
  jet fetch --sort field:age --from 11 --to 20 --starts-with people/";

/// jet: look at and poke a Jet bus from the command line.
///
/// VALUE and ARGS are JSON; a bare word that is not JSON (`hello`, `on`) is taken as a
/// string. Exit status: 0 success, 1 the daemon or the element's owner refused the request,
/// 2 bad command line, 3 the daemon could not be reached or the connection was lost.
#[derive(Debug, Parser)]
#[command(name = "jet", version, max_term_width = 100, after_help = EXAMPLES)]
pub(crate) struct Cli {
    /// The daemon: tcp://HOST:PORT, HOST:PORT or ws://HOST:PORT/PATH; over TLS
    /// tls://HOST:PORT or wss://HOST:PORT/PATH.
    #[arg(long, global = true, help_heading = GLOBAL, env = "JET_DAEMON", default_value = DEFAULT_DAEMON)]
    pub daemon: String,
    /// For tls:// and wss:// daemons: trust the certificates this CA (PEM file) signed,
    /// or this self-signed certificate, instead of the system's roots.
    #[arg(long, global = true, help_heading = GLOBAL, value_name = "FILE", env = "JET_CA")]
    pub ca: Option<std::path::PathBuf>,
    /// Authenticate as this user (the password comes from --password-env).
    #[arg(long, global = true, help_heading = GLOBAL, requires = "password_env")]
    pub user: Option<String>,
    /// The environment variable that holds the password (never the password itself, so it
    /// does not show in `ps` or the shell history).
    #[arg(long, global = true, help_heading = GLOBAL, value_name = "VAR", requires = "user")]
    pub password_env: Option<String>,
    /// Print one JSON object per line, for scripts.
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub json: bool,
    /// Show the raw error next to the explanation.
    #[arg(short, long, global = true, help_heading = GLOBAL)]
    pub verbose: bool,
    /// How long connecting and the handshake may take, in seconds (a daemon that does not
    /// answer in time is unreachable: exit status 3).
    #[arg(long, global = true, help_heading = GLOBAL, value_name = "S", default_value_t = 5.0)]
    pub connect_timeout: f64,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// What the daemon says about itself: name, version, protocol, features.
    Info,
    /// The elements matching RULE right now, sorted by path: states with their values,
    /// methods marked.
    #[command(after_help = GET_EXAMPLES)]
    Get(RuleArgs),
    /// The hierarchy (nodes) at and below PREFIX: states with values, methods marked `()`,
    /// read-only states marked, element counts per node; --watch redraws it as it changes.
    Tree(TreeArgs),
    /// The direct children of node PATH (the top level without PATH): nodes with a
    /// trailing separator, states with their values, methods marked `()`.
    Ls(LsArgs),
    /// Watch the matching elements until interrupted (Ctrl-C). Sorted fetches (--sort,
    /// --from/--to, --descending) redraw their window on every change.
    #[command(after_help = FETCH_EXAMPLES)]
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
    /// Generate a typed client from the schemas of the matching elements (the live bus, or
    /// a saved `jet schema --json` with --from): TypeScript over node-jet 3 for now; Rust
    /// generation is planned.
    #[command(after_help = CODEGEN_EXAMPLES)]
    Codegen(CodegenArgs),
}

const CODEGEN_EXAMPLES: &str = "\
Examples:
  jet codegen --lang typescript --starts-with plant/ --out plant.ts
  jet schema --json --starts-with plant/ > plant.schemas.jsonl
  jet codegen --lang typescript --from plant.schemas.jsonl --out plant.ts";

/// The languages `jet codegen` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Lang {
    /// One ES module: value types and client classes over node-jet 3 (`npm i node-jet@3`).
    Typescript,
}

#[derive(Debug, Args)]
pub(crate) struct CodegenArgs {
    /// The language to generate (Rust is planned).
    #[arg(long, value_enum)]
    pub lang: Lang,
    #[command(flatten)]
    pub rule: RuleArgs,
    /// Read the schemas from this file (what `jet schema --json` prints, or the `schema`
    /// method's JSON array) instead of asking the daemon; path rules do not apply to it.
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
    /// Write the code to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Which elements: a path rule and value rules, all ANDed (PROTOCOL.md A.6).
#[derive(Debug, Args, Default, Clone)]
pub(crate) struct RuleArgs {
    /// Paths containing this text (the same as --contains).
    #[arg(help_heading = PATH_RULES, value_name = "RULE")]
    pub contains_positional: Option<String>,
    /// Paths equal to this one.
    #[arg(help_heading = PATH_RULES, long, value_name = "PATH")]
    pub equals: Option<String>,
    /// Paths other than this one.
    #[arg(help_heading = PATH_RULES, long, value_name = "PATH")]
    pub equals_not: Option<String>,
    /// Paths starting with this text.
    #[arg(help_heading = PATH_RULES, long, value_name = "TEXT")]
    pub starts_with: Option<String>,
    /// Paths not starting with this text.
    #[arg(help_heading = PATH_RULES, long, value_name = "TEXT")]
    pub starts_not_with: Option<String>,
    /// Paths ending with this text.
    #[arg(help_heading = PATH_RULES, long, value_name = "TEXT")]
    pub ends_with: Option<String>,
    /// Paths not ending with this text.
    #[arg(help_heading = PATH_RULES, long, value_name = "TEXT")]
    pub ends_not_with: Option<String>,
    /// Paths containing this text.
    #[arg(help_heading = PATH_RULES, long, value_name = "TEXT")]
    pub contains: Option<String>,
    /// Paths not containing this text.
    #[arg(help_heading = PATH_RULES, long, value_name = "TEXT")]
    pub contains_not: Option<String>,
    /// Paths containing every one of these texts (repeat the flag).
    #[arg(help_heading = PATH_RULES, long, value_name = "TEXT")]
    pub contains_all_of: Vec<String>,
    /// Paths containing at least one of these texts (repeat the flag).
    #[arg(help_heading = PATH_RULES, long, value_name = "TEXT")]
    pub contains_one_of: Vec<String>,
    /// Paths equal to one of these (repeat the flag).
    #[arg(help_heading = PATH_RULES, long, value_name = "PATH")]
    pub equals_one_of: Vec<String>,
    /// Paths equal to none of these (repeat the flag).
    #[arg(help_heading = PATH_RULES, long, value_name = "PATH")]
    pub equals_not_one_of: Vec<String>,
    /// Compare paths ignoring case.
    #[arg(help_heading = PATH_RULES, short = 'i', long)]
    pub case_insensitive: bool,
    /// Values equal to this JSON value.
    #[arg(help_heading = VALUE_RULES, long, value_name = "VALUE")]
    pub value_equals: Option<String>,
    /// Values other than this JSON value.
    #[arg(help_heading = VALUE_RULES, long, value_name = "VALUE")]
    pub value_equals_not: Option<String>,
    /// Values less than this one.
    #[arg(help_heading = VALUE_RULES, long, value_name = "VALUE")]
    pub value_less_than: Option<String>,
    /// Values greater than this one.
    #[arg(help_heading = VALUE_RULES, long, value_name = "VALUE")]
    pub value_greater_than: Option<String>,
    /// Values of this JSON type (number, string, boolean, object, array, null).
    #[arg(help_heading = VALUE_RULES, long, value_name = "TYPE")]
    pub value_is_type: Option<String>,
    /// A rule on a field of the value, e.g. `temperature=greaterThan:50` or
    /// `person.name=equals:Bob` (OP: equals, equalsNot, lessThan, greaterThan, isType,
    /// hasOneOf, hasAllOf; kebab-case works too). Repeatable.
    #[arg(help_heading = VALUE_RULES, long, value_name = "NAME=OP:VALUE")]
    pub field: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct FetchArgs {
    #[command(flatten)]
    pub rule: RuleArgs,
    /// Sort: `path`, `value[:TYPE]` or `field:NAME[:TYPE]` (TYPE defaults to number).
    #[arg(long, value_name = "KEY", help_heading = WINDOW)]
    pub sort: Option<String>,
    /// First position of the sorted window (1-based, default 1).
    #[arg(long, value_name = "N", help_heading = WINDOW)]
    pub from: Option<u32>,
    /// Last position of the sorted window (default 10).
    #[arg(long, value_name = "M", help_heading = WINDOW)]
    pub to: Option<u32>,
    /// Sort in descending order.
    #[arg(long, help_heading = WINDOW)]
    pub descending: bool,
    /// Report the nodes of the hierarchy too (events of nodes, states and methods).
    #[arg(long, conflicts_with_all = ["sort", "from", "to", "descending"])]
    pub nodes: bool,
}

#[derive(Debug, Args)]
pub(crate) struct TreeArgs {
    /// Only this node (or path prefix) and what lies below it.
    #[arg(value_name = "PREFIX")]
    pub prefix: Option<String>,
    /// Draw this many levels (the first level is 1); deeper nodes show only their counts.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(usize))]
    pub depth: Option<usize>,
    /// Keep the tree up to date, redrawing it as the bus changes, until interrupted.
    #[arg(long)]
    pub watch: bool,
}

#[derive(Debug, Args)]
pub(crate) struct LsArgs {
    /// The node whose children to list (the top level without it).
    #[arg(value_name = "PATH")]
    pub path: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct SetArgs {
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
pub(crate) struct CallArgs {
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
pub(crate) struct AddArgs {
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
pub(crate) struct AddMethodArgs {
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
    fn help_separates_global_from_rule_options_and_has_examples() {
        use clap::CommandFactory;
        let mut cli = Cli::command();
        // Global options reach the subcommands when the command is built.
        cli.build();
        let get = cli
            .find_subcommand_mut("get")
            .expect("get")
            .render_long_help();
        let help = get.to_string();
        let at = |heading: &str| {
            help.find(heading)
                .unwrap_or_else(|| panic!("no {heading:?} in {help}"))
        };
        let (path, value, global) = (at(PATH_RULES), at(VALUE_RULES), at(GLOBAL));
        assert!(path < value && value < global, "{help}");
        // Each option under its heading.
        let starts_with = help.find("--starts-with").unwrap();
        let greater = help.find("--value-greater-than").unwrap();
        let daemon = help.find("--daemon").unwrap();
        assert!(path < starts_with && starts_with < value, "{help}");
        assert!(value < greater && greater < global, "{help}");
        assert!(global < daemon, "{help}");
        assert!(help.contains("Examples:\n  jet get "), "{help}");
        let main = Cli::command().render_long_help().to_string();
        assert!(
            main.contains("Examples:") && main.contains("jet fetch --sort"),
            "{main}"
        );
        // Wrapped to the width (at most 100 columns).
        for line in main.lines().chain(help.lines()) {
            assert!(line.chars().count() <= 100, "too wide: {line:?}");
        }
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
    fn codegen_takes_a_language_a_rule_and_files() {
        let cli = Cli::try_parse_from([
            "jet",
            "codegen",
            "--lang",
            "typescript",
            "--starts-with",
            "plant/",
            "--out",
            "p.ts",
        ])
        .expect("parses");
        match cli.command {
            Command::Codegen(c) => {
                assert_eq!(c.lang, Lang::Typescript);
                assert_eq!(c.rule.starts_with.as_deref(), Some("plant/"));
                assert_eq!(c.out, Some(PathBuf::from("p.ts")));
                assert_eq!(c.from, None);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(Cli::try_parse_from(["jet", "codegen", "--lang", "rust"]).is_err());
        assert!(
            Cli::try_parse_from(["jet", "codegen"]).is_err(),
            "--lang is required"
        );
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
