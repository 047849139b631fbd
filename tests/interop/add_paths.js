'use strict'
// node add_paths.js <addr> <path>...: add a state at each path in turn with a node-jet
// peer and print one line per add: {"path":..,"ok":true} or {"path":..,"err":{name,..}}
// (node-jet's typed error: a strict hierarchy's refusal must read as jet.Occupied), then
// {"quit":true}, close and exit 0.
const jet = require('node-jet')
const { out, exit, fail, guard, connect, settle } = require('./common')

guard(15)
;(async () => {
  const peer = await connect(process.argv[2])
  for (const path of process.argv.slice(3)) {
    const r = await settle(peer.add(new jet.State(path, 1)))
    out(Object.assign({ path }, r.err ? { err: r.err } : { ok: true }))
  }
  out({ quit: true })
  await peer.close()
  exit(0)
})().catch((e) => fail('add_paths', e))
