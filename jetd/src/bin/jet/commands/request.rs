//! Routed requests: `set` and `call`. The answer comes from the element's owner, relayed by
//! the daemon; for people it is printed as compact JSON, for scripts as `{"result":..}`.

use serde_json::{json, Value};

use super::{seconds, Ctx};
use crate::args::{CallArgs, SetArgs};
use crate::error::CliError;
use crate::rule;

pub(super) async fn set(ctx: &Ctx<'_>, args: &SetArgs) -> Result<(), CliError> {
    // As JSON text: the value goes out exactly as written (`1e3` stays `1e3`).
    let value = rule::raw_value(&args.value)?;
    let timeout = args.timeout.map(|s| seconds("--timeout", s)).transpose()?;
    let peer = ctx.connect().await?;
    let mut request = peer.set_raw(args.path.clone(), value);
    if let Some(t) = timeout {
        request = request.timeout(t);
    }
    if args.value_as_result {
        request = request.value_as_result();
    }
    let result = request.await.map_err(|e| ctx.routed_error(e));
    peer.close().await;
    print_result(ctx, result?)
}

pub(super) async fn call(ctx: &Ctx<'_>, args: &CallArgs) -> Result<(), CliError> {
    let call_args = rule::raw_call_args(&args.args)?;
    let timeout = args.timeout.map(|s| seconds("--timeout", s)).transpose()?;
    let peer = ctx.connect().await?;
    let mut request = peer.call_raw(args.path.clone(), call_args);
    if let Some(t) = timeout {
        request = request.timeout(t);
    }
    let result = request.await.map_err(|e| ctx.routed_error(e));
    peer.close().await;
    print_result(ctx, result?)
}

fn print_result(ctx: &Ctx<'_>, result: Value) -> Result<(), CliError> {
    if ctx.out.json {
        ctx.out.json_line(&json!({ "result": result }))
    } else {
        ctx.out.line(&result.to_string())
    }
}
