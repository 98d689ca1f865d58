// upsert-storm.mjs: drives openclaw's OWN locked auth-store write, many times, for the concurrency test
// (tests/Pester/SqliteConcurrency.Tests.ps1). Run with the Node 24 peer:
//
//   OPENCLAW_STATE_DIR=<state> HOME=<tmp> node upsert-storm.mjs --count 300 --prefix a --barrier <file>
//       [--agent-dir <state>/agents/work/agent] [--provider openai] [--openclaw <dir of node_modules/openclaw>]
//       [--out <summary.json>]
//
// What it runs: `upsertAuthProfileWithLock` of openclaw's public plugin SDK entry `openclaw/plugin-sdk/provider-auth`
// (package.json "exports"; dist/plugin-sdk/provider-auth.js). In 2026.9.6 that is the compat wrapper of
// src/agents/auth-profiles/profiles.ts upsertAuthProfileWithLock -> updateAuthProfileStoreWithLock (store.ts): one
// BEGIN IMMEDIATE transaction that re-reads the store cell, sets the one profile and upserts the cell. It is the same
// function `openclaw models auth paste-api-key` calls (as upsertAuthProfileWithLockOrThrow). The wrapper returns null
// instead of throwing when the write fails (e.g. SQLITE_BUSY after openclaw's 5 s busy_timeout); such a call is
// counted in "retries" and repeated after a short pause, up to --max-attempts times.
//
// Without --agent-dir it writes the shared store (agentDir undefined: under state-db ownership the
// config_machine_state row authProfiles.store of $STATE/state/openclaw.sqlite).
//
// Profiles: `<provider>:oc-<prefix>-<i>` for i = 1..count, each an api_key credential whose key is
// keyFor(`oc-<prefix>`, i) = 'sk-FAKE-' + sha256(`oc-<prefix>/<i>`) hex [0..20). The test derives the same keys.
// The module is imported (slow: seconds) before waiting for the barrier file, so all writers start together.
// Output: one JSON line on stdout (and in --out), prefixed by nothing, never containing a key.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

function parseArgs(argv) {
    const opts = {
        count: 300, prefix: 'a', provider: 'openai', barrier: undefined, agentDir: undefined, out: undefined,
        openclaw: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../openclaw-2026.9.6/node_modules/openclaw'),
        maxAttempts: 50, barrierTimeoutMs: 600_000,
    };
    for (let i = 0; i < argv.length; i++) {
        const name = argv[i];
        const value = () => { if (i + 1 >= argv.length) throw new Error(`${name} needs a value`); return argv[++i]; };
        switch (name) {
            case '--count': opts.count = Number.parseInt(value(), 10); break;
            case '--prefix': opts.prefix = value(); break;
            case '--provider': opts.provider = value(); break;
            case '--barrier': opts.barrier = value(); break;
            case '--ready': opts.ready = value(); break;
            case '--agent-dir': opts.agentDir = value(); break;
            case '--out': opts.out = value(); break;
            case '--openclaw': opts.openclaw = path.resolve(value()); break;
            case '--max-attempts': opts.maxAttempts = Number.parseInt(value(), 10); break;
            case '--barrier-timeout-ms': opts.barrierTimeoutMs = Number.parseInt(value(), 10); break;
            default: throw new Error(`unknown argument ${name}`);
        }
    }
    if (!Number.isSafeInteger(opts.count) || opts.count < 1) throw new Error('--count must be a positive integer');
    if (!/^[A-Za-z0-9-]+$/.test(opts.prefix)) throw new Error('--prefix: letters, digits and - only');
    if (!process.env.OPENCLAW_STATE_DIR) throw new Error('OPENCLAW_STATE_DIR must be set (never run this on a real state dir)');
    return opts;
}

