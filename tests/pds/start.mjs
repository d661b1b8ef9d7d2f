// A real Bluesky PDS (@atproto/pds) with an in-memory PLC directory (@did-plc/server), for the tests.
//
//   node start.mjs --data DIR [--pds-port N] [--plc-port N] [--rate-limits on|off]
//                  [--rate-limit-bypass-key KEY] [--modules DIR]
//
// Needs Node >= 22 and the packages of tests/pds/package.json installed in --modules (default: the
// repository's .cache/pds, where .ci/run installs them). Both servers listen on 127.0.0.1 only. A port of
// 0 (the default) picks a free one. Rate limits are on unless `--rate-limits off`. A request carrying the
// header `x-ratelimit-bypass: KEY` skips them (use it for test set-up, never in the code under test).
// When both servers are up, prints ONE line of JSON on stdout and nothing else ever goes to stdout:
//   {"pds":"http://127.0.0.1:PORT","plc":"http://127.0.0.1:PORT","did_doc_endpoint":"http://localhost:PORT"}
// Logs go to DIR/server.log when LOG_ENABLED=true. SIGTERM or SIGINT stops both servers and exits 0.
// Every flag can also be given by environment: PDS_PORT, PLC_PORT, RV_PDS_DATA, RV_PDS_RATE_LIMITS,
// RV_PDS_RATE_LIMIT_BYPASS_KEY, RV_PDS_MODULES.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const HOST = '127.0.0.1';
const here = path.dirname(fileURLToPath(import.meta.url));

function fail(message) {
  process.stderr.write(`start.mjs: ${message}\n`);
  process.exit(2);
}

const [major] = process.versions.node.split('.').map(Number);
if (major < 22) fail(`Node >= 22 is needed, this is ${process.version}`);

const { values: args } = parseArgs({
  options: {
    data: { type: 'string' },
    'pds-port': { type: 'string' },
    'plc-port': { type: 'string' },
    'rate-limits': { type: 'string' },
    'rate-limit-bypass-key': { type: 'string' },
    modules: { type: 'string' },
  },
});

const dataDir = args.data ?? process.env.RV_PDS_DATA;
if (!dataDir) fail('--data DIR is required');
const modulesDir = path.resolve(args.modules ?? process.env.RV_PDS_MODULES ?? path.join(here, '..', '..', '.cache', 'pds'));
const rateLimits = (args['rate-limits'] ?? process.env.RV_PDS_RATE_LIMITS ?? 'on').toLowerCase();
if (!['on', 'off', 'true', 'false'].includes(rateLimits)) fail(`--rate-limits must be on or off, not ${rateLimits}`);
const bypassKey = args['rate-limit-bypass-key'] ?? process.env.RV_PDS_RATE_LIMIT_BYPASS_KEY;

function portOf(value, name) {
  const port = Number(value ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`bad ${name}: ${value}`);
  return port;
}

// A free loopback port. The PDS must know its port before it starts (it is part of its public URL).
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

// Express's app.listen(port) binds every interface; make it bind loopback only.
function loopbackOnly(app) {
  const listen = app.listen.bind(app);
  app.listen = (port, ...rest) => listen(port, HOST, ...rest);
}

const pdsPort = portOf(args['pds-port'] ?? process.env.PDS_PORT, 'PDS port') || (await freePort());
const plcPort = portOf(args['plc-port'] ?? process.env.PLC_PORT, 'PLC port') || (await freePort());

if (!fs.existsSync(path.join(modulesDir, 'node_modules', '@atproto', 'pds'))) {
  fail(`@atproto/pds is not installed in ${modulesDir} (run .ci/run, or npm ci there from tests/pds)`);
}
const require = createRequire(path.join(modulesDir, 'package.json'));
const load = (name) => import(pathToFileURL(require.resolve(name)).href);

const pdsDir = path.join(dataDir, 'pds');
const blobDir = path.join(dataDir, 'blobs');
fs.mkdirSync(pdsDir, { recursive: true });
fs.mkdirSync(blobDir, { recursive: true });

