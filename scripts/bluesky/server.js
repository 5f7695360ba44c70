#!/usr/bin/env node
// A throw-away Bluesky reference PDS (@atproto/pds 0.4.x) with an in-memory PLC directory
// (@did-plc/server), both listening on 127.0.0.1 only, for RadShare's integration tests.
//
// It runs fully offline: no app view, no relay, no crawlers, no e-mail, invite codes off.
// Once both servers listen and the test accounts exist, it prints ONE line of JSON on stdout:
//   {"url": "http://localhost:PORT", "plc_url": ..., "pid": ..., "data_dir": ...,
//    "accounts": [{"handle", "did", "password", "app_password"}, ...]}
// and keeps running until it gets SIGTERM/SIGINT (stop it by PID), then removes its data folder.
//
// Usage: node server.js [--port N] [--plc-port N] [--accounts alice,bob] [--data-dir DIR]
'use strict'

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const net = require('node:net')
const crypto = require('node:crypto')

// Keep the PDS quiet: its pino logs would only fill the test output.
process.env.LOG_ENABLED = process.env.LOG_ENABLED || 'false'

const { PDS, envToCfg, envToSecrets } = require('@atproto/pds')
const { Secp256k1Keypair } = require('@atproto/crypto')
const plc = require('@did-plc/server')

const LOOPBACK = '127.0.0.1'

function parseArgs(argv) {
  const out = { port: 0, plcPort: 0, accounts: ['alice', 'bob'], dataDir: null }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const next = () => argv[++i]
    if (a === '--port') out.port = Number(next())
    else if (a === '--plc-port') out.plcPort = Number(next())
    else if (a === '--accounts') out.accounts = next().split(',').filter(Boolean)
    else if (a === '--data-dir') out.dataDir = next()
    else throw new Error(`unknown argument: ${a}`)
  }
  return out
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, LOOPBACK, () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

function listenOnLoopback(app, port) {
  // The packages' own start() calls app.listen(port), i.e. on every interface; a test server
  // must not be reachable from the network, so listen on loopback ourselves.
  return new Promise((resolve, reject) => {
    const server = app.listen(port, LOOPBACK)
    server.once('listening', () => resolve(server))
    server.once('error', reject)
  })
}

async function xrpc(base, method, body, token) {
  const headers = { 'content-type': 'application/json' }
  if (token) headers.authorization = `Bearer ${token}`
  const res = await fetch(`${base}/xrpc/${method}`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${method} failed: HTTP ${res.status} ${text.slice(0, 200)}`)
  return text ? JSON.parse(text) : {}
}

async function main() {
  const args = parseArgs(process.argv.slice(2))
  const dataDir = args.dataDir || fs.mkdtempSync(path.join(os.tmpdir(), 'radshare-pds-'))
  fs.mkdirSync(dataDir, { recursive: true })

  // PLC directory, in memory.
  const plcPort = args.plcPort || (await freePort())
  const plcServer = plc.PlcServer.create({ db: plc.Database.mock(), port: plcPort })
  const plcHttp = await listenOnLoopback(plcServer.app, plcPort)
  const plcUrl = `http://${LOOPBACK}:${plcPort}`

  // PDS.
  const port = args.port || (await freePort())
  const rotationKey = await Secp256k1Keypair.create({ exportable: true })
  const rotationHex = Buffer.from(await rotationKey.export()).toString('hex')
  const env = {
    devMode: true,
    port,
    hostname: 'localhost',
    dataDirectory: dataDir,
    blobstoreDiskLocation: path.join(dataDir, 'blobs'),
    didPlcUrl: plcUrl,
    serviceHandleDomains: ['.test'],
    inviteRequired: false,
    rateLimitsEnabled: false,
    crawlers: [],
    jwtSecret: crypto.randomBytes(16).toString('hex'),
    dpopSecret: crypto.randomBytes(32).toString('hex'),
    adminPassword: crypto.randomBytes(16).toString('hex'),
    plcRotationKeyK256PrivateKeyHex: rotationHex,
  }
  const pds = await PDS.create(envToCfg(env), envToSecrets(env))
  await pds.ctx.sequencer.start()
  const pdsHttp = await listenOnLoopback(pds.app, port)
  pdsHttp.keepAliveTimeout = 90000
  const url = `http://localhost:${port}`

  // Test accounts, each with an app password (what RadShare asks its users for).
  const accounts = []
  for (const name of args.accounts) {
    const handle = `${name}.test`
    const password = crypto.randomBytes(12).toString('hex')
    const created = await xrpc(url, 'com.atproto.server.createAccount', {
      handle,
      email: `${name}@example.test`,
      password,
    })
    const app = await xrpc(
      url,
      'com.atproto.server.createAppPassword',
      { name: 'radshare-tests' },
      created.accessJwt,
    )
    accounts.push({ handle, did: created.did, password, app_password: app.password })
  }

  let stopping = false
  const stop = async () => {
    if (stopping) return
    stopping = true
    const hard = setTimeout(() => process.exit(0), 3000)
    hard.unref()
    try {
      pdsHttp.closeAllConnections?.()
      pdsHttp.close()
      plcHttp.closeAllConnections?.()
      plcHttp.close()
      await pds.ctx.sequencer.destroy()
    } catch (e) {
      // shutting down anyway
    }
    if (!args.dataDir) fs.rmSync(dataDir, { recursive: true, force: true })
    process.exit(0)
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)

  process.stdout.write(
    JSON.stringify({ url, plc_url: plcUrl, pid: process.pid, data_dir: dataDir, accounts }) + '\n',
  )
}

main().catch((err) => {
  process.stderr.write(`test PDS failed to start: ${err && err.stack ? err.stack : err}\n`)
  process.exit(1)
})
