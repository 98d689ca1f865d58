// read-store.mjs: prints, as one JSON line, what an openclaw SQLite auth store cell holds, WITHOUT any secret:
// for each profile its type, provider and the SHA-256 (hex) of its key/token/access, so a test can compare the
// stored secrets with the expected ones. Uses Node 24's built-in node:sqlite, read-only, in one transaction.
//
//   node read-store.mjs --db <state>/agents/work/agent/openclaw-agent.sqlite           (auth_profile_store 'primary')
//   node read-store.mjs --db <state>/state/openclaw.sqlite --shared                    (config_machine_state 'authProfiles.store')
//
// Output: {"db","cell","journalMode","userVersion","bytes","compact","version","count","profiles":{id:{type,provider,secretSha256}}}
// "compact" is true when the cell is exactly JSON.stringify of its parsed value (no whitespace, as openclaw writes it).

import { createHash } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';

const args = process.argv.slice(2);
const db = args[args.indexOf('--db') + 1];
const shared = args.includes('--shared');
if (!db || args.indexOf('--db') < 0) { process.stderr.write('usage: read-store.mjs --db <file> [--shared]\n'); process.exit(2); }

const sha = (s) => createHash('sha256').update(String(s), 'utf8').digest('hex');
const conn = new DatabaseSync(db, { readOnly: true });
try {
    conn.exec('PRAGMA busy_timeout = 10000');
    conn.exec('BEGIN');
    const journalMode = conn.prepare('PRAGMA journal_mode').get().journal_mode;
    const userVersion = conn.prepare('PRAGMA user_version').get().user_version;
    const row = shared
        ? conn.prepare("SELECT value_json AS json FROM config_machine_state WHERE state_key = 'authProfiles.store'").get()
        : conn.prepare("SELECT store_json AS json FROM auth_profile_store WHERE store_key = 'primary'").get();
    conn.exec('COMMIT');
    const out = { db, cell: shared ? "config_machine_state['authProfiles.store']" : "auth_profile_store['primary']", journalMode, userVersion };
    if (!row) {
        Object.assign(out, { bytes: 0, compact: null, version: null, count: 0, profiles: {} });
    } else {
        const parsed = JSON.parse(row.json);
        const profiles = {};
        for (const [id, c] of Object.entries(parsed.profiles ?? {})) {
            const secret = c.key ?? c.token ?? c.access;
            profiles[id] = { type: c.type, provider: c.provider, secretSha256: secret === undefined ? null : sha(secret) };
        }
        Object.assign(out, {
            bytes: Buffer.byteLength(row.json, 'utf8'), compact: JSON.stringify(parsed) === row.json,
            version: parsed.version, count: Object.keys(profiles).length, profiles,
        });
    }
    process.stdout.write(JSON.stringify(out) + '\n');
} finally {
    conn.close();
}
