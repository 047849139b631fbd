'use strict'
// Shared helpers for the interop scripts. Every script prints one JSON object per stdout
// line (read by jet_tests::node::NodeProcess), connects to 127.0.0.1 only, and exits by
// itself: on success, on the first unexpected error, when its watchdog fires, or when its
// stdin closes (the Rust test that spawned it went away).

const jet = require('node-jet')

/** Print one JSON line for the Rust side. */
function out (obj) {
  process.stdout.write(JSON.stringify(obj) + '\n')
}

/** Exit with `code` once stdout has been flushed (process.exit may cut a piped stdout). */
function exit (code) {
  process.stdout.write('', () => process.exit(code))
}

/** Fail loudly: a line the test can show, a message on stderr, exit status 1. */
function fail (what, err) {
  console.error(`${what}: ${(err && (err.stack || err.message)) || JSON.stringify(err)}`)
  out({ fatal: what, error: describeError(err) })
  exit(1)
}

// A script that outlives its test must not linger: stdin is a pipe from the test, and the
// watchdog bounds the run time even if the test forgot to close it.
function guard (seconds) {
  setTimeout(() => fail('watchdog', new Error(`still running after ${seconds} s`)), seconds * 1000).unref()
  process.stdin.on('end', () => process.exit(2))
  process.stdin.on('error', () => process.exit(2))
  process.stdin.resume()
  process.stdin.unref()
  process.on('unhandledRejection', (e) => fail('unhandledRejection', e))
  process.on('uncaughtException', (e) => fail('uncaughtException', e))
}

/**
 * Peer config from a command-line address: `ws://127.0.0.1:PORT/` (WebSocket) or
 * `127.0.0.1:PORT` (TCP). Anything not on 127.0.0.1 is refused: these scripts are tests.
 */
function peerConfig (addr, extra) {
  let cfg
  const ws = /^ws:\/\/127\.0\.0\.1:(\d+)(\/.*)?$/.exec(addr)
  const tcp = /^127\.0\.0\.1:(\d+)$/.exec(addr)
  if (ws) {
    cfg = { url: addr }
  } else if (tcp) {
    cfg = { ip: '127.0.0.1', port: Number(tcp[1]) }
  } else {
    throw new Error(`refusing address ${JSON.stringify(addr)}: only 127.0.0.1 is allowed`)
  }
  return Object.assign(cfg, extra || {})
}

/** Connect a node-jet peer and wait until it is ready (info, and authenticate if asked). */
async function connect (addr, extra) {
  const peer = new jet.Peer(peerConfig(addr, extra))
  await peer.connect()
  return peer
}

/**
 * What the test compares: node-jet's typed error class name (`jet.NotFound`, ...) when the
 * peer mapped the JSON-RPC error, else the raw error object it got.
 */
function describeError (err) {
  if (err instanceof jet.BaseError) return { name: err.name, message: err.message }
  if (err instanceof Error) return { name: 'Error', message: err.message }
  return { name: 'raw', raw: err }
}

/** Run `promise`, resolve to `{ok: result}` or `{err: describeError(e)}`. */
async function settle (promise) {
  try {
    return { ok: await promise }
  } catch (e) {
    return { err: describeError(e) }
  }
}

/** Resolve after the next `n` calls of the returned `push`, with the collected values. */
function collector () {
  const items = []
  const waiters = []
  const push = (item) => {
    items.push(item)
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (items.length >= waiters[i].n) {
        waiters[i].resolve(items.slice(0, waiters[i].n))
        waiters.splice(i, 1)
      }
    }
  }
  const take = (n) => new Promise((resolve) => {
    if (items.length >= n) resolve(items.slice(0, n))
    else waiters.push({ n, resolve })
  })
  return { push, take, items }
}

function arg (name, fallback) {
  const i = process.argv.indexOf('--' + name)
  return i < 0 ? fallback : process.argv[i + 1]
}

module.exports = { jet, out, exit, fail, guard, peerConfig, connect, describeError, settle, collector, arg }