// The loggers read these when they are first imported, so set them before any import below.
if (!/^(true|t|1)$/i.test(process.env.LOG_ENABLED ?? '')) process.env.LOG_ENABLED = 'false';
process.env.LOG_DESTINATION ??= path.join(dataDir, 'server.log');

const { Secp256k1Keypair } = await load('@atproto/crypto');
const plcModule = await load('@did-plc/server');
const { PlcServer, Database: PlcDatabase } = plcModule.default ?? plcModule;
const { PDS, readEnv, envToCfg, envToSecrets } = await load('@atproto/pds');

const rotationKey = await Secp256k1Keypair.create({ exportable: true });
const secret = () => randomBytes(16).toString('hex');

Object.assign(process.env, {
  PDS_PORT: String(pdsPort),
  PDS_HOSTNAME: 'localhost',
  PDS_DEV_MODE: 'true',
  // A host name, not an IP: the PDS's DID resolver refuses IP hosts ("Invalid hostname"), even in dev mode,
  // and then sessions come without a DID document. localhost resolves to the loopback the PLC listens on.
  PDS_DID_PLC_URL: `http://localhost:${plcPort}`,
  PDS_DATA_DIRECTORY: pdsDir,
  PDS_BLOBSTORE_DISK_LOCATION: blobDir,
  PDS_JWT_SECRET: secret(),
  PDS_ADMIN_PASSWORD: process.env.PDS_ADMIN_PASSWORD ?? 'admin-pass',
  PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX: Buffer.from(await rotationKey.export()).toString('hex'),
  PDS_INVITE_REQUIRED: 'false',
  // Like bsky.social: createSession/refreshSession answers carry the DID document, and the Python SDK then
  // moves to the PDS endpoint named there (http://localhost:PDS_PORT).
  PDS_ENABLE_DID_DOC_WITH_SESSION: process.env.PDS_ENABLE_DID_DOC_WITH_SESSION ?? 'true',
  PDS_SERVICE_HANDLE_DOMAINS: '.test',
  // No AppView: app.bsky.* reads proxied there fail at once (nothing listens on port 1).
  PDS_BSKY_APP_VIEW_URL: `http://${HOST}:1`,
  PDS_BSKY_APP_VIEW_DID: 'did:web:appview.invalid',
  PDS_RATE_LIMITS_ENABLED: rateLimits === 'on' || rateLimits === 'true' ? 'true' : 'false',
});
if (bypassKey) process.env.PDS_RATE_LIMIT_BYPASS_KEY = bypassKey;
for (const name of ['PDS_CRAWLERS', 'PDS_EMAIL_SMTP_URL', 'PDS_REDIS_SCRATCH_ADDRESS', 'PDS_ENTRYWAY_URL']) {
  delete process.env[name]; // nothing may reach outside this machine
}

let plc;
let pds;
let stopping = false;

async function stop(code) {
  if (stopping) return;
  stopping = true;
  try {
    await pds?.destroy();
  } catch (err) {
    process.stderr.write(`start.mjs: stopping the PDS: ${err?.stack ?? err}\n`);
  }
  try {
    await plc?.destroy();
  } catch (err) {
    process.stderr.write(`start.mjs: stopping the PLC: ${err?.stack ?? err}\n`);
  }
  process.exit(code);
}

process.on('SIGTERM', () => stop(0));
process.on('SIGINT', () => stop(0));

try {
  plc = PlcServer.create({ db: PlcDatabase.mock(), port: plcPort });
  loopbackOnly(plc.app);
  await plc.start();

  const env = readEnv();
  pds = await PDS.create(envToCfg(env), envToSecrets(env));
  loopbackOnly(pds.app);
  await pds.start();
} catch (err) {
  process.stderr.write(`start.mjs: could not start: ${err?.stack ?? err}\n`);
  await stop(1);
}

process.stdout.write(
  JSON.stringify({
    pds: `http://${HOST}:${pdsPort}`,
    plc: `http://${HOST}:${plcPort}`,
    did_doc_endpoint: pds.ctx.cfg.service.publicUrl,
  }) + '\n',
);
