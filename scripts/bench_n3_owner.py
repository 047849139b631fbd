#!/usr/bin/env python3
"""jetd's CPU per routed round trip when the owner speaks node-jet 3's dialect, against
the same with a classic owner (issue 15's figure; target: at most 1.1x).

The requester is a classic peer in both cases; only the owner's dialect differs. Both
peers speak the raw wire (4-byte big-endian length, then JSON) from one asyncio loop in
this process, so the figure that counts is the daemon's CPU (utime + stime from
/proc/PID/stat) per round trip, which does not depend on how fast this harness is.
jetd runs on CPU 0 and the harness on CPU 1 (as compare.py --pin does).

    scripts/bench_n3_owner.py [--jetd target/release/jetd] [--reps 3] [--calls 20000]
    scripts/bench_n3_owner.py --instructions [--jetd target/release/jetd]

Prints one table: daemon CPU us per round trip (median [min-max]) for each owner dialect
and requests in flight (1 and 32), and the ratio node-jet 3 / classic.

CPU time at one request in flight is dominated by wakeups, whose cost swings with whatever
else the machine runs. `--instructions` counts instead: each case runs jetd under
`valgrind --tool=callgrind` twice, with a short and a long burst, and reports the
difference in jetd's instructions divided by the difference in round trips (start-up and
shutdown cancel out). Instruction counts repeat exactly for the same binary and input, so
this ratio holds on a loaded machine too (it leaves out the kernel's share of the cost).
"""

import argparse
import asyncio
import json
import os
import socket
import statistics
import struct
import subprocess
import sys
import time

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Conn:
    """One framed JSON connection."""

    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port):
        for _ in range(400):  # under valgrind jetd takes seconds to listen
            try:
                r, w = await asyncio.open_connection("127.0.0.1", port)
                return cls(r, w)
            except OSError:
                await asyncio.sleep(0.05)
        raise SystemExit(f"jetd did not listen on {port}")

    def send(self, msg):
        data = json.dumps(msg, separators=(",", ":")).encode()
        self.writer.write(struct.pack(">I", len(data)) + data)

    async def recv(self):
        (n,) = struct.unpack(">I", await self.reader.readexactly(4))
        return json.loads(await self.reader.readexactly(n))

    async def request(self, msg):
        self.send(msg)
        await self.writer.drain()
        while True:
            m = await self.recv()
            if m.get("id") == msg["id"] and "method" not in m:
                if "error" in m:
                    raise SystemExit(f"{msg['method']} refused: {m['error']}")
                return m


async def serve_owner(owner, n3):
    """Answer every routed call with its arguments."""
    while True:
        m = await owner.recv()
        if "method" not in m:
            continue
        if n3:
            assert m["method"] == "call", m
            owner.send({"id": m["id"], "result": m["params"].get("args")})
        else:
            owner.send({"id": m["id"], "result": m["params"]})
        await owner.writer.drain()


async def one_run(port, pid, n3, window, calls, warm_up=1000):
    owner = await Conn.open(port)
    if n3:
        # node-jet 3 opens with this exact `info`, which is how jetd tells the dialect.
        await owner.request({"id": "1", "method": "info", "params": {}})
        await owner.request({"id": "2", "method": "add", "params": {"path": "bench/m"}})
    else:
        await owner.request({"id": 1, "method": "add", "params": {"path": "bench/m"}})
    serving = asyncio.ensure_future(serve_owner(owner, n3))
    requester = await Conn.open(port)

    async def burst(count):
        sent = done = 0
        while sent < min(window, count):
            requester.send(
                {"id": sent, "method": "call", "params": {"path": "bench/m", "args": [sent]}}
            )
            sent += 1
        await requester.writer.drain()
        while done < count:
            m = await requester.recv()
            if "error" in m:
                raise SystemExit(f"call failed: {m}")
            done += 1
            if sent < count:
                requester.send(
                    {"id": sent, "method": "call", "params": {"path": "bench/m", "args": [sent]}}
                )
                sent += 1
                await requester.writer.drain()

    if warm_up:
        await burst(min(warm_up, calls))
    before = cpu_seconds(pid)
    start = time.perf_counter()
    await burst(calls)
    elapsed = time.perf_counter() - start
    used = cpu_seconds(pid) - before
    serving.cancel()
    owner.writer.close()
    requester.writer.close()
    await asyncio.sleep(0.2)  # let jetd remove the method before the next run adds it
    return used / calls * 1e6, calls / elapsed


