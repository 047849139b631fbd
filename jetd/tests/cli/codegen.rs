//! `jet codegen` end to end: the example plant (`jet_examples::plant`) served from Rust on
//! an in-process jetd, TypeScript generated from the live bus and from a saved `jet schema
//! --json`, type-checked and compiled by the TypeScript compiler pinned in
//! `tests/interop3` (`npm ci` there), and run with node-jet 3 against the same jetd: a set,
//! a get, calls (with and without the optional argument), a refused set and a watch. The
//! same for a device whose schemas were written by hand (no schemars).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use jet_examples::plant::Plant;
use jet_runtime::peer::SetReply;
use jet_test_support::STEP;
use serde_json::{json, Value};
use tokio::process::Command;
use tokio::time::timeout;

use super::support::{jet, Bus};
use super::{no_schema_script, FakeDaemon};

/// How long `tsc` and the node script may take (tsc alone needs a few seconds).
const NODE_STEP: Duration = Duration::from_secs(120);

/// The script that drives the generated client; type-checked together with it, so a
/// wrong shape (a missing optional parameter, a setter on a read-only state) fails here.
const USE_TS: &str = r#"
import { Peer } from 'node-jet';
import { plant, JetServiceError, type BoilerHeatError, type LineStartError } from './plant.js';

// node-jet 3 builds a CloseEvent when a TCP socket closes; Node 20 has none.
const g = globalThis as Record<string, unknown>;
if (g.CloseEvent === undefined) {
  g.CloseEvent = class CloseEvent extends Event {};
}

const out = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');
setTimeout(() => { out({ fatal: 'watchdog' }); process.exit(1); }, 30000).unref();

const [ip, port] = (process.argv[2] ?? '').split(':');
const peer = new Peer({ ip, port: Number(port) });
await peer.connect();
const works = plant(peer);
const boiler = works.line1.boiler;

const seen: number[] = [];
const unwatch = await boiler.watchSetpoint((v) => { seen.push(v); });
await boiler.setSetpoint(72);
out({ setpoint: await boiler.getSetpoint() });
await boiler.setMode('eco');
out({ mode: await boiler.getMode() });
out({ heat: await boiler.heat(10) });
out({ heatAt50: await boiler.heat(10, 50) });
// A declared error arrives as a JetServiceError; its union narrows on `kind`.
try {
  await boiler.heat(1000);
  out({ tooLong: 'resolved' });
} catch (e) {
  const err = e as BoilerHeatError;
  if (e instanceof JetServiceError && err.kind === 'TooLong') {
    out({ tooLong: { code: err.code, max: err.data.max } });
  } else {
    out({ tooLong: String(e) });
  }
}
out({ power: await boiler.burner.getPower() });
await works.line1.start();
try {
  await works.line1.start();
  out({ startAgain: 'resolved' });
} catch (e) {
  const err = e as LineStartError;
  out({ startAgain: e instanceof JetServiceError ? err.kind : String(e) });
}
out({ summary: await works.summary() });
// An event stream: only events emitted after the watch started, unwrapped.
const alarms: object[] = [];
const unwatchAlarms = await works.watchAlarms((event, seq) => { alarms.push({ event, seq }); });
out({ stopped: await works.emergencyStop() });
const alarmDeadline = Date.now() + 10000;
while (alarms.length === 0 && Date.now() < alarmDeadline) {
  await new Promise((r) => setTimeout(r, 20));
}
await unwatchAlarms();
out({ alarms });
try {
  await works.line2.setSpeed(5);
  out({ refused: false });
} catch {
  out({ refused: true });
}
const deadline = Date.now() + 10000;
while (!seen.includes(72) && Date.now() < deadline) {
  await new Promise((r) => setTimeout(r, 20));
}
await unwatch();
out({ watched: seen });
out({ name: await works.getName() });
await peer.close();
process.exit(0);
"#;

fn interop3() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/interop3")
}

