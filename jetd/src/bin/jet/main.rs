//! `jet`, the command-line peer: look at and poke a Jet bus (what `busctl` is to D-Bus and
//! `redis-cli` to Redis).
//!
//! Module map: `args` (the command line), `rule` (words to JSON values and fetch
//! expressions), `commands` (connecting, one module per group of commands), `output`
//! (columns, colours, JSON lines), `error` (errors in words, exit statuses).

mod args;
mod commands;
mod error;
mod output;
mod rule;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

use crate::args::Cli;
use crate::output::Output;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Help and version are not errors; a bad command line under --json is one JSON
        // line like every other error.
        Err(e) if e.use_stderr() && std::env::args_os().any(|a| a == "--json") => {
            let text = e.to_string();
            let first = text.lines().next().unwrap_or_default();
            let words = first.trim_start_matches("error: ");
            eprintln!("{}", error::usage_json(words));
            return ExitCode::from(2);
        }
        Err(e) => e.exit(),
    };
    let terminal = std::io::stdout().is_terminal();
    let out = Output {
        json: cli.json,
        color: output::use_color(cli.json, terminal, std::env::var_os("NO_COLOR").is_some()),
        terminal,
    };
    // One thread is plenty for one connection, and starts fastest.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("jet: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(&cli, out)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) if cli.json => {
            eprintln!("{}", e.to_json());
            ExitCode::from(e.exit_code())
        }
        Err(e) => {
            eprintln!("jet: {e}");
            if cli.verbose {
                if let Some(raw) = e.raw() {
                    eprintln!("jet: raw error: {raw:?}");
                }
            }
            ExitCode::from(e.exit_code())
        }
    }
}
