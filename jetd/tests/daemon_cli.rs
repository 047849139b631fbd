//! The `jetd` binary as a user and a script meet it: the listening line once on standard
//! output, plain logs when standard error is no terminal, one `error:` line for ordinary
//! errors (never a backtrace), and `hash-password` reading from a pipe.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const STEP: Duration = Duration::from_secs(10);

fn jetd() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_jetd"));
    c.env("RUST_BACKTRACE", "1").env_remove("RUST_LOG");
    c
}

/// Wait for a child we started, at most [`STEP`]; kill it (by its own handle) if it hangs.
fn wait_bounded(mut child: Child) -> Output {
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > STEP {
            let _ = child.kill();
            panic!("jetd did not exit within {STEP:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn run(args: &[&str]) -> Output {
    let child = jetd()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_bounded(child)
}

/// Exactly one line, `error: ...`, and exit status 1.
fn assert_one_error_line(out: &Output, says: &str) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "not one line: {stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains(says), "{stderr}");
    for noise in ["Caused by", "backtrace", "Stack", "panicked"] {
        assert!(!stderr.contains(noise), "{noise:?} in {stderr}");
    }
    stderr
}

#[test]
fn a_port_in_use_is_one_error_line_without_backtrace() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = run(&["--tcp", &addr, "--ws", "off"]);
    let line = assert_one_error_line(&out, &addr);
    // The OS's reason appears once, not once more as a cause.
    let reason = "Address already in use";
    assert_eq!(line.matches(reason).count(), 1, "{line}");
    assert!(out.stdout.is_empty());
}

#[test]
fn bad_settings_are_one_error_line() {
    let out = run(&["--tcp", "nonsense:port:x", "--ws", "off"]);
    assert_one_error_line(&out, "--tcp");
    let out = run(&["--config", "/nonexistent/jetd.toml"]);
    assert_one_error_line(&out, "/nonexistent/jetd.toml");
    let dir = std::env::temp_dir().join(format!("jetd-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.toml");
    std::fs::write(&file, "max-queu = 1\n").unwrap();
    let out = run(&["--config", file.to_str().unwrap()]);
    assert_one_error_line(&out, "max-queu");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The listening line goes to standard output once and not into the log; the log (here
/// piped, so no terminal) carries no ANSI colour codes.
#[test]
fn the_listening_line_is_printed_once_and_logs_are_plain_when_piped() {
    let mut child = jetd()
        .args(["--tcp", "127.0.0.1:0", "--ws", "127.0.0.1:0"])
        .env("RUST_LOG", "debug")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let _ = tx.send(lines.next());
        let rest: Vec<_> = lines.map_while(Result::ok).collect();
        let _ = tx.send(Some(Ok(rest.join("\n"))));
    });
    let first = rx
        .recv_timeout(STEP)
        .expect("no listening line")
        .unwrap()
        .unwrap();
    assert!(
        first.starts_with("jetd listening tcp=127.0.0.1:"),
        "{first}"
    );
    let port: u16 = first
        .split("tcp=127.0.0.1:")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|p| p.parse().ok())
        .unwrap();
    // A connection, so that there is something in the debug log.
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(STEP)).unwrap();
    let msg = br#"{"id":1,"method":"echo","params":1}"#;
    let mut frame = (msg.len() as u32).to_be_bytes().to_vec();
    frame.extend_from_slice(msg);
    s.write_all(&frame).unwrap();
    let mut answer = [0u8; 4];
    s.read_exact(&mut answer).unwrap();
    drop(s);
    // SIGTERM to the child we started, by its pid: jetd shuts down and logs it.
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = wait_bounded(child);
    assert!(out.status.success(), "{out:?}");
    let rest = rx.recv_timeout(STEP).unwrap().unwrap().unwrap();
    assert_eq!(rest, "", "more on standard output than the listening line");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("shutting down"), "{log}");
    assert!(log.contains("peer connected"), "{log}");
    assert!(
        !log.contains("listening"),
        "the listening line is also in the log: {log}"
    );
    assert!(
        !log.contains('\u{1b}'),
        "ANSI escapes in a piped log: {log:?}"
    );
}

#[test]
fn hash_password_reads_one_line_from_a_pipe() {
    let mut child = jetd()
        .args(["hash-password", "linus"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"correct horse\nsecond line is not read\n")
        .unwrap();
    let out = wait_bounded(child);
    assert!(out.status.success(), "{out:?}");
    let entry = String::from_utf8(out.stdout).unwrap();
    assert!(entry.contains("linus"), "{entry}");
    assert!(entry.contains("$argon2id$"), "{entry}");
    // An empty line is refused with one error line.
    let mut child = jetd()
        .args(["hash-password", "linus"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"\n").unwrap();
    let out = wait_bounded(child);
    assert_one_error_line(&out, "empty password");
}

/// `--tls-cert` and `--tls-key` are checked before anything listens, each mistake one
/// line naming the flag and the file.
#[test]
fn tls_files_are_checked_at_start() {
    let pki = jet_test_support::pki::TestPki::new("daemon-cli");
    let (cert, key) = (pki.cert.to_str().unwrap(), pki.key.to_str().unwrap());
    let other_key = pki.other_key.to_str().unwrap();
    let missing = pki.dir().join("missing.pem");
    let missing = missing.to_str().unwrap();
    let listen = ["--tcp", "127.0.0.1:0", "--ws", "off"];
    for (tls, says) in [
        (
            vec!["--tls-cert", cert],
            "--tls-cert needs --tls-key".to_owned(),
        ),
        (
            vec!["--tls-key", key],
            "--tls-key needs --tls-cert".to_owned(),
        ),
        (
            vec!["--tls-cert", missing, "--tls-key", key],
            format!("--tls-cert {missing}: cannot read the file"),
        ),
        (
            vec!["--tls-cert", cert, "--tls-key", missing],
            format!("--tls-key {missing}: cannot read the file"),
        ),
        (
            vec!["--tls-cert", key, "--tls-key", key],
            format!("--tls-cert {key}: no certificate in the file"),
        ),
        (
            vec!["--tls-cert", cert, "--tls-key", cert],
            format!("--tls-key {cert}: no private key in the file"),
        ),
        (
            vec!["--tls-cert", cert, "--tls-key", other_key],
            format!("--tls-key {other_key} is not the key of the certificate in --tls-cert {cert}"),
        ),
    ] {
        let args: Vec<&str> = listen.iter().copied().chain(tls).collect();
        assert_one_error_line(&run(&args), &says);
    }
}

/// TLS from the TOML file: the listening line shows the schemes peers connect with.
#[test]
fn tls_from_the_config_file_shows_in_the_listening_line() {
    let pki = jet_test_support::pki::TestPki::new("daemon-cli-toml");
    let file = pki.dir().join("jetd.toml");
    std::fs::write(
        &file,
        format!(
            "tcp = \"127.0.0.1:0\"\nws = \"127.0.0.1:0\"\ntls-cert = {:?}\ntls-key = {:?}\n",
            pki.cert, pki.key
        ),
    )
    .unwrap();
    let mut child = jetd()
        .args(["--config", file.to_str().unwrap()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(BufReader::new(stdout).lines().next());
    });
    let first = rx.recv_timeout(STEP).expect("no listening line");
    // SIGTERM to the child we started, by its pid.
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = wait_bounded(child);
    let first = first.unwrap().unwrap();
    assert!(
        first.starts_with("jetd listening tcp=tls://127.0.0.1:")
            && first.contains(" ws=wss://127.0.0.1:"),
        "{first}"
    );
    assert!(out.status.success(), "{out:?}");
}