/// The `version` in the `package.json` at `path`, if it can be read.
fn version_at(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let json: Value = serde_json::from_str(&text).ok()?;
    json["version"].as_str().map(str::to_owned)
}

/// `npm ci` in tests/interop3 unless node-jet and the pinned typescript are installed (an
/// older install may lack typescript or have another version of it). Once per test
/// process: `npm ci` starts by deleting `node_modules`, so two tests running it side by
/// side would break each other.
async fn ensure_node_modules() {
    static INSTALLED: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    INSTALLED.get_or_init(install_node_modules).await;
}

async fn install_node_modules() {
    let dir = interop3();
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("package.json")).unwrap()).unwrap();
    let pinned = manifest["devDependencies"]["typescript"].as_str();
    let modules = dir.join("node_modules");
    let installed = modules.join("node-jet/package.json").is_file()
        && pinned.is_some()
        && version_at(&modules.join("typescript/package.json")).as_deref() == pinned;
    if installed {
        return;
    }
    let status = timeout(
        NODE_STEP,
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir)
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .status(),
    )
    .await
    .expect("npm ci timed out")
    .expect("cannot run npm (the codegen test needs node and npm)");
    assert!(status.success(), "`npm ci` in {} failed", dir.display());
}

/// A scratch directory `name` with `node_modules` of tests/interop3, as an ES module
/// package.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("codegen-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::os::unix::fs::symlink(interop3().join("node_modules"), dir.join("node_modules")).unwrap();
    std::fs::write(
        dir.join("package.json"),
        r#"{"type":"module","private":true}"#,
    )
    .unwrap();
    dir
}

