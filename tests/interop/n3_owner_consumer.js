'use strict'
// A node-jet 2.1.2 consumer of the `n3/` elements of tests/interop3/provider.mjs (a
// node-jet 3 owner) on jetd: each dialect on one bus. Prints one line per observation,
// then {"done":true}.
//   node n3_owner_consumer.js ADDR
const { jet, out, exit, fail, guard, connect, settle, collector } = require('./common')

guard(30)

async function main () {
  const peer = await connect(process.argv[2])
  const c = collector()
  const fetcher = new jet.Fetcher().path('equals', 'n3/counter').on('data', (d) => c.push(d))
  await peer.fetch(fetcher)
  out({ initial: await c.take(1) })
  out({ set: await settle(peer.set('n3/counter', 5)) })
  out({ change: (await c.take(2))[1] })
  out({ setBad: await settle(peer.set('n3/counter', 'bad')) })
  out({ call: await settle(peer.call('n3/greet', ['classic'])) })
  out({ callFail: await settle(peer.call('n3/fail', [])) })
  out({ done: true })
  exit(0)
}

main().catch((e) => fail('n3_owner_consumer', e))