def callgrind_instructions(jetd, n3, window, calls, out_dir):
    """jetd's total instructions (callgrind's `totals:`) for one run of `calls` round trips."""
    port = free_port()
    out = os.path.join(out_dir, f"cg.{os.getpid()}.{int(n3)}.{window}.{calls}")
    proc = subprocess.Popen(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", jetd,
         "--tcp", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        asyncio.run(one_run(port, proc.pid, n3, window, calls, warm_up=0))
    finally:
        proc.terminate()  # jetd shuts down cleanly on SIGTERM; callgrind then writes `out`
        proc.wait(timeout=60)
    with open(out) as f:
        for line in f:
            if line.startswith("totals:") or line.startswith("summary:"):
                total = int(line.split()[1])
    os.remove(out)
    return total


def instructions_table(jetd, short, long):
    out_dir = os.environ.get("TMPDIR", "/tmp")
    print(
        f"jetd instructions per routed call round trip (callgrind; runs of {long} minus "
        f"runs of {short} round trips)"
    )
    print()
    print("| in flight | classic owner | node-jet 3 owner | node-jet 3 / classic |")
    print("|---|---|---|---|")
    for window in (1, 32):
        per_rt = {}
        for n3 in (False, True):
            a = callgrind_instructions(jetd, n3, window, short, out_dir)
            b = callgrind_instructions(jetd, n3, window, long, out_dir)
            per_rt[n3] = (b - a) / (long - short)
        ratio = per_rt[True] / per_rt[False]
        print(f"| {window} | {per_rt[False]:,.0f} | {per_rt[True]:,.0f} | {ratio:.3f} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jetd", default="target/release/jetd")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--calls", type=int, default=20000, help="round trips per run")
    ap.add_argument(
        "--instructions",
        action="store_true",
        help="count jetd's instructions per round trip under callgrind instead of CPU time",
    )
    args = ap.parse_args()
    if args.instructions:
        instructions_table(args.jetd, 500, 2500)
        return
    port = free_port()
    pin = ["taskset", "-c", "0"] if os.cpu_count() and os.cpu_count() > 1 else []
    jetd = subprocess.Popen(
        pin + [args.jetd, "--tcp", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if pin:
        os.sched_setaffinity(0, {1})
    results = {}
    try:
        for rep in range(args.reps):
            for window in (1, 32):
                for n3 in (False, True):
                    calls = args.calls // 4 if window == 1 else args.calls
                    us, rate = asyncio.run(one_run(port, jetd.pid, n3, window, calls))
                    results.setdefault((window, n3), []).append(us)
                    owner = "node-jet 3" if n3 else "classic"
                    print(
                        f"# rep {rep + 1} window {window:2} {owner:10} owner: "
                        f"{us:6.2f} us/rt daemon CPU, {rate:8.0f} rt/s",
                        file=sys.stderr,
                    )
    finally:
        jetd.terminate()
        jetd.wait()

    def cell(v):
        return f"{statistics.median(v):.2f} [{min(v):.2f}-{max(v):.2f}]"

    print(f"jetd daemon CPU us per routed call round trip (n={args.reps}, median [min-max])")
    print()
    print("| in flight | classic owner | node-jet 3 owner | node-jet 3 / classic |")
    print("|---|---|---|---|")
    for window in (1, 32):
        c, n = results[(window, False)], results[(window, True)]
        ratio = statistics.median(n) / statistics.median(c)
        print(f"| {window} | {cell(c)} | {cell(n)} | {ratio:.2f} |")


if __name__ == "__main__":
    main()
