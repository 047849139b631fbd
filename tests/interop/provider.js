'use strict'
// node provider.js <addr>
// A node-jet provider: adds the states and methods the consumer scenarios use, reports
// what it was asked to do, and exits 0 when a consumer calls `ctl/quit`.
//
// stdout lines:
//   {"ready":true,"occupied":<error of adding "demo/state" a second time>}
//   {"set":"<path>","value":v}        a routed set reached a set handler
//   {"call":"<path>","args":a}        a routed call reached a method
//   {"quit":true}                     last line, then the peer closes and the process exits
const { jet, out, exit, fail, guard, connect, settle } = require('./common')

guard(60)

const states = {}

function state (path, value, onSet, access) {
  const s = new jet.State(path, value, access)
  if (onSet) s.on('set', onSet)
  states[path] = s
  return s
}

function method (path, onCall, access) {
  return new jet.Method(path, access).on('call', onCall)
}

function sumOf (values) {
  return values.reduce((a, b) => a + b, 0)
}

const elements = [
  // Writable: the set handler rounds x down, so valueAsResult differs from the request.
  state('demo/state', { x: 1 }, function (v) {
    out({ set: 'demo/state', value: v })
    return { value: { x: Math.floor(v.x) } }
  }),
  // No set handler: node-jet adds it with fetchOnly:true.
  state('demo/ro', 5),
  // Asynchronous set handler that never replies: the requester must time out.
  state('demo/slow', 0, function (v, reply) {
    out({ set: 'demo/slow', value: v })
  }),
  // Reports the shape of its arguments so array and object args can be told apart.
  method('demo/sum', function (args) {
    out({ call: 'demo/sum', args: args })
    if (Array.isArray(args)) return { shape: 'array', sum: sumOf(args) }
    return { shape: 'object', sum: sumOf(Object.values(args)) }
  }),
  // Asynchronous method that fails with a string: node-jet sends an Internal error.
  method('demo/fail', function (args, reply) {
    out({ call: 'demo/fail', args: args })
    setTimeout(() => reply({ error: 'nope' }), 10)
  }),
  // Numbers to filter and sort: by value the order is b(1) d(2) a(3) e(4) c(5).
  ...[['a', 3], ['b', 1], ['c', 5], ['d', 2], ['e', 4]].map(([name, v]) =>
    state('list/' + name, v, function (nv) {
      out({ set: 'list/' + name, value: nv })
    })),
  // Access rules (PROTOCOL.md A.9): open, viewable by viewers but settable by admins only,
  // and visible to admins only.
  state('secure/open', 'o', function (v) {
    out({ set: 'secure/open', value: v })
  }),
  state('secure/view', 'v', function (v) {
    out({ set: 'secure/view', value: v })
  }, { fetchGroups: ['viewers', 'admins'], setGroups: ['admins'] }),
  state('secure/admin', 'a', function (v) {
    out({ set: 'secure/admin', value: v })
  }, { fetchGroups: ['admins'], setGroups: ['admins'] }),
  // Control: publish a new value of a state, and answer only after the change went out,
  // so the consumer sees the resulting fetch event before the call's result.
  method('ctl/change', function (args, reply) {
    const [path, value] = args
    states[path].value(value).then(() => reply({ result: true }), (e) => reply({ error: String(e) }))
  }),
  method('ctl/quit', function (args, reply) {
    reply({ result: true })
    setTimeout(() => {
      out({ quit: true })
      peer.close().then(() => exit(0))
    }, 20)
  })
]

let peer
;(async () => {
  peer = await connect(process.argv[2])
  // One at a time, so every daemon sees the same insertion order.
  for (const e of elements) await peer.add(e)
  const occupied = await settle(peer.add(new jet.State('demo/state', 0)))
  out({ ready: true, occupied: occupied.err || occupied })
})().catch((e) => fail('provider', e))
