'use strict'
// node typed_client.js <addr> <mount>
// A node-jet 2.1.2 peer driving a typed Rust service (the example boiler served at
// <mount>) with plain JSON: sets fields, calls methods with positional and named
// arguments, and prints one JSON line per step ({step, ok} or {step, err}), then
// {done:true}. Values and errors are what the Rust test asserts on.
const { out, exit, fail, guard, connect, settle } = require('./common')

guard(30)

;(async () => {
  const [addr, mount] = process.argv.slice(2)
  const peer = await connect(addr)
  const p = (rel) => `${mount}/${rel}`
  const steps = [
    ['setSetpoint', () => peer.set(p('setpoint'), 70.5)],
    ['setRefused', () => peer.set(p('setpoint'), 95)],
    ['setWrongType', () => peer.set(p('setpoint'), 'hot')],
    ['setReadOnly', () => peer.set(p('temperature'), 1)],
    ['setMode', () => peer.set(p('mode'), 'eco')],
    ['setNested', () => peer.set(p('burner/power'), 40)],
    ['callPositional', () => peer.call(p('heat'), [10, 50])],
    ['callNamed', () => peer.call(p('heat'), { minutes: 10 })],
    ['callMissing', () => peer.call(p('heat'), {})],
    ['callStatus', () => peer.call(p('status'), [])],
    ['get', () => peer.get({ path: { startsWith: p('') } })]
  ]
  for (const [step, run] of steps) {
    const r = await settle(run())
    out(Object.assign({ step }, r))
  }
  out({ done: true })
  await peer.close()
  exit(0)
})().catch((e) => fail('typed_client', e))