export function keyFor(label, i) {
    return 'sk-FAKE-' + createHash('sha256').update(`${label}/${i}`, 'utf8').digest('hex').slice(0, 20);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function loadOpenClaw(pkgDir) {
    const pkg = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
    // Resolve through openclaw's own "exports" map (a package may import itself by name).
    const entry = createRequire(path.join(pkgDir, 'package.json')).resolve('openclaw/plugin-sdk/provider-auth');
    const sdk = await import(pathToFileURL(entry).href);
    if (typeof sdk.upsertAuthProfileWithLock !== 'function') {
        throw new Error(`${entry} exports no upsertAuthProfileWithLock (openclaw ${pkg.version})`);
    }
    return { version: pkg.version, entry: path.relative(pkgDir, entry), upsert: sdk.upsertAuthProfileWithLock };
}

async function main() {
    const opts = parseArgs(process.argv.slice(2));
    const label = `oc-${opts.prefix}`;
    const summary = {
        side: 'openclaw', label, provider: opts.provider, store: opts.agentDir ? 'agent-db' : 'shared',
        agentDir: opts.agentDir ?? null, requested: opts.count, written: 0, failed: 0, retries: 0, maxAttemptsOfOne: 0,
        failures: [], openclawVersion: null, function: null, importMs: 0, waitMs: 0, elapsedMs: 0,
        startedAt: null, finishedAt: null, perWriteMs: { min: null, max: null, mean: null },
    };
    const t0 = Date.now();
    const oc = await loadOpenClaw(opts.openclaw);
    summary.openclawVersion = oc.version;
    summary.function = `openclaw/plugin-sdk/provider-auth (${oc.entry}) upsertAuthProfileWithLock`;
    summary.importMs = Date.now() - t0;
    if (opts.ready) writeFileSync(opts.ready, '');

    if (opts.barrier) {
        const w0 = Date.now();
        while (!existsSync(opts.barrier)) {
            if (Date.now() - w0 > opts.barrierTimeoutMs) throw new Error(`barrier ${opts.barrier} did not appear`);
            await sleep(10);
        }
        summary.waitMs = Date.now() - w0;
    }

    const started = Date.now();
    summary.startedAt = new Date(started).toISOString();
    let total = 0;
    for (let i = 1; i <= opts.count; i++) {
        const profileId = `${opts.provider}:${label}-${i}`;
        const credential = { type: 'api_key', provider: opts.provider, key: keyFor(label, i) };
        const w = Date.now();
        let ok = false;
        let attempt = 0;
        let lastError = null;
        while (!ok && attempt < opts.maxAttempts) {
            attempt++;
            try {
                const store = await oc.upsert({ profileId, credential, ...(opts.agentDir ? { agentDir: opts.agentDir } : {}) });
                ok = store !== null && store !== undefined;
                if (!ok) lastError = 'upsertAuthProfileWithLock returned null (store write failed; see stderr)';
            } catch (error) {
                lastError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
            }
            if (!ok) { summary.retries++; await sleep(25 * attempt); }
        }
        const ms = Date.now() - w;
        total += ms;
        summary.perWriteMs.min = summary.perWriteMs.min === null ? ms : Math.min(summary.perWriteMs.min, ms);
        summary.perWriteMs.max = summary.perWriteMs.max === null ? ms : Math.max(summary.perWriteMs.max, ms);
        summary.maxAttemptsOfOne = Math.max(summary.maxAttemptsOfOne, attempt);
        if (ok) summary.written++;
        else { summary.failed++; if (summary.failures.length < 10) summary.failures.push({ profileId, attempts: attempt, error: lastError }); }
    }
    summary.finishedAt = new Date().toISOString();
    summary.elapsedMs = Date.now() - started;
    summary.perWriteMs.mean = Math.round(total / opts.count);
    const line = JSON.stringify(summary);
    if (opts.out) writeFileSync(opts.out, line + '\n', { mode: 0o600 });
    process.stdout.write(line + '\n');
    // openclaw keeps timers and worker threads alive; the writes are committed, so leave now.
    process.exit(summary.failed === 0 ? 0 : 3);
}

main().catch((error) => {
    process.stderr.write(`upsert-storm: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(2);
});
