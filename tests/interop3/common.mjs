// Shared helpers for the node-jet 3.0.17 interop scripts. Every script prints one JSON
// object per stdout line (read by jet_tests::node::NodeProcess), connects to 127.0.0.1
// only, and exits by itself: on success, on the first unexpected error, when its watchdog
// fires, or when its stdin closes (the Rust test that spawned it went away).

// node-jet 3 builds a CloseEvent when a TCP socket closes; Node 20 has none.
if (typeof globalThis.CloseEvent === 'undefined') {
  globalThis.CloseEvent = class CloseEvent extends Event {
    constructor (code, reason) {
      super('close')
      this.code = code
      this.reason = reason
    }
  }
}

const jet = (await import('node-jet')).default

export { jet }

/** Print one JSON line for the Rust side. */
export function out (obj) {
  process.stdout.write(JSON.stringify(obj) + '\n')
}

/** Exit with `code` once stdout has been flushed. */
export function exit (code) {
  process.stdout.write('', () => process.exit(code))
}

/** What a rejected promise carried: node-jet 3 rejects with the error object it received. */
export function describeError (err) {
  if (err && typeof err === 'object') {
    return { code: err.code, name: err.name ?? (err.data && err.data.name), message: err.message, data: err.data }
  }
  return { thrown: String(err) }
}

export function fail (what, err) {
  console.error(`${what}: ${(err && (err.stack || err.message)) || JSON.stringify(err)}`)
  out({ fatal: what, error: describeError(err) })
  exit(1)
}

export function guard (seconds) {
  setTimeout(() => fail('watchdog', new Error(`still running after ${seconds} s`)), seconds * 1000).unref()
  process.stdin.on('end', () => process.exit(2))
  process.stdin.on('error', () => process.exit(2))
  process.stdin.resume()
  process.stdin.unref()
  process.on('unhandledRejection', (e) => fail('unhandledRejection', e))
  process.on('uncaughtException', (e) => fail('uncaughtException', e))
}

/** Peer config from `ws://127.0.0.1:PORT/...` or `127.0.0.1:PORT`; nothing else. */
export function peerConfig (addr, extra = {}) {
  const ws = /^ws:\/\/127\.0\.0\.1:(\d+)(\/.*)?$/.exec(addr)
  const tcp = /^127\.0\.0\.1:(\d+)$/.exec(addr)
  if (ws) return { url: addr, ...extra }
  if (tcp) return { ip: '127.0.0.1', port: Number(tcp[1]), ...extra }
  fail('address', new Error(`not a loopback address: ${addr}`))
}

/** Settle a promise into {ok} or {error}. */
export async function settle (p) {
  try {
    return { ok: (await p) ?? null }
  } catch (e) {
    return { error: describeError(e) }
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
