#!/usr/bin/env node
// One contender of bench/writer-contention.ps1 on the Node side: upserts --count API-key profiles into one agent's store
// through openclaw 2026.1.30's own code (dist/agents/auth-profiles/*.js of the installed npm package):
//   --mode plain  : upsertAuthProfile(), what `openclaw models auth paste-token`/onboarding call: read the store, set the
//                   profile, write the file in place -- no lock;
//   --mode locked : updateAuthProfileStoreWithLock() (proper-lockfile 4.1.2, AUTH_STORE_LOCK_OPTIONS: retries 10, factor 2,
//                   min 100 ms, max 10 s, randomize, stale 30 s), the locked read-modify-write openclaw uses for order,
//                   lastGood and usage updates; it returns null when it could not lock or write (counted as a failure).
// Imports openclaw before it creates --ready, then waits for --barrier. Needs OPENCLAW_STATE_DIR (and an isolated HOME).
// stdout: one JSON line {index, began, ended, latencies[], failures} (epoch ms, fractional). Never prints a key.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    openclaw: { type: 'string' }, // the openclaw package folder (node_modules/openclaw)
    'agent-dir': { type: 'string' },
    index: { type: 'string' },
    count: { type: 'string', default: '100' },
    'run-id': { type: 'string' },
    provider: { type: 'string', default: 'openai' },
    mode: { type: 'string', default: 'plain' },
    ready: { type: 'string' },
    barrier: { type: 'string' },
  },
});
const dist = path.join(args.openclaw, 'dist/agents/auth-profiles');
const { upsertAuthProfile } = await import(pathToFileURL(path.join(dist, 'profiles.js')).href);
const { updateAuthProfileStoreWithLock } = await import(pathToFileURL(path.join(dist, 'store.js')).href);

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });
// The same key derivation as the pwsh contenders and the checker: sk-bench- + 40 hex of SHA-256("<run>/<index>/<i>").
const keyOf = (i) => `sk-bench-${crypto.createHash('sha256').update(`${args['run-id']}/${args.index}/${i}`).digest('hex').slice(0, 40)}`;
const count = Number(args.count);
const ids = Array.from({ length: count }, (_, i) => `${args.provider}:p${args.index}-${String(i).padStart(3, '0')}`);

fs.writeFileSync(args.ready, '');
while (!fs.existsSync(args.barrier)) await sleep(2);
const began = now();
const latencies = [];
let failures = 0;
for (let i = 0; i < count; i++) {
  const credential = { type: 'api_key', provider: args.provider, key: keyOf(i) };
  const t0 = performance.now();
  if (args.mode === 'locked') {
    const updated = await updateAuthProfileStoreWithLock({
      agentDir: args['agent-dir'],
      updater: (store) => { store.profiles[ids[i]] = credential; return true; },
    });
    if (!updated) failures++;
  } else {
    try {
      upsertAuthProfile({ profileId: ids[i], credential, agentDir: args['agent-dir'] });
    } catch {
      failures++;
    }
  }
  latencies.push(performance.now() - t0);
}
process.stdout.write(`${JSON.stringify({ index: Number(args.index), began, ended: now(), latencies, failures })}\n`);