/// Run `program args` in `dir` to the end; panics with its output if it fails.
async fn run_ok(dir: &Path, program: &str, args: &[&str]) -> String {
    let output = timeout(
        NODE_STEP,
        Command::new(program)
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .unwrap_or_else(|_| panic!("{program} {args:?} did not finish in time"))
    .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{program} {args:?} failed ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Type-check and compile `module` with `use_ts` (as `use.ts`) in `dir`, then run the
/// script against the daemon at `addr`; its stdout as JSON lines.
async fn compile_and_run(dir: &Path, module: &str, use_ts: &str, addr: &str) -> Vec<Value> {
    std::fs::write(dir.join("use.ts"), use_ts).unwrap();
    let tsc = [
        "node_modules/typescript/bin/tsc",
        "--strict",
        // The module writes only the helpers its clients use.
        "--noUnusedLocals",
        "--noUnusedParameters",
        "--target",
        "es2022",
        "--module",
        "nodenext",
        "--moduleResolution",
        "nodenext",
        "--skipLibCheck",
        "--outDir",
        "out",
        module,
        "use.ts",
    ];
    run_ok(dir, "node", &tsc).await;
    let stdout = run_ok(dir, "node", &["out/use.js", addr]).await;
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

#[tokio::test]
async fn typescript_from_the_live_bus_compiles_and_drives_the_plant_with_node_jet_3() {
    ensure_node_modules().await;
    let bus = Bus::start().await;
    let provider = bus.peer().await;
    let _served = timeout(STEP, provider.serve("plant", Plant::new("Works")))
        .await
        .expect("serve timed out")
        .expect("serve failed");
    let dir = scratch("plant");
    let ts = dir.join("plant.ts");
    jet(
        &bus.tcp,
        &[
            "codegen",
            "--lang",
            "typescript",
            "--starts-with",
            "plant/",
            "--out",
            ts.to_str().unwrap(),
        ],
    )
    .await
    .assert_ok();
    let generated = std::fs::read_to_string(&ts).unwrap();
    // The live bus and the offline schemas (the reviewed snapshot) give the same code.
    let snapshot =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../jet-codegen/tests/snapshots/plant.ts");
    assert_eq!(generated, std::fs::read_to_string(snapshot).unwrap());

    // From a saved `jet schema --json`: the same module, on stdout.
    let saved = jet(&bus.tcp, &["schema", "--json", "--starts-with", "plant/"]).await;
    saved.assert_ok();
    let file = dir.join("plant.schemas.jsonl");
    std::fs::write(&file, &saved.stdout).unwrap();
    let offline = jet(
        &bus.tcp,
        &[
            "codegen",
            "--lang",
            "typescript",
            "--from",
            file.to_str().unwrap(),
        ],
    )
    .await;
    offline.assert_ok();
    assert_eq!(offline.stdout, generated);

    let addr = bus.tcp.trim_start_matches("tcp://");
    let lines = compile_and_run(&dir, "plant.ts", USE_TS, addr).await;
    assert_eq!(
        lines,
        [
            json!({"setpoint": 72}),
            json!({"mode": "eco"}),
            // 20 °C + 10 min at the default 80 %, then at 50 % (see Boiler::heat). Node
            // writes 28.0 as `28`, and jetd's serde_json compares numbers by their text.
            json!({"heat": 28}),
            json!({"heatAt50": 33}),
            json!({"tooLong": {"code": 1002, "max": 120}}),
            json!({"power": 50}),
            json!({"startAgain": "AlreadyRunning"}),
            json!({"summary": {"running": 1, "produced": 0}}),
            json!({"stopped": 1}),
            json!({"alarms": [{"event": {"EmergencyStop": {"lines_stopped": 1}}, "seq": 1}]}),
            json!({"refused": true}),
            json!({"watched": [60, 72]}),
            json!({"name": "Works"}),
        ]
    );
    let _ = std::fs::remove_dir_all(&dir);
    bus.shutdown().await;
}

/// Uses the types generated from hand-written schemas; the `@ts-expect-error` lines make
/// tsc fail if the generated types accept what the schemas do not.
const DEVICE_TS: &str = r#"
import { Peer } from 'node-jet';
import { dev, type Alarm, type Level, type Config } from './device.js';

const g = globalThis as Record<string, unknown>;
if (g.CloseEvent === undefined) {
  g.CloseEvent = class CloseEvent extends Event {};
}
const out = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');
setTimeout(() => { out({ fatal: 'watchdog' }); process.exit(1); }, 30000).unref();

const fault: Level = 'fault';
const alarm: Alarm = { code: 7, level: fault, note: null };
// @ts-expect-error: not one of the `oneOf` constants
const wrong: Level = 'warn';
// @ts-expect-error: `code` and `level` are required
const partial: Alarm = { code: 1 };
const config: Config = { name: 'north', limit: null, labels: { site: 'a' } };
void [alarm, wrong, partial];

const [ip, port] = (process.argv[2] ?? '').split(':');
const peer = new Peer({ ip, port: Number(port) });
await peer.connect();
const d = dev(peer);
// @ts-expect-error: read-only states have no setter
void d.setAlarms;
out({ alarms: await d.getAlarms() });
await d.setConfig(config);
out({ config: await d.getConfig() });
out({ reset: await d.reset(true) });
out({ resetWhy: await d.reset(false, 'test') });
await peer.close();
process.exit(0);
"#;

/// Schemas written by hand (no schemars): `$defs` and `$ref`, a `oneOf` enum, nullable,
/// optional and map members, a read-only state, a method with an optional argument.
#[tokio::test]
async fn typescript_from_hand_written_schemas_type_checks_and_runs() {
    ensure_node_modules().await;
    let bus = Bus::start().await;
    let peer = bus.peer().await;
    let alarms_schema = json!({
        "$defs": {
            "Alarm": {
                "type": "object",
                "description": "An alarm.",
                "properties": {
                    "code": {"type": "integer"},
                    "level": {"$ref": "#/$defs/Level"},
                    "note": {"type": ["string", "null"]}
                },
                "required": ["code", "level"]
            },
            "Level": {"oneOf": [{"const": "info"}, {"const": "fault", "description": "Act now."}]}
        },
        "type": "array",
        "items": {"$ref": "#/$defs/Alarm"},
        "readOnly": true
    });
    let config_schema = json!({
        "title": "Config",
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "limit": {"type": "number", "nullable": true},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}}
        },
        "required": ["name"]
    });
    let reset_schema = json!({
        "description": "Reset the device.",
        "params": {
            "type": "object",
            "properties": {"force": {"type": "boolean"}, "reason": {"type": ["string", "null"]}},
            "required": ["force"]
        },
        "result": {"type": "integer"}
    });
    let alarms = peer
        .add_state(
            "dev/alarms",
            json!([{"code": 3, "level": "info", "note": null}]),
        )
        .schema(alarms_schema);
    let _alarms = timeout(STEP, alarms).await.unwrap().unwrap();
    let config = peer
        .add_state("dev/config", json!({"name": "x"}))
        .schema(config_schema)
        .on_set(|_| Ok(SetReply::accept()));
    let _config = timeout(STEP, config).await.unwrap().unwrap();
    // Answers with how many arguments came, by name.
    let reset = peer
        .add_method("dev/reset", |args| {
            Ok(json!(args.as_object().map_or(0, |a| a.len())))
        })
        .schema(reset_schema);
    let _reset = timeout(STEP, reset).await.unwrap().unwrap();

    let dir = scratch("device");
    let ts = dir.join("device.ts");
    jet(
        &bus.tcp,
        &[
            "codegen",
            "--lang",
            "typescript",
            "--starts-with",
            "dev/",
            "--out",
            ts.to_str().unwrap(),
        ],
    )
    .await
    .assert_ok();
    let addr = bus.tcp.trim_start_matches("tcp://");
    let lines = compile_and_run(&dir, "device.ts", DEVICE_TS, addr).await;
    assert_eq!(
        lines,
        [
            json!({"alarms": [{"code": 3, "level": "info", "note": null}]}),
            json!({"config": {"name": "north", "limit": null, "labels": {"site": "a"}}}),
            json!({"reset": 1}),
            json!({"resetWhy": 2}),
        ]
    );
    let _ = std::fs::remove_dir_all(&dir);
    bus.shutdown().await;
}

