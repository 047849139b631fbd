// A node-jet 3.0.17 owner whose elements carry JSON Schemas written by hand (no schemars),
// for `jet codegen` (jetd/tests/cli/codegen.rs). node-jet 3 sends what an element's
// `toJson()` returns as the `add` params, so a subclass adds the `schema` member; jetd keeps
// it and serves it through `schema`. Prints {"ready":true}, then serves until stdin closes.
//   node schema_provider.mjs ADDR
import { jet, out, fail, guard, peerConfig } from './common.mjs'

/** A state that describes itself with `schema` in its `add`. */
class DescribedState extends jet.State {
  constructor (path, value, schema) {
    super(path, value)
    const plain = this.toJson
    this.toJson = () => ({ ...plain(), schema })
  }
}

/** A method that describes itself with `schema` in its `add`. */
class DescribedMethod extends jet.Method {
  constructor (path, schema) {
    super(path)
    const plain = this.toJson
    this.toJson = () => ({ ...plain(), schema })
  }
}

guard(120)
const peer = new jet.Peer(peerConfig(process.argv[2]))
try {
  await peer.connect()
  // `$defs` with `$ref`s between them, a `oneOf` enum, a nullable and an optional member.
  const alarms = new DescribedState('dev3/alarms', [{ code: 3, level: 'info', note: null }], {
    $defs: {
      Alarm: {
        type: 'object',
        description: 'Something to look at.',
        properties: {
          code: { type: 'integer', description: 'Vendor code.' },
          level: { $ref: '#/$defs/Level' },
          note: { type: ['string', 'null'] }
        },
        required: ['code', 'level']
      },
      Level: { oneOf: [{ const: 'info', description: 'Informational.' }, { const: 'fault', description: 'Act now.' }] }
    },
    type: 'array',
    items: { $ref: '#/$defs/Alarm' },
    readOnly: true
  })
  await peer.add(alarms)
  const config = new DescribedState('dev3/config', { name: 'x' }, {
    title: 'Config',
    description: 'Where the device reports to.',
    type: 'object',
    properties: {
      name: { type: 'string' },
      limit: { type: 'number', nullable: true },
      labels: { type: 'object', additionalProperties: { type: 'string' } }
    },
    required: ['name']
  })
  config.on('set', (v) => {
    if (typeof v !== 'object' || v === null || typeof v.name !== 'string') {
      throw new Error('config needs a name')
    }
    config.value(v)
  })
  await peer.add(config)
  // node-jet 3 answers every call with `{}`, whatever the handler returns: the method
  // records its arguments in a read-only state instead.
  const lastReset = new DescribedState('dev3/lastReset', null, {
    description: 'The arguments of the last reset, if any.',
    oneOf: [{ type: 'null' }, { $ref: '#/$defs/ResetArgs' }],
    $defs: {
      ResetArgs: {
        type: 'object',
        properties: { force: { type: 'boolean' }, reason: { type: 'string' } },
        required: ['force']
      }
    },
    readOnly: true
  })
  await peer.add(lastReset)
  const reset = new DescribedMethod('dev3/reset', {
    description: 'Reset the device.',
    params: {
      type: 'object',
      properties: {
        force: { type: 'boolean', description: 'Also when busy.' },
        reason: { type: ['string', 'null'] }
      },
      required: ['force']
    },
    result: { type: 'object', description: 'Always empty (node-jet 3 answers `{}`).' }
  })
  reset.on('call', (args) => { lastReset.value(args) })
  await peer.add(reset)
  // Serves until stdin closes (`guard` exits then).
  out({ ready: true })
} catch (e) {
  fail('schema provider', e)
}
