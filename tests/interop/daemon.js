'use strict'
// A node-jet 2.1.2 daemon on 127.0.0.1, for checking the interop scripts against the
// reference and for comparing jetd with it.
//   node daemon.js [--tcp PORT] [--ws PORT] [--users JSON]
// Ports: 0 or absent = a free port chosen by the OS. JSON: node-jet's `users` option,
// {"name":{"password":"..","auth":{"fetchGroups":[..],"setGroups":[..],"callGroups":[..]}}}.
// Prints one line when both listeners are up: {"tcpPort":N,"wsPort":M}
// Exits when stdin closes (the test that started it is gone) or on SIGTERM/SIGINT.

const http = require('http')
const net = require('net')
const { jet, out, fail } = require('./common')

const HOST = '127.0.0.1'
const args = process.argv.slice(2)
const opt = (name) => {
  const i = args.indexOf('--' + name)
  return i < 0 ? undefined : args[i + 1]
}
const tcpPort = Number(opt('tcp') || 0)
const wsPort = Number(opt('ws') || 0)

const daemon = new jet.Daemon({ users: JSON.parse(opt('users') || '{}') })

// node-jet's listen() creates its TCP server only for a truthy port and binds it with
// listen(port), i.e. on every interface. Intercept that one call and bind 127.0.0.1 with
// the port we want (0 = any) instead.
const origListen = net.Server.prototype.listen
net.Server.prototype.listen = function (...a) {
  if (this === daemon.listener) return origListen.call(this, tcpPort, HOST)
  return origListen.apply(this, a)
}

// The WebSocket side goes through our own HTTP server, bound to 127.0.0.1 only.
const httpServer = http.createServer((req, res) => {
  res.writeHead(426)
  res.end()
})

let pending = 2
function listening () {
  if (--pending === 0) {
    out({ tcpPort: daemon.listener.address().port, wsPort: httpServer.address().port })
  }
}

httpServer.on('error', (e) => fail('ws listen', e))
httpServer.listen(wsPort, HOST, listening)
daemon.listen({ tcpPort: 1, server: httpServer, wsPingInterval: 0 })
daemon.listener.on('error', (e) => fail('tcp listen', e))
daemon.listener.on('listening', listening)

process.stdin.on('end', () => process.exit(0))
process.stdin.on('error', () => process.exit(0))
process.stdin.resume()
process.on('SIGTERM', () => process.exit(0))
process.on('SIGINT', () => process.exit(0))
