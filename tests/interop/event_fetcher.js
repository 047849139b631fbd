'use strict'
// node event_fetcher.js <addr> <path> <changes>
// A node-jet 2.1.2 fetcher of one path (a typed service's `#[jet(event)]` state): prints
// {ready:true} once the fetch is set up, then one line {event, value} per notification it
// receives, and {done:true} after <changes> `change` notifications.
const { jet, out, exit, fail, guard, connect } = require('./common')

guard(30)

;(async () => {
  const [addr, path, changes] = process.argv.slice(2)
  const peer = await connect(addr)
  let seen = 0
  const fetcher = new jet.Fetcher().path('equals', path)
  fetcher.on('data', (data) => {
    out({ event: data.event, value: data.value })
    if (data.event === 'change' && ++seen === Number(changes)) {
      out({ done: true })
      peer.close().then(() => exit(0), (e) => fail('close', e))
    }
  })
  await peer.fetch(fetcher)
  out({ ready: true })
})().catch((e) => fail('event_fetcher', e))
