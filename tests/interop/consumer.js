'use strict'
// node consumer.js <addr> <scenario> [--user U --password P]
// A node-jet consumer running one scenario against a running provider.js, printing one
// JSON line per observation, then calling `ctl/quit` unless --keep-provider is given, and
// exiting 0. Scenarios: see the `scenarios` table below.
const { jet, out, exit, fail, guard, connect, settle, collector, arg } = require('./common')

guard(30)

/**
 * Fetch with `fetcher`, collecting everything its data handler gets: one notification
 * object for unsorted fetches, the window array for node-jet's default sorted view, and
 * `{changes, n}` for `.differential()`. `c.fetcher` is what `peer.unfetch` takes.
 */
async function fetching (peer, fetcher) {
  const c = collector()
  c.fetcher = fetcher
  fetcher.on('data', function (data, n) {
    // Copy: node-jet reuses the array it hands to the default sorted handler.
    if (typeof n === 'number') c.push({ changes: data.slice(), n })
    else c.push(Array.isArray(data) ? data.slice() : data)
  })
  await peer.fetch(fetcher)
  return c
}

const change = (peer, path, value) => peer.call('ctl/change', [path, value])

const scenarios = {
  // Unsorted fetch: initial adds in insertion order, then a change event; get; unfetch.
  async fetch (peer) {
    const list = await fetching(peer, new jet.Fetcher().path('startsWith', 'list/'))
    out({ initial: await list.take(5) })
    await change(peer, 'list/b', 10)
    out({ event: (await list.take(6))[5] })
    const demo = await fetching(peer, new jet.Fetcher().path('startsWith', 'demo/'))
    out({ demo: await demo.take(5) })
    out({ get: await peer.get({ path: { equalsOneOf: ['list/a', 'demo/ro', 'demo/sum'] } }) })
    out({ unfetch: await settle(peer.unfetch(demo.fetcher)) })
  },
  // Value-filtered fetch: elements enter and leave as their values start/stop matching.
  async filter (peer) {
    const f = await fetching(peer, new jet.Fetcher().path('startsWith', 'list/').value('greaterThan', 2))
    out({ initial: await f.take(3) })
    await change(peer, 'list/b', 10)
    out({ event: (await f.take(4))[3] })
    await change(peer, 'list/a', 0)
    out({ event: (await f.take(5))[4] })
    await change(peer, 'list/c', 6)
    out({ event: (await f.take(6))[5] })
  },
  // Sorted fetches: node-jet's default array view and the differential view; sorted get.
  async sorted (peer) {
    const arr = await fetching(peer, new jet.Fetcher().path('startsWith', 'list/').sortByValue('number').range(1, 3))
    out({ array: (await arr.take(1))[0] })
    await change(peer, 'list/b', 10) // b leaves the window, e enters at the end
    out({ array: (await arr.take(2))[1] })
    const diff = await fetching(peer, new jet.Fetcher().path('startsWith', 'list/').sortByPath().descending().range(1, 2).differential())
    out({ diff: (await diff.take(1))[0] })
    await change(peer, 'list/e', 7)
    out({ diff: (await diff.take(2))[1] })
    out({ get: await peer.get({ path: { startsWith: 'list/' }, sort: { byValue: 'number', from: 1, to: 2 } }) })
  },
  // set, with and without valueAsResult, and the change the provider publishes after it.
  async set (peer) {
    const f = await fetching(peer, new jet.Fetcher().path('equals', 'demo/state'))
    out({ initial: await f.take(1) })
    out({ valueAsResult: await settle(peer.set('demo/state', { x: 2.7 }, { valueAsResult: true })) })
    out({ event: (await f.take(2))[1] })
    out({ plain: await settle(peer.set('demo/state', { x: 5.5 })) })
    out({ event: (await f.take(3))[2] })
    // skipResult: sent as a notification, routed without id, nothing comes back.
    out({ notification: await settle(peer.set('demo/state', { x: 8.9 }, { skipResult: true })) })
    out({ event: (await f.take(4))[3] })
  },
  // call with array args, object args and none (node-jet sends args: []).
  async call (peer) {
    out({ array: await settle(peer.call('demo/sum', [1, 2, 3])) })
    out({ object: await settle(peer.call('demo/sum', { a: 1, b: 2 })) })
    out({ none: await settle(peer.call('demo/sum')) })
    out({ empty: await settle(peer.call('demo/sum', {})) })
  },
  // Errors as node-jet's typed errors.
  async errors (peer) {
    const cases = {
      setUnknown: () => peer.set('nope/x', 1),
      callUnknown: () => peer.call('nope/m', []),
      addExisting: () => peer.add(new jet.State('demo/state', 1)),
      setFetchOnly: () => peer.set('demo/ro', 1),
      setTimeout: () => peer.set('demo/slow', 1, { timeout: 0.3 }),
      callFailing: () => peer.call('demo/fail', []),
      setMethod: () => peer.set('demo/sum', 1),
      callState: () => peer.call('demo/state', [])
    }
    for (const [name, f] of Object.entries(cases)) out({ case: name, result: await settle(f()) })
  },
  // The provider goes away while a set is pending at it: jetd fails the set at once
  // (ownerDisconnected, an Internal error), node-jet lets it time out; fetchers see its
  // elements removed (with their last value). Run with --keep-provider: it is gone.
  async disconnect (peer) {
    const f = await fetching(peer, new jet.Fetcher().path('equals', 'demo/state'))
    out({ initial: await f.take(1) })
    const pending = settle(peer.set('demo/slow', 1, { timeout: 2 }))
    const started = Date.now()
    await peer.call('ctl/quit', [])
    const result = await pending
    out({ pending: result, withinTimeout: Date.now() - started < 1900 })
    out({ event: (await f.take(2))[1] })
    out({ afterwards: await settle(peer.set('demo/state', { x: 1 })) })
  },
  // Access as the connected user: what get shows, and which sets go through (each sets
  // the user's name, or "anonymous", so the provider's log shows who got through).
  async access (peer) {
    out({ access: peer.access === undefined ? null : peer.access })
    out({ get: await peer.get({ path: { startsWith: 'secure/' } }) })
    for (const path of ['secure/open', 'secure/view', 'secure/admin']) {
      out({ set: path, result: await settle(peer.set(path, arg('user', 'anonymous'))) })
    }
  }
}

;(async () => {
  const [addr, scenario] = process.argv.slice(2)
  const run = scenarios[scenario]
  if (!run) throw new Error(`unknown scenario ${scenario}`)
  const user = arg('user')
  const connected = await settle(connect(addr, user ? { user, password: arg('password') } : {}))
  if (connected.err) {
    out({ connect: connected.err })
    exit(0)
    return
  }
  const peer = connected.ok
  await run(peer)
  if (!process.argv.includes('--keep-provider')) await peer.call('ctl/quit', [])
  out({ done: true })
  await peer.close()
  exit(0)
})().catch((e) => fail('consumer', e))
