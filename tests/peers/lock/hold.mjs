#!/usr/bin/env node
// A peer that locks an agent's auth-profiles.json the way OpenClaw 2026.1.30 does: proper-lockfile 4.1.2 with
// AUTH_STORE_LOCK_OPTIONS (retries 10, factor 2, minTimeout 100, maxTimeout 10000, randomize, stale 30000). The lock is
// the directory <realpath>.lock; realpath needs the store to exist.
//
//   node hold.mjs hold    --store S --profile P --hold-ms N [--locked-file F] [--write-access A --write-expires-in SEC]
//       lock, create F, wait N ms, write a fresh credential (access A, expires now+SEC, refresh unchanged), release.
//   node hold.mjs lock    --store S [--wait-for F]
//       wait until F exists (the module's lock file), then try to lock; release at once; report when it got it.
//   node hold.mjs refresh --store S --profile P --token-endpoint URL [--barrier F] [--client-id ID]
//       OpenClaw 2026.1.30's refresh: use access if now < expires; else lock, re-read, refresh if still expired, save.
//
// stdout: one JSON line with epoch-ms timestamps (fractional, from performance.now()) and token fingerprints only.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import lockfile from 'proper-lockfile';

const LOCK_OPTIONS = {
  retries: { retries: 10, factor: 2, minTimeout: 100, maxTimeout: 10_000, randomize: true },
  stale: 30_000,
};

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    store: { type: 'string' },
    profile: { type: 'string', default: 'openai-codex:default' },
    'hold-ms': { type: 'string', default: '1500' },
    'locked-file': { type: 'string' },
    'write-access': { type: 'string' },
    'write-expires-in': { type: 'string', default: '3600' },
    'wait-for': { type: 'string' },
    barrier: { type: 'string' },
    'token-endpoint': { type: 'string' },
    'client-id': { type: 'string', default: 'app_EMoamEEZ73f0CkXaXp7hrann' },
  },
});
const mode = positionals[0];
if (!args.store || !['hold', 'lock', 'refresh'].includes(mode)) {
  process.stderr.write('usage: node hold.mjs hold|lock|refresh --store PATH [options]\n');
  process.exit(2);
}

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });
const fp = (v) => (typeof v === 'string' && v ? crypto.createHash('sha256').update(v).digest('hex').slice(0, 12) : null);
const readStore = () => JSON.parse(fs.readFileSync(args.store, 'utf8'));
// OpenClaw 2026.1.30 saveJsonFile: JSON.stringify(data, null, 2) + "\n", written in place, then chmod 0600.
const saveStore = (data) => {
  fs.writeFileSync(args.store, `${JSON.stringify(data, null, 2)}\n`, 'utf8');
  fs.chmodSync(args.store, 0o600);
};
const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

async function waitForFile(path, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!fs.existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${path}`);
    await sleep(2);
  }
}

if (mode === 'hold') {
  const release = await lockfile.lock(args.store, LOCK_OPTIONS);
  const lockedAt = now();
  if (args['locked-file']) fs.writeFileSync(args['locked-file'], String(lockedAt));
  await sleep(Number(args['hold-ms']));
  let wrote = null;
  if (args['write-access']) {
    const data = readStore();
    const cred = data.profiles[args.profile];
    // {...old, ...new, type: "oauth"} as OpenClaw merges a refresh result.
    data.profiles[args.profile] = {
      ...cred, access: args['write-access'], expires: Date.now() + Number(args['write-expires-in']) * 1000, type: 'oauth',
    };
    saveStore(data);
    wrote = { access_fp: fp(args['write-access']), refresh_fp: fp(cred.refresh) };
  }
  await release();
  out({ mode, lockedAt, releasedAt: now(), wrote });
} else if (mode === 'lock') {
  if (args['wait-for']) await waitForFile(args['wait-for']);
  const attemptAt = now();
  const release = await lockfile.lock(args.store, LOCK_OPTIONS);
  const acquiredAt = now();
  // What the store holds once we have the lock: proves whether the other holder had finished writing.
  const refreshFp = fp(readStore().profiles?.[args.profile]?.refresh);
  await release();
  out({ mode, attemptAt, acquiredAt, releasedAt: now(), refresh_fp: refreshFp });
} else {
  if (args.barrier) await waitForFile(args.barrier, 300_000);
  const startedAt = now();
  // The unlocked first read can meet another contender's in-place (non-atomic) write: a torn read. OpenClaw 2026.1.30
  // would then see no store at all; here it counts as "expired", and the locked re-read below decides.
  let cred;
  let tornRead = false;
  try {
    cred = readStore().profiles[args.profile];
  } catch {
    tornRead = true;
    cred = { expires: 0 };
  }
  let acquiredAt = null;
  let releasedAt = null;
  let refreshed = false;
  let error = null;
  let attemptAt = null;
  if (!(Date.now() < cred.expires)) {
    attemptAt = now();
    const release = await lockfile.lock(args.store, LOCK_OPTIONS);
    acquiredAt = now();
    try {
      const data = readStore();
      cred = data.profiles[args.profile];
      if (!(Date.now() < cred.expires)) {
        const res = await fetch(args['token-endpoint'], {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: cred.refresh, client_id: args['client-id'] }),
          signal: AbortSignal.timeout(30_000),
        });
        const json = await res.json();
        if (!res.ok) {
          error = typeof json.error === 'string' ? json.error : json.error?.code ?? `http_${res.status}`;
        } else {
          cred = {
            ...cred, access: json.access_token, refresh: json.refresh_token, expires: Date.now() + json.expires_in * 1000, type: 'oauth',
          };
          data.profiles[args.profile] = cred;
          saveStore(data);
          refreshed = true;
        }
      }
    } finally {
      await release();
      releasedAt = now();
    }
  }
  out({
    mode, startedAt, attemptAt, acquiredAt, releasedAt, endedAt: now(), refreshed, error, tornRead, access_fp: fp(cred.access),
  });
}
