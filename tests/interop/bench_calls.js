'use strict'
// node bench_calls.js <addr> [--seconds N] [--concurrency N]
// The node-jet 2.1.2 counterpart of `cargo run --release -p jet-examples --example
// bench_calls`: one node-jet peer adds the method `bench/echo` (answers its arguments),
// another keeps `concurrency` calls in flight for `seconds` and counts the answers.
// Prints one JSON line: {"calls":N,"seconds":S,"callsPerSecond":R,"cpuMicrosPerCall":U,
// "concurrency":C}; the CPU is this process's (user + system, both peers) over the timed part.
const { jet, out, exit, fail, connect, arg } = require('./common')

const addr = process.argv[2]
const seconds = Number(arg('seconds', '5'))
const concurrency = Number(arg('concurrency', '64'))

;(async () => {
  const provider = await connect(addr)
  await provider.add(new jet.Method('bench/echo').on('call', (args) => args))
  const caller = await connect(addr)
  for (let i = 0; i < 1000; i++) await caller.call('bench/echo', [i])

  let calls = 0
  const cpuBefore = process.cpuUsage()
  const started = process.hrtime.bigint()
  const deadline = started + BigInt(Math.round(seconds * 1e9))
  async function worker (w) {
    let i = 0
    while (process.hrtime.bigint() < deadline) {
      await caller.call('bench/echo', [w, i++])
      calls++
    }
  }
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)))
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9
  const cpu = process.cpuUsage(cpuBefore)
  const cpuMicrosPerCall = Math.round(((cpu.user + cpu.system) / Math.max(calls, 1)) * 10) / 10
  out({ calls, seconds: elapsed, callsPerSecond: Math.round(calls / elapsed), cpuMicrosPerCall, concurrency })
  await caller.close()
  await provider.close()
  exit(0)
})().catch((e) => fail('bench_calls', e))
