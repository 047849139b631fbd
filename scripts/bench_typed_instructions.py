#!/usr/bin/env python3
"""What the typed layer costs the peers, in instructions per operation (issue 12's figure;
target: at most 20 % more than the untyped peer API).

Runs jetd (release) as its own process and `bench_typed --daemon ADDR --only CASE` under
`valgrind --tool=callgrind` for each case, once with a short and once with a long run;
the difference in the bench process's instructions divided by the difference in
operations is the peers' cost per operation (the service peer and the calling peer, both
in that process; start-up and shutdown cancel out; the daemon is not counted). Callgrind
counts repeat for the same binary and input, so the figures hold on a loaded machine,
where CPU-time figures swing by tens of percent.

    cargo build --release -p jetd -p jet-examples --example bench_typed
    scripts/bench_typed_instructions.py [--jetd target/release/jetd]
        [--bench target/release/examples/bench_typed] [--short 500] [--long 2500]
"""

import argparse
import os
import socket
import subprocess
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port):
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"jetd did not listen on {port}")


def instructions(bench, addr, case, n, out_dir):
    out = os.path.join(out_dir, f"cg.{case}.{n}")
    subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", bench,
         "--daemon", addr, "--only", case, "--iterations", str(n)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=600,
    )
    with open(out) as f:
        for line in f:
            if line.startswith(("totals:", "summary:")):
                return int(line.split()[1])
    raise SystemExit(f"no totals in {out}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jetd", default="target/release/jetd")
    ap.add_argument("--bench", default="target/release/examples/bench_typed")
    ap.add_argument("--short", type=int, default=500)
    ap.add_argument("--long", type=int, default=2500)
    args = ap.parse_args()
    port = free_port()
    jetd = subprocess.Popen(
        [args.jetd, "--tcp", f"127.0.0.1:{port}", "--ws", "off"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_listening(port)
        addr = f"127.0.0.1:{port}"
        per_op = {}
        with tempfile.TemporaryDirectory() as out_dir:
            for case in ("typed-call", "untyped-call", "typed-update", "untyped-change"):
                a = instructions(args.bench, addr, case, args.short, out_dir)
                b = instructions(args.bench, addr, case, args.long, out_dir)
                per_op[case] = (b - a) / (args.long - args.short)
    finally:
        jetd.terminate()
        jetd.wait()
    print(
        f"peer instructions per operation (callgrind; runs of {args.long} minus runs of "
        f"{args.short} operations; jetd in its own process, not counted)"
    )
    print()
    print("| operation | typed | untyped | typed / untyped |")
    print("|---|---|---|---|")
    for what, typed, untyped in (
        ("call round trip (client + service)", "typed-call", "untyped-call"),
        ("publish 1 changed field of 20 vs one `change`", "typed-update", "untyped-change"),
    ):
        t, u = per_op[typed], per_op[untyped]
        print(f"| {what} | {t:,.0f} | {u:,.0f} | {t / u:.2f} |")


if __name__ == "__main__":
    main()
