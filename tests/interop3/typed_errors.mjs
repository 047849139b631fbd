// A node-jet 3.0.17 peer calling a typed Rust service whose method fails with a
// #[derive(JetError)] enum (jet_tests::kettle served at MOUNT): one JSON line per call
// ({step, ok} or {step, error}), then {"done":true}. The Rust test checks that code, message
// and the whole data reach it (as node-jet 3's `data.details`).
//   node typed_errors.mjs ADDR MOUNT
import { jet, out, fail, guard, peerConfig, settle } from './common.mjs'

guard(30)
const [addr, mount] = process.argv.slice(2)
const peer = new jet.Peer(peerConfig(addr))

try {
  await peer.connect()
  for (const how of ['hot', 'busy', 'now']) {
    out({ step: how, ...(await settle(peer.call(`${mount}/boil`, [how]))) })
  }
  out({ done: true })
  await peer.close()
  process.stdout.write('', () => process.exit(0))
} catch (e) {
  fail('typed_errors', e)
}