#[tokio::test]
async fn codegen_says_what_to_do_without_schemas() {
    let fake = FakeDaemon::start(no_schema_script).await;
    let done = jet(&fake.url(), &["codegen", "--lang", "typescript"]).await;
    done.assert_fails(
        1,
        "jet codegen needs a daemon that answers `schema` (jetd) or --from FILE",
    );

    let bus = Bus::start().await;
    let done = jet(&bus.tcp, &["codegen", "--lang", "typescript"]).await;
    done.assert_fails(2, "nothing to generate: no matching element has a schema");
    let done = jet(
        &bus.tcp,
        &[
            "codegen",
            "--lang",
            "typescript",
            "--from",
            "x.json",
            "--starts-with",
            "a/",
        ],
    )
    .await;
    done.assert_fails(2, "--from takes the file as it is");
    let done = jet(
        &bus.tcp,
        &[
            "codegen",
            "--lang",
            "typescript",
            "--from",
            "/nonexistent/s.json",
        ],
    )
    .await;
    done.assert_fails(2, "--from /nonexistent/s.json");
    bus.shutdown().await;
}

/// Drives the client generated from the node-jet 3 provider's hand-written schemas; the
/// `@ts-expect-error` lines make tsc fail if the types accept what the schemas do not.
const DEVICE3_TS: &str = r#"
import { Peer } from 'node-jet';
import { dev3, type Alarm, type Level, type Config, type ResetArgs } from './device3.js';

const g = globalThis as Record<string, unknown>;
if (g.CloseEvent === undefined) {
  g.CloseEvent = class CloseEvent extends Event {};
}
const out = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');
setTimeout(() => { out({ fatal: 'watchdog' }); process.exit(1); }, 30000).unref();

