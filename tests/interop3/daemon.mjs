// node-jet 3.0.17's own daemon on 127.0.0.1 (TCP only: its WebSocket side binds every
// interface, and mixing transports crashes it, PROTOCOL.md Part C), for the Rust peer's
// tests against it. Prints {"tcpPort":N} when listening; exits when stdin closes.
//   node daemon.mjs
import net from 'net'
import { jet, out, fail, guard } from './common.mjs'

guard(120)
// node-jet 3 binds with listen(port) on every interface: bind 127.0.0.1 on a free port
// instead, for the one listen() call that asks for our placeholder port.
const PLACEHOLDER = 1
const origListen = net.Server.prototype.listen
net.Server.prototype.listen = function (...a) {
  if (a[0] !== PLACEHOLDER) return origListen.apply(this, a)
  this.once('listening', () => out({ tcpPort: this.address().port }))
  this.once('error', (e) => fail('listen', e))
  return origListen.call(this, 0, '127.0.0.1')
}
try {
  new jet.Daemon({}).listen({ tcpPort: PLACEHOLDER })
} catch (e) {
  fail('daemon', e)
}
