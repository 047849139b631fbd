// A node-jet 3.0.17 consumer: fetches, gets, sets and calls the elements of provider.mjs
// (or the same paths offered by another owner), printing one JSON line per observation
// and {"done":true} at the end.
//   node consumer.mjs ADDR SCENARIO [USER PASSWORD]
// Scenarios: basic (everything an owner that answers can show), pending (calls that wait:
// a timeout, then an owner that disconnects), auth (authenticate, addUser).
import { jet, out, fail, guard, peerConfig, settle } from './common.mjs'

guard(60)
const [addr, scenario, user, password] = process.argv.slice(2)
const peer = new jet.Peer(peerConfig(addr))

let onData = () => {}

/** A fetcher whose notifications are printed as {fetch:<label>, ...params}. */
function fetcher (label, build) {
  const f = build(new jet.Fetcher())
  f.on('data', (data) => {
    out({ fetch: label, ...data })
    onData(label, data)
  })
  return f
}

async function basic () {
  const all = fetcher('all', (f) => f.path('startsWith', 'n3/'))
  await peer.fetch(all)
  out({ fetched: 'all' })
  const older = fetcher('older', (f) => f.path('startsWith', 'n3/person/').value('greaterThan', 25, 'age'))
  await peer.fetch(older)
  out({ fetched: 'older' })
  const sorted = fetcher('sorted', (f) => f.path('startsWith', 'n3/').sortByPath().descending().range(1, 2))
  await peer.fetch(sorted)
  out({ fetched: 'sorted' })
  out({ get: await settle(peer.get({ path: { startsWith: 'n3/person/' } })) })
  out({ set: await settle(peer.set('n3/counter', 5)) })
  out({ setBad: await settle(peer.set('n3/counter', 'bad')) })
  out({ call: await settle(peer.call('n3/greet', ['world'])) })
  out({ callFail: await settle(peer.call('n3/fail', [])) })
  out({ setMissing: await settle(peer.set('n3/nope', 1)) })
  out({ unfetch: await settle(peer.unfetch(sorted)) })
  out({ info: await settle(peer.info()) })
  // The test now has the owner change bob and remove the label; wait for the label's Remove.
  const removed = new Promise((resolve) => {
    onData = (label, data) => {
      if (label === 'all' && data.event === 'Remove') resolve()
    }
  })
  out({ waiting: 'events' })
  await removed
}

// Against tests/interop/provider.js, a node-jet 2 owner.
async function nodejet2 () {
  const demo = fetcher('demo', (f) => f.path('startsWith', 'demo/'))
  await peer.fetch(demo)
  out({ fetched: 'demo' })
  out({ set: await settle(peer.set('demo/state', { x: 2.7 })) })
  out({ call: await settle(peer.call('demo/sum', [1, 2, 3])) })
  out({ callFail: await settle(peer.call('demo/fail', [])) })
  out({ setMissing: await settle(peer.set('demo/nope', 1)) })
}

async function pending () {
  // The owner never answers: jetd's timeout answers (node-jet 3's own daemon never does).
  out({ timeout: await settle(peer.call('n3/silent', [])) })
  // The owner disconnects while this call waits: answered at once.
  out({ waiting: true })
  out({ disconnected: await settle(peer.call('n3/hang', [])) })
}

async function auth () {
  out({ wrong: await settle(peer.authenticate(user, 'wrong')) })
  out({ login: await settle(peer.authenticate(user, password)) })
  out({ addUser: await settle(peer.addUser('mallory', 'pw', ['admin'])) })
  out({ config: await settle(peer.configure({ name: 'n3-consumer' })) })
}

try {
  await peer.connect()
  out({ connected: true })
  if (scenario === 'basic') await basic()
  else if (scenario === 'pending') await pending()
  else if (scenario === 'nodejet2') await nodejet2()
  else if (scenario === 'auth') await auth()
  else throw new Error(`unknown scenario ${scenario}`)
  out({ done: true })
  await peer.close()
  exit0()
} catch (e) {
  fail(scenario, e)
}

function exit0 () {
  process.stdout.write('', () => process.exit(0))
}