const level: Level = 'fault';
const alarm: Alarm = { code: 7, level, note: null };
// @ts-expect-error: not one of the `oneOf` constants
const wrong: Level = 'warn';
// @ts-expect-error: `code` and `level` are required
const partial: Alarm = { code: 1 };
// @ts-expect-error: `force` is required
const noForce: ResetArgs = { reason: 'x' };
void [alarm, wrong, partial, noForce];

const [ip, port] = (process.argv[2] ?? '').split(':');
const peer = new Peer({ ip, port: Number(port) });
await peer.connect();
const d = dev3(peer);
// @ts-expect-error: read-only states have no setter
void d.setAlarms;
out({ alarms: await d.getAlarms() });
const config: Config = { name: 'north', limit: null, labels: { site: 'a' } };
await d.setConfig(config);
out({ config: await d.getConfig() });
try {
  // The owner's own check: tsc cannot see it, the owner refuses.
  await d.setConfig({ name: 5 } as unknown as Config);
  out({ refused: false });
} catch {
  out({ refused: true });
}
out({ before: await d.getLastReset() });
await d.reset(true);
out({ reset: await d.getLastReset() });
await d.reset(false, 'test');
out({ resetWhy: await d.getLastReset() });
await peer.close();
process.exit(0);
"#;

/// A node-jet 3 provider (tests/interop3/schema_provider.mjs) adds elements whose `schema`
/// members were written by hand: `$defs`/`$ref`, `oneOf` enums, nullable and optional
/// members, a read-only state, a method with an optional argument. The TypeScript
/// generated from the live bus type-checks and drives that provider through jetd.
#[tokio::test]
async fn typescript_from_a_node_jet_3_providers_hand_written_schemas_drives_it() {
    use tokio::io::{AsyncBufReadExt, BufReader};

    ensure_node_modules().await;
    let bus = Bus::start().await;
    let addr = bus.tcp.trim_start_matches("tcp://").to_owned();
    let mut provider = Command::new("node")
        .arg(interop3().join("schema_provider.mjs"))
        .arg(&addr)
        .current_dir(interop3())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("cannot run node (the codegen test needs node)");
    let mut lines = BufReader::new(provider.stdout.take().unwrap()).lines();
    let first = timeout(NODE_STEP, lines.next_line())
        .await
        .expect("the node-jet 3 provider did not get ready in time")
        .unwrap();
    assert_eq!(first.as_deref(), Some(r#"{"ready":true}"#));

    let dir = scratch("device3");
    let ts = dir.join("device3.ts");
    jet(
        &bus.tcp,
        &[
            "codegen",
            "--lang",
            "typescript",
            "--starts-with",
            "dev3/",
            "--out",
            ts.to_str().unwrap(),
        ],
    )
    .await
    .assert_ok();
    let generated = std::fs::read_to_string(&ts).unwrap();
    for expected in [
        "export type Level = \"info\" | \"fault\";",
        "export interface Alarm {",
        "export interface Config {",
        "export interface ResetArgs {",
        "getLastReset(): Promise<null | ResetArgs> {",
        "reset(force: boolean, reason?: string | null): Promise<Record<string, unknown>> {",
    ] {
        assert!(
            generated.lines().any(|l| l.trim().starts_with(expected)),
            "no line `{expected}` in:\n{generated}"
        );
    }
    let lines_out = compile_and_run(&dir, "device3.ts", DEVICE3_TS, &addr).await;
    assert_eq!(
        lines_out,
        [
            json!({"alarms": [{"code": 3, "level": "info", "note": null}]}),
            json!({"config": {"name": "north", "limit": null, "labels": {"site": "a"}}}),
            json!({"refused": true}),
            json!({"before": null}),
            json!({"reset": {"force": true}}),
            json!({"resetWhy": {"force": false, "reason": "test"}}),
        ]
    );
    drop(provider.stdin.take());
    let _ = timeout(STEP, provider.wait()).await;
    let _ = std::fs::remove_dir_all(&dir);
    bus.shutdown().await;
}
