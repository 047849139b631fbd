'use strict'
// node typed_errors.js <addr> <mount>
// A node-jet 2.1.2 peer calling a typed Rust service whose method fails with a
// #[derive(JetError)] enum (jet_tests::kettle served at <mount>): prints one JSON line per
// call ({step, ok} or {step, err}), then {done:true}. The Rust test checks that each error
// arrives as a plain JSON-RPC error object with the variant's code, message and data.
const { out, exit, fail, guard, connect, settle } = require('./common')

guard(30)

;(async () => {
  const [addr, mount] = process.argv.slice(2)
  const peer = await connect(addr)
  for (const how of ['empty', 'hot', 'busy', 'blocked', 'now']) {
    const r = await settle(peer.call(`${mount}/boil`, [how]))
    out(Object.assign({ step: how }, r))
  }
  out({ done: true })
  await peer.close()
  exit(0)
})().catch((e) => fail('typed_errors', e))
