'use strict'
// node info.js <addr>: connect a node-jet peer and print the daemon's `info` as node-jet
// saw it ({"daemonInfo":{...}}), then close and exit 0.
const { out, exit, fail, guard, connect } = require('./common')

guard(15)
;(async () => {
  const peer = await connect(process.argv[2])
  out({ daemonInfo: peer.daemonInfo })
  await peer.close()
  exit(0)
})().catch((e) => fail('info', e))
