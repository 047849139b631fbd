// A node-jet 3.0.17 owner: adds the states and methods of the interop scenarios, prints
// {"ready":true} and then one line per routed set/call it handles, until stdin closes.
//   node provider.mjs ADDR
import { jet, out, fail, guard, peerConfig, settle } from './common.mjs'

guard(60)
const peer = new jet.Peer(peerConfig(process.argv[2]))
try {
  await peer.connect()
  const counter = new jet.State('n3/counter', 0)
  counter.on('set', (v) => {
    out({ set: 'n3/counter', value: v })
    if (typeof v !== 'number') throw new Error('counter must be a number')
  })
  await peer.add(counter)
  await peer.add(new jet.State('n3/person/alice', { name: 'alice', age: 30 }))
  const bob = new jet.State('n3/person/bob', { name: 'bob', age: 20 })
  await peer.add(bob)
  await peer.add(new jet.State('n3/label', 'hello'))
  const greet = new jet.Method('n3/greet')
  greet.on('call', (args) => out({ call: 'n3/greet', args }))
  await peer.add(greet)
  const failing = new jet.Method('n3/fail')
  failing.on('call', () => { throw new Error('method failed on purpose') })
  await peer.add(failing)
  const occupied = await settle(peer.add(new jet.State('n3/counter', 1)))
  out({ ready: true, occupied: occupied.error })
  // On request from the test (a line on stdin): change bob, remove the label.
  process.stdin.on('data', async (chunk) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      if (line === 'change') {
        bob.value({ name: 'bob', age: 31 })
        out({ changed: 'n3/person/bob' })
      } else if (line === 'remove') {
        out({ removed: await settle(peer.remove(new jet.State('n3/label', 'hello'))) })
      }
    }
  })
} catch (e) {
  fail('provider', e)
}
