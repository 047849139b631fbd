//! Publishing until interrupted: `add` (a state, optionally writable) and `add-method` (a
//! method that answers with its arguments). Every set or call is printed as it arrives; on
//! Ctrl-C the element is removed from the daemon before `jet` exits with status 0.

use jet_runtime::peer::{Peer, PeerError, SetReply};
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::{goodbye, Ctx, Interrupt};
use crate::args::{AddArgs, AddMethodArgs};
use crate::error::CliError;
use crate::output::Paint;
use crate::rule;

pub(super) async fn add(ctx: &Ctx<'_>, args: &AddArgs) -> Result<(), CliError> {
    // The text goes out as written (`1E3` stays `1E3`); `value` is what it means.
    let text = rule::raw_value(&args.value)?;
    let value = rule::parse_value(&args.value)?;
    let mut interrupt = Interrupt::listen()?;
    let peer = ctx.connect().await?;
    let (tx, rx) = mpsc::unbounded_channel();
    let mut builder = peer
        .add_state_raw(args.path.clone(), text.clone())
        .map_err(|e| CliError::Usage(format!("`{}` cannot be published: {e}", args.value)))?;
    if args.writable {
        builder = builder.on_set(move |v| {
            // The receiver lives as long as the state; a send error means we are leaving.
            let _ = tx.send(v);
            Ok(SetReply::accept())
        });
    }
    let state = builder.await.map_err(|e| ctx.error(e))?;
    let out = ctx.out;
    let path = args.path.as_str();
    if out.json {
        out.json_line(
            &json!({"event":"added","path":path,"value":value,"writable":args.writable}),
        )?;
    } else {
        let mode = if args.writable {
            "writable"
        } else {
            "read-only"
        };
        out.line(&format!(
            "added {path} = {} ({mode}); Ctrl-C removes it",
            text.get()
        ))?;
    }
    serve(ctx, &peer, &mut interrupt, rx, |v| {
        if out.json {
            out.json_line(&json!({"event":"set","path":path,"value":v}))
        } else {
            out.line(&format!("{}  {path}  {v}", out.paint("set", Paint::Yellow)))
        }
    })
    .await?;
    goodbye("remove", state.remove()).await;
    finish(ctx, &peer, path).await
}

pub(super) async fn add_method(ctx: &Ctx<'_>, args: &AddMethodArgs) -> Result<(), CliError> {
    let mut interrupt = Interrupt::listen()?;
    let peer = ctx.connect().await?;
    let (tx, rx) = mpsc::unbounded_channel();
    let method = peer
        .add_method(args.path.clone(), move |call_args: Value| {
            let _ = tx.send(call_args.clone());
            Ok(call_args)
        })
        .await
        .map_err(|e| ctx.error(e))?;
    let out = ctx.out;
    let path = args.path.as_str();
    if out.json {
        out.json_line(&json!({"event":"added","path":path,"method":true}))?;
    } else {
        out.line(&format!(
            "added method {path}; it answers with its arguments; Ctrl-C removes it"
        ))?;
    }
    serve(ctx, &peer, &mut interrupt, rx, |a| {
        if out.json {
            out.json_line(&json!({"event":"call","path":path,"args":a}))
        } else {
            out.line(&format!("{}  {path}  {a}", out.paint("call", Paint::Cyan)))
        }
    })
    .await?;
    goodbye("remove", method.remove()).await;
    finish(ctx, &peer, path).await
}

/// Print what the handler passes on until interrupted (`Ok`) or the connection is lost.
async fn serve(
    ctx: &Ctx<'_>,
    peer: &Peer,
    interrupt: &mut Interrupt,
    mut rx: mpsc::UnboundedReceiver<Value>,
    mut show: impl FnMut(Value) -> Result<(), CliError>,
) -> Result<(), CliError> {
    loop {
        tokio::select! {
            _ = interrupt.recv() => return Ok(()),
            // A read-only state has no handler: its sender is gone and this branch is off.
            Some(v) = rx.recv() => show(v)?,
            // No reconnect policy: the peer closes when the connection is lost.
            () = peer.closed() => return Err(ctx.error(PeerError::ConnectionClosed)),
        }
    }
}

/// Say the element is gone and close the connection.
async fn finish(ctx: &Ctx<'_>, peer: &Peer, path: &str) -> Result<(), CliError> {
    peer.close().await;
    if ctx.out.json {
        ctx.out.json_line(&json!({"event":"removed","path":path}))
    } else {
        ctx.out.line(&format!("removed {path}"))
    }
}
