#!/usr/bin/env node
// Scripted stand-in for the OAuth endpoints of the providers of issue 13 (GitHub Copilot, Qwen, MiniMax,
// Google Gemini CLI / Antigravity + Code Assist, Chutes, Anthropic refresh, OpenAI Codex device flow).
// One plain node:http server on 127.0.0.1; every provider lives under its own path prefix.
// No dependencies beyond Node itself. Test use only. See README.md beside this file.
//
// stdout: exactly one JSON line when ready: {"port":N,"base":"http://127.0.0.1:N","pid":N,"urls":{...}}
// stderr: everything else.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { parseArgs } from 'node:util';

function usage(msg) {
  if (msg) process.stderr.write(`mock.mjs: ${msg}\n`);
  process.stderr.write(`usage: node mock.mjs [--port N] [--log PATH] [--access-ttl S] [--interval S]
  [--token-delay-ms N] [--parent-pid PID] [--no-stdin-watch]\n`);
  process.exit(2);
}

let args;
try {
  ({ values: args } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      log: { type: 'string' },
      'access-ttl': { type: 'string', default: '3600' },
      interval: { type: 'string' },
      'token-delay-ms': { type: 'string', default: '0' },
      'parent-pid': { type: 'string' },
      'no-stdin-watch': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  }));
} catch (err) {
  usage(err.message);
}
if (args.help) usage();

function intArg(name, min) {
  const v = Number(args[name]);
  if (!Number.isInteger(v) || v < min) usage(`--${name} must be an integer >= ${min}`);
  return v;
}

// ---------------------------------------------------------------------------------------------
// Public constants of the upstream CLIs (oauth-providers.md §3.2, §4.2, §5.1, §6, §7, §8; openclaw-compat.md §8.1)

const GITHUB_CLIENT_ID = 'Iv1.b507a08c87ecfe98';
const QWEN_CLIENT_ID = 'f0304373b74a44d2b584a3fb70ca9e56';
const MINIMAX_CLIENT_ID = '78257093-7e40-4613-99e0-527b14b39113';
const ANTHROPIC_CLIENT_ID = '9d1c250a-e61b-44d9-88ed-5944d1962f5e';
const CODEX_CLIENT_ID = 'app_EMoamEEZ73f0CkXaXp7hrann';
const GOOGLE_SCOPES = [
  'https://www.googleapis.com/auth/cloud-platform',
  'https://www.googleapis.com/auth/userinfo.email',
  'https://www.googleapis.com/auth/userinfo.profile',
];
const GOOGLE_CLIENTS = {
  '681255809395-oo8ft2oprdrnp9e3aqf6av3hmdib135j.apps.googleusercontent.com': {
    name: 'gemini-cli', secret: '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', scopes: GOOGLE_SCOPES,
  },
  '1071006060591-tmhssin2h21lcre235vtolojh4g403ep.apps.googleusercontent.com': {
    name: 'antigravity',
    secret: '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',
    scopes: [...GOOGLE_SCOPES, 'https://www.googleapis.com/auth/cclog', 'https://www.googleapis.com/auth/experimentsandconfigs'],
  },
};
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const USER_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:user_code';
const PROVIDERS = ['github', 'qwen', 'minimax', 'google', 'chutes', 'anthropic', 'codex'];

// Named answers per endpoint (the script vocabulary). The first entry is the default when the queue is empty.
const VOCAB = {
  'github.device': ['ok'],
  'github.token': ['success', 'pending', 'slow_down', 'expired_token', 'access_denied', 'incorrect_device_code'],
  'github.copilot': ['ok', 'expires_ms', 'expires_string', 'expires_missing', 'unauthorized', 'forbidden'],
  'github.policy': ['ok', 'forbidden', 'not_found'],
  'github.user': ['ok', 'unauthorized'],
  'qwen.device': ['ok'],
  'qwen.token': ['success', 'pending', 'slow_down', 'expired_token', 'access_denied'],
  'qwen.refresh': ['rotate', 'omit', 'invalid_grant'],
  'minimax.code': ['ok', 'wrong_state', 'error'],
  'minimax.token': ['success', 'pending', 'error', 'http_error'],
  'minimax.refresh': ['rotate', 'omit', 'invalid_grant'],
  'google.authorize': ['ok', 'access_denied'],
  'google.token': ['ok', 'no_id_token', 'no_refresh_token', 'invalid_grant'],
  'google.refresh': ['ok', 'invalid_grant'],
  'google.userinfo': ['ok', 'no_email', 'unauthorized'],
  'google.loadCodeAssist': ['current_tier', 'current_tier_object', 'allowed_tiers', 'allowed_tiers_standard',
    'no_project', 'security_policy', 'bad_request'],
  'google.onboardUser': ['operation', 'done', 'bad_request'],
  'google.operation': ['done', 'pending'],
  'chutes.authorize': ['ok', 'access_denied'],
  'chutes.token': ['ok', 'invalid_grant'],
  'chutes.refresh': ['rotate', 'omit', 'invalid_grant'],
  'chutes.userinfo': ['ok', 'unauthorized'],
  'anthropic.refresh': ['rotate', 'invalid_grant'],
  'codex.authorize': ['ok', 'access_denied'],
  'codex.usercode': ['ok', 'interval_number', 'not_found'],
  'codex.token': ['success', 'pending', 'pending_404'],
  'codex.exchange': ['ok', 'no_expires_in', 'invalid_grant'],
  'codex.refresh': ['rotate', 'no_expires_in', 'invalid_grant'],
  ...Object.fromEntries(PROVIDERS.map((p) => [`${p}.api`, ['ok', 'unauthorized']])),
};

// Settings (GET/POST /__test/script {"settings":{...}}); "<provider>.<key>" wins over "<key>".
const settings = {
  accessTtl: intArg('access-ttl', 1),
  tokenDelayMs: intArg('token-delay-ms', 0),
  deviceExpiresIn: 900,
  'github.interval': 5,
  'qwen.interval': null, // null: the device answer carries no interval (Qwen's is optional)
  'codex.interval': 5,
  'minimax.intervalMs': 2000,
  'minimax.expiresInMs': 600000,
  copilotProxyHost: 'localtest',
  'github.login': 'octocat', // the account a device login signs in (GET /github-api/user names it)
  'qwen.resourceUrl': 'portal.qwen.ai',
  'minimax.resourceUrl': 'https://api.minimax.io/anthropic',
  'minimax.resourceUrlCn': 'https://api.minimaxi.com/anthropic',
  'google.projectId': 'mock-project-4711',
  'google.email': 'tester@example.com',
  'chutes.username': 'tester',
  'chutes.clientSecret': null, // when set, the Chutes token endpoint requires exactly this secret
  'codex.accountId': '3f2c9a4e-7b1d-4c55-9e0a-2d8f6b1c7a90',
  'codex.email': 'tester@example.com',
  'codex.planType': 'plus',
};
if (args.interval !== undefined) {
  const v = intArg('interval', 0);
  settings['github.interval'] = v;
  settings['qwen.interval'] = v;
  settings['codex.interval'] = v;
  settings['minimax.intervalMs'] = v * 1000;
}
function setting(provider, key) {
  const specific = `${provider}.${key}`;
  if (Object.hasOwn(settings, specific)) return settings[specific];
  return settings[key];
}

// ---------------------------------------------------------------------------------------------
// State

const queues = new Map(); // endpoint -> [step]
const defaults = new Map(); // endpoint -> step used when its queue is empty
const stats = {
  requests: {}, // endpoint -> count
  grants: {}, // endpoint -> { grant_type -> count }
  statuses: {}, // endpoint -> { status -> count }
  reuse: 0,
  refreshRequests: 0,
};
const families = new Map(); // id -> { id, provider, current, rotating, refreshes, rotations, reused, revoked, seeded }
const refreshTokens = new Map(); // token -> familyId
const accessTokens = new Map(); // token -> { provider, family, expiresAt(ms), clientId }
const githubTokens = new Set(); // ghu_ tokens issued by the device flow (or seeded)
const githubLogins = new Map(); // ghu_ token -> the GitHub login it was issued to (setting github.login at the time)
const copilotTokens = new Map(); // Copilot token -> expiresAt (ms)
const liveCopilot = (t) => typeof t === 'string' && (copilotTokens.get(t) ?? 0) > Date.now();
const devices = new Map(); // device_code / user_code / device_auth_id -> record
const codes = new Map(); // authorization code -> { provider, clientId, redirectUri, challenge, scope, offline, used }
const operations = new Map(); // Code Assist LRO name -> { tierId }

const rnd = (n = 24) => crypto.randomBytes(n).toString('base64url');
const hex = (n = 16) => crypto.randomBytes(n).toString('hex');
const sha256b64url = (s) => crypto.createHash('sha256').update(s).digest('base64url');
// A short fingerprint lets tests correlate values with log lines without the log holding them.
const fp = (v) => (typeof v === 'string' && v ? crypto.createHash('sha256').update(v).digest('hex').slice(0, 12) : undefined);
const nowS = () => Math.floor(Date.now() / 1000);

function count(endpoint, grantType) {
  stats.requests[endpoint] = (stats.requests[endpoint] ?? 0) + 1;
  if (grantType) {
    stats.grants[endpoint] ??= {};
    stats.grants[endpoint][grantType] = (stats.grants[endpoint][grantType] ?? 0) + 1;
  }
}

function takeStep(endpoint) {
  const q = queues.get(endpoint);
  if (q && q.length > 0) return normalizeStep(q.shift(), true);
  if (defaults.has(endpoint)) return normalizeStep(defaults.get(endpoint), false);
  return { name: VOCAB[endpoint][0], scripted: false };
}
function normalizeStep(step, scripted) {
  if (typeof step === 'string') return { name: step, scripted };
  if (step.status !== undefined) return { raw: step, scripted, name: 'raw' };
  return { ...step, name: step.step, scripted };
}
function validStep(endpoint, step) {
  if (typeof step === 'string') return VOCAB[endpoint].includes(step);
  if (step && typeof step === 'object') {
    if (Number.isInteger(step.status)) return true;
    return typeof step.step === 'string' && VOCAB[endpoint].includes(step.step);
  }
  return false;
}

// Refresh-token families. rotating: every use issues a new token and retires the old one; presenting a
// retired token is reuse: the family is revoked (all its tokens die). Non-rotating: the token stays.
function newFamily(provider, { rotating, seeded = false, prefix = '' } = {}) {
  const id = `${provider}-${families.size + 1}`;
  const fam = {
    id, provider, rotating, current: undefined, refreshes: 0, rotations: 0, reused: 0, revoked: false, seeded,
  };
  families.set(id, fam);
  issueRefresh(fam, prefix);
  return fam;
}
function issueRefresh(fam, prefix) {
  const token = `${prefix}${rnd(32)}`;
  fam.current = token;
  refreshTokens.set(token, fam.id);
  return token;
}
function issueAccess(provider, fam, { prefix = '', clientId, value } = {}) {
  const ttl = setting(provider, 'accessTtl');
  const token = value ?? `${prefix}${rnd(32)}`;
  accessTokens.set(token, { provider, family: fam?.id, expiresAt: Date.now() + ttl * 1000, clientId });
  return { token, ttl };
}
// Looks the presented refresh token up. Returns { fam } or { error: 'unknown'|'revoked'|'reused'|'provider', fam? }.
function presentRefresh(provider, token) {
  const famId = typeof token === 'string' ? refreshTokens.get(token) : undefined;
  if (!famId) return { error: 'unknown' };
  const fam = families.get(famId);
  if (fam.provider !== provider) return { error: 'unknown' };
  fam.refreshes += 1;
  if (fam.revoked) return { error: 'revoked', fam };
  if (fam.current !== token) {
    fam.reused += 1;
    stats.reuse += 1;
    revokeFamily(fam);
    return { error: 'reused', fam };
  }
  return { fam };
}
// Revocation kills every refresh and access token of the family.
function revokeFamily(fam) {
  fam.revoked = true;
  for (const [t, info] of accessTokens) if (info.family === fam.id) accessTokens.delete(t);
}
function bearer(req) {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = h.match(/^(Bearer|token)\s+(.+)$/i);
  return m ? m[2].trim() : undefined;
}
function validAccess(req, provider) {
  const t = bearer(req);
  const info = t ? accessTokens.get(t) : undefined;
  if (!info || info.provider !== provider) return undefined;
  if (info.expiresAt <= Date.now()) return undefined;
  return info;
}
function jwt(payload, { signed = true } = {}) {
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = enc({ alg: signed ? 'HS256' : 'none', typ: 'JWT' });
  const body = enc(payload);
  const sig = signed ? crypto.createHmac('sha256', JWT_KEY).update(`${head}.${body}`).digest('base64url') : '';
  return `${head}.${body}.${sig}`;
}
const JWT_KEY = crypto.randomBytes(32);

// ---------------------------------------------------------------------------------------------
// Logging: JSON lines, never a token, code, verifier or secret value (only fingerprints and lengths).

const logPath = args.log;
let seq = 0;
function audit(entry) {
  if (!logPath) return;
  try {
    fs.appendFileSync(logPath, `${JSON.stringify({ ts: new Date().toISOString(), seq: ++seq, ...entry })}\n`);
  } catch (err) {
    process.stderr.write(`mock.mjs: cannot write log ${logPath}: ${err.message}\n`);
  }
}
// Non-secret headers that tests may want to assert.
const LOGGED_HEADERS = ['accept', 'content-type', 'user-agent', 'editor-version', 'editor-plugin-version',
  'copilot-integration-id', 'openai-intent', 'x-interaction-type', 'x-goog-api-client', 'client-metadata', 'originator'];
const SECRET_FIELDS = new Set(['code', 'code_verifier', 'refresh_token', 'device_code', 'client_secret', 'access_token',
  'user_code', 'device_auth_id', 'code_challenge', 'state']);

// ---------------------------------------------------------------------------------------------
// HTTP plumbing

async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) throw Object.assign(new Error('request entity too large'), { status: 413 });
    chunks.push(chunk);
  }
  const raw = Buffer.concat(chunks).toString('utf8');
  const ct = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (!raw) return { encoding: 'none', fields: {} };
  if (ct === 'application/json') {
    try {
      const v = JSON.parse(raw);
      if (v && typeof v === 'object' && !Array.isArray(v)) return { encoding: 'json', fields: v };
    } catch { /* fall through */ }
    return { encoding: 'bad-json', fields: {} };
  }
  if (ct === 'application/x-www-form-urlencoded') {
    return { encoding: 'form', fields: Object.fromEntries(new URLSearchParams(raw)) };
  }
  return { encoding: 'other', fields: {} };
}

class Answer {
  constructor(status, body, { type = 'json', headers = {} } = {}) {
    Object.assign(this, { status, body, type, headers });
  }
}
const json = (status, body, headers) => new Answer(status, body, { headers });
const redirect = (location) => new Answer(302, '', { type: 'text', headers: { location } });
const oauthError = (status, error, description) => json(status, description === undefined
  ? { error } : { error, error_description: description });

function send(res, ans) {
  const headers = { 'cache-control': 'no-store', ...ans.headers };
  let text;
  if (ans.type === 'json') {
    headers['content-type'] = 'application/json; charset=utf-8';
    text = `${JSON.stringify(ans.body)}\n`;
  } else if (ans.type === 'form') {
    headers['content-type'] = 'application/x-www-form-urlencoded; charset=utf-8';
    text = new URLSearchParams(ans.body).toString();
  } else if (ans.type === 'html') {
    headers['content-type'] = 'text/html; charset=utf-8';
    text = String(ans.body);
  } else {
    headers['content-type'] ??= 'text/plain; charset=utf-8';
    text = String(ans.body ?? '');
  }
  res.writeHead(ans.status, headers);
  res.end(text);
}
function rawAnswer(raw) {
  const body = raw.body ?? { error: 'server_error', error_description: 'scripted failure' };
  if (typeof body === 'string') return new Answer(raw.status, body, { type: 'text', headers: { 'content-type': raw.contentType ?? 'text/html; charset=utf-8' } });
  return json(raw.status, body);
}

// Token requests (all POSTs that mint or check grants) are processed one at a time, so a storm is counted exactly.
let tokenQueue = Promise.resolve();
function serialized(fn) {
  const run = tokenQueue.then(fn, fn);
  tokenQueue = run.then(() => {}, () => {});
  return run;
}
const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });

// ---------------------------------------------------------------------------------------------
// Routes. Each handler gets ctx = { req, url, body, entry, step() } and returns an Answer.

const routes = [];
function route(method, pattern, endpoint, handler, { token = false } = {}) {
  routes.push({ method, pattern, endpoint, handler, token });
}
function pkceOk(verifier, challenge) {
  return typeof verifier === 'string' && verifier.length >= 43 && verifier.length <= 128
    && /^[A-Za-z0-9\-._~]+$/.test(verifier) && sha256b64url(verifier) === challenge;
}
function requireForm(ctx) {
  if (ctx.body.encoding !== 'form') {
    return oauthError(400, 'invalid_request', `this endpoint takes application/x-www-form-urlencoded (got ${ctx.body.encoding})`);
  }
  return undefined;
}

// ---- GitHub (oauth-providers.md §4, §13.2) --------------------------------------------------

// GitHub answers form-encoded unless the client asks for JSON.
function githubAnswer(ctx, status, body) {
  const wantsJson = /json/i.test(String(ctx.req.headers.accept ?? ''));
  return wantsJson ? json(status, body) : new Answer(status, body, { type: 'form' });
}

route('POST', /^\/github\/login\/device\/code$/, 'github.device', (ctx) => {
  const f = ctx.body.fields;
  if (!['form', 'json'].includes(ctx.body.encoding)) return githubAnswer(ctx, 400, { error: 'invalid_request' });
  if (f.client_id !== GITHUB_CLIENT_ID) return githubAnswer(ctx, 401, { error: 'incorrect_client_credentials', error_description: 'The client_id is not valid.' });
  ctx.step();
  const rec = {
    kind: 'github', deviceCode: hex(20), userCode: `${hex(2).toUpperCase()}-${hex(2).toUpperCase()}`,
    expiresAt: Date.now() + settings.deviceExpiresIn * 1000, interval: setting('github', 'interval'), scope: f.scope ?? '', done: false,
  };
  devices.set(rec.deviceCode, rec);
  ctx.entry.scope = f.scope;
  return githubAnswer(ctx, 200, {
    device_code: rec.deviceCode, user_code: rec.userCode, verification_uri: 'https://github.com/login/device',
    expires_in: settings.deviceExpiresIn, interval: rec.interval,
  });
});

route('POST', /^\/github\/login\/oauth\/access_token$/, 'github.token', (ctx) => {
  const f = ctx.body.fields;
  if (!['form', 'json'].includes(ctx.body.encoding)) return githubAnswer(ctx, 400, { error: 'invalid_request' });
  if (f.client_id !== GITHUB_CLIENT_ID) return githubAnswer(ctx, 200, { error: 'incorrect_client_credentials' });
  if (f.grant_type !== DEVICE_GRANT) return githubAnswer(ctx, 200, { error: 'unsupported_grant_type' });
  const rec = devices.get(f.device_code);
  if (!rec || rec.kind !== 'github' || rec.done) {
    return githubAnswer(ctx, 200, { error: 'incorrect_device_code', error_description: 'The device_code provided is not valid.' });
  }
  if (rec.expiresAt <= Date.now()) return githubAnswer(ctx, 200, { error: 'expired_token' });
  const step = ctx.step();
  switch (step.name) {
    case 'pending': return githubAnswer(ctx, 200, { error: 'authorization_pending' });
    case 'slow_down':
      rec.interval = step.interval ?? rec.interval + 5;
      return githubAnswer(ctx, 200, { error: 'slow_down', interval: rec.interval });
    case 'expired_token': rec.done = true; return githubAnswer(ctx, 200, { error: 'expired_token' });
    case 'access_denied': rec.done = true; return githubAnswer(ctx, 200, { error: 'access_denied' });
    case 'incorrect_device_code': return githubAnswer(ctx, 200, { error: 'incorrect_device_code' });
    default: {
      rec.done = true;
      const token = `ghu_${rnd(27)}`;
      githubTokens.add(token);
      githubLogins.set(token, setting('github', 'login'));
      return githubAnswer(ctx, 200, { access_token: token, token_type: 'bearer', scope: rec.scope || 'read:user' });
    }
  }
}, { token: true });

route('GET', /^\/github-api\/copilot_internal\/v2\/token$/, 'github.copilot', (ctx) => {
  const t = bearer(ctx.req);
  ctx.entry.auth_kind = t ? (t.match(/^(ghu_|gho_|ghp_|github_pat_)/)?.[1] ?? 'other') : 'none';
  if (!t) return json(401, { message: 'Requires authentication', documentation_url: 'https://docs.github.com/rest' });
  if (!t.startsWith('ghu_')) {
    return json(403, { message: 'Resource not accessible by personal access token', documentation_url: 'https://docs.github.com/rest' });
  }
  if (!githubTokens.has(t)) return json(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
  const step = ctx.step();
  if (step.name === 'unauthorized') return json(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
  if (step.name === 'forbidden') {
    return json(403, { message: 'You do not have access to GitHub Copilot.', error_details: { notification_id: 'no_copilot_access' } });
  }
  const ttl = setting('github', 'accessTtl');
  const exp = nowS() + ttl;
  const token = `tid=${hex(16)};exp=${exp};sku=free_limited_copilot;proxy-ep=proxy.${settings.copilotProxyHost};st=dotcom;chat=1;8kp=1:${hex(32)}`;
  copilotTokens.set(token, exp * 1000);
  const body = { token, expires_at: exp, refresh_in: 1500, endpoints: { api: `https://api.${settings.copilotProxyHost}` } };
  if (step.name === 'expires_ms') body.expires_at = exp * 1000;
  if (step.name === 'expires_string') body.expires_at = String(exp);
  if (step.name === 'expires_missing') delete body.expires_at;
  ctx.entry.expires_at_kind = step.name;
  return json(200, body);
});

route('GET', /^\/github-api\/user$/, 'github.user', (ctx) => {
  const t = bearer(ctx.req);
  if (!t || !githubTokens.has(t) || ctx.step().name === 'unauthorized') {
    return json(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
  }
  const login = githubLogins.get(t) ?? 'octocat';
  const id = [...login].reduce((n, c) => (n * 31 + c.charCodeAt(0)) % 100000000, 7);
  return json(200, { login, id, type: 'User', email: null });
});

route('POST', /^\/copilot\/models\/([^/]+)\/policy$/, 'github.policy', (ctx, m) => {
  const t = bearer(ctx.req);
  ctx.entry.model = decodeURIComponent(m[1]);
  if (!liveCopilot(t)) return json(401, { error: { message: 'unauthorized: token expired or invalid', code: 'unauthorized' } });
  const step = ctx.step();
  if (step.name === 'forbidden') return json(403, { error: { message: 'policy not available for this plan', code: 'forbidden' } });
  if (step.name === 'not_found') return json(404, { error: { message: 'model not found', code: 'not_found' } });
  stats.policies ??= {};
  stats.policies[ctx.entry.model] = (stats.policies[ctx.entry.model] ?? 0) + 1;
  return json(200, { state: ctx.body.fields.state ?? 'enabled' });
});

// ---- Qwen (oauth-providers.md §7, §13.2) ----------------------------------------------------

route('POST', /^\/qwen\/api\/v1\/oauth2\/device\/code$/, 'qwen.device', (ctx) => {
  const bad = requireForm(ctx);
  if (bad) return bad;
  const f = ctx.body.fields;
  if (f.client_id !== QWEN_CLIENT_ID) return oauthError(400, 'invalid_client', 'unknown client_id');
  if (!f.code_challenge) return oauthError(400, 'invalid_request', 'code_challenge is required');
  if (f.code_challenge_method !== 'S256') return oauthError(400, 'invalid_request', 'code_challenge_method must be S256');
  ctx.entry.scope = f.scope;
  ctx.entry.has_request_id = typeof ctx.req.headers['x-request-id'] === 'string';
  ctx.step();
  const rec = {
    kind: 'qwen', deviceCode: rnd(32), userCode: hex(4).toUpperCase(), challenge: f.code_challenge,
    expiresAt: Date.now() + settings.deviceExpiresIn * 1000, done: false,
  };
  devices.set(rec.deviceCode, rec);
  const body = {
    device_code: rec.deviceCode, user_code: rec.userCode, verification_uri: 'https://chat.qwen.ai/authorize',
    verification_uri_complete: `https://chat.qwen.ai/authorize?user_code=${rec.userCode}&client=qwen-code`,
    expires_in: settings.deviceExpiresIn,
  };
  const interval = setting('qwen', 'interval');
  if (interval !== null && interval !== undefined) body.interval = interval;
  return json(200, body);
});

route('POST', /^\/qwen\/api\/v1\/oauth2\/token$/, (f) => (f.grant_type === 'refresh_token' ? 'qwen.refresh' : 'qwen.token'), (ctx) => {
  const bad = requireForm(ctx);
  if (bad) return bad;
  const f = ctx.body.fields;
  if (f.client_id !== QWEN_CLIENT_ID) return oauthError(400, 'invalid_client', 'unknown client_id');
  if (f.grant_type === 'refresh_token') {
    return rotatingRefresh(ctx, 'qwen', f.refresh_token, {
      error: (kind) => oauthError(400, 'invalid_grant', kind === 'reused' ? 'refresh token reused; family revoked' : 'refresh token expired or invalid'),
      answer: (access, refresh) => ({
        access_token: access.token, ...(refresh ? { refresh_token: refresh } : {}), token_type: 'Bearer',
        expires_in: access.ttl, resource_url: setting('qwen', 'resourceUrl'),
      }),
    });
  }
  if (f.grant_type !== DEVICE_GRANT) return oauthError(400, 'unsupported_grant_type');
  const rec = devices.get(f.device_code);
  if (!rec || rec.kind !== 'qwen' || rec.done) return oauthError(400, 'invalid_grant', 'device code not found');
  if (rec.expiresAt <= Date.now()) return oauthError(400, 'expired_token', 'device code expired');
  ctx.entry.code_verifier_length = typeof f.code_verifier === 'string' ? f.code_verifier.length : 0;
  if (!pkceOk(f.code_verifier, rec.challenge)) return oauthError(400, 'invalid_grant', 'code_verifier does not match code_challenge');
  const step = ctx.step();
  switch (step.name) {
    case 'pending': return oauthError(400, 'authorization_pending', 'The authorization request is still pending');
    case 'slow_down': return oauthError(429, 'slow_down', 'polling too frequently');
    case 'expired_token': rec.done = true; return oauthError(400, 'expired_token', 'device code expired');
    case 'access_denied': rec.done = true; return oauthError(400, 'access_denied', 'the user denied the request');
    default: {
      rec.done = true;
      const fam = newFamily('qwen', { rotating: true });
      const access = issueAccess('qwen', fam);
      ctx.entry.family = fam.id;
      return json(200, {
        access_token: access.token, refresh_token: fam.current, token_type: 'Bearer',
        expires_in: access.ttl, resource_url: setting('qwen', 'resourceUrl'),
      });
    }
  }
}, { token: true });

// Shared refresh logic: step names rotate | omit | invalid_grant (| ok for non-rotating providers).
function rotatingRefresh(ctx, provider, presented, { error, answer, accessPrefix = '', refreshPrefix = '', region }) {
  stats.refreshRequests += 1;
  ctx.entry.presented_refresh_fp = fp(presented);
  const found = presentRefresh(provider, presented);
  if (found.fam) ctx.entry.family = found.fam.id;
  if (found.error) {
    ctx.entry.refresh_error = found.error;
    return error(found.error);
  }
  // A family minted for one client (Chutes: the user's own client id) refreshes only with that client.
  if (found.fam.clientId && found.fam.clientId !== ctx.body.fields.client_id) {
    ctx.entry.refresh_error = 'client';
    return error('client');
  }
  // MiniMax: a token of one region is unknown to the other region's server.
  if (region && found.fam.region && found.fam.region !== region) {
    ctx.entry.refresh_error = 'region';
    return error('region');
  }
  const step = ctx.step();
  if (step.name === 'invalid_grant') return error('scripted');
  const { fam } = found;
  let refresh;
  if (fam.rotating && step.name !== 'omit') {
    refresh = issueRefresh(fam, refreshPrefix);
    fam.rotations += 1;
    ctx.entry.issued_refresh_fp = fp(refresh);
  }
  const access = issueAccess(provider, fam, { prefix: accessPrefix });
  return json(200, answer(access, refresh, fam));
}

// ---- MiniMax (oauth-providers.md §8, §13.3) -------------------------------------------------

const minimaxError = (status, code, msg) => json(status, { base_resp: { status_code: code, status_msg: msg } });

// /minimax = Global (api.minimax.io), /minimax-cn = CN (api.minimaxi.com): one protocol, the log tells them apart.
const minimaxRegion = (m) => (m[1] ? 'cn' : 'global');
const minimaxResource = (m) => (m[1] ? setting('minimax', 'resourceUrlCn') : setting('minimax', 'resourceUrl'));

route('POST', /^\/minimax(-cn)?\/oauth\/code$/, 'minimax.code', (ctx, m) => {
  ctx.entry.region = minimaxRegion(m);
  if (ctx.body.encoding !== 'form') return minimaxError(400, 1004, 'form body required');
  const f = ctx.body.fields;
  if (f.response_type !== 'code') return minimaxError(400, 1004, 'response_type must be code');
  if (f.client_id !== MINIMAX_CLIENT_ID) return minimaxError(401, 1004, 'invalid client_id');
  if (!f.scope) return minimaxError(400, 1004, 'scope is required');
  if (!f.code_challenge || f.code_challenge_method !== 'S256') return minimaxError(400, 1004, 'PKCE S256 required');
  if (!f.state) return minimaxError(400, 1004, 'state is required');
  ctx.entry.scope = f.scope;
  ctx.entry.has_request_id = typeof ctx.req.headers['x-request-id'] === 'string';
  const step = ctx.step();
  if (step.name === 'error') return minimaxError(400, 2013, 'invalid params');
  const rec = {
    kind: 'minimax', region: minimaxRegion(m), userCode: `${hex(3).toUpperCase()}`, challenge: f.code_challenge,
    expiresAt: Date.now() + setting('minimax', 'expiresInMs'), done: false,
  };
  devices.set(rec.userCode, rec);
  return json(200, {
    user_code: rec.userCode, verification_uri: `https://www.minimax.io/oauth-authorize?user_code=${rec.userCode}`,
    expired_in: rec.expiresAt, interval: setting('minimax', 'intervalMs'),
    state: step.name === 'wrong_state' ? `${f.state}x` : f.state,
  });
});

route('POST', /^\/minimax(-cn)?\/oauth\/token$/, (f) => (f.grant_type === 'refresh_token' ? 'minimax.refresh' : 'minimax.token'), (ctx, m) => {
  ctx.entry.region = minimaxRegion(m);
  if (ctx.body.encoding !== 'form') return minimaxError(400, 1004, 'form body required');
  const f = ctx.body.fields;
  if (f.client_id !== MINIMAX_CLIENT_ID) return minimaxError(401, 1004, 'invalid client_id');
  const success = (access, refresh) => ({
    status: 'success', access_token: access.token, ...(refresh ? { refresh_token: refresh } : {}),
    expired_in: Date.now() + access.ttl * 1000, resource_url: minimaxResource(m),
    notification_message: 'Mock MiniMax: signed in.',
  });
  if (f.grant_type === 'refresh_token') {
    return rotatingRefresh(ctx, 'minimax', f.refresh_token, {
      error: (kind) => minimaxError(400, 1004, kind === 'reused' ? 'invalid_grant: refresh token reused' : 'invalid_grant: refresh token invalid'),
      answer: success,
      region: minimaxRegion(m),
    });
  }
  if (f.grant_type !== USER_CODE_GRANT) return minimaxError(400, 1004, 'unsupported grant_type');
  const rec = devices.get(f.user_code);
  if (!rec || rec.kind !== 'minimax' || rec.done || rec.region !== minimaxRegion(m)) return minimaxError(400, 1004, 'invalid user_code');
  ctx.entry.code_verifier_length = typeof f.code_verifier === 'string' ? f.code_verifier.length : 0;
  if (!pkceOk(f.code_verifier, rec.challenge)) return minimaxError(400, 1004, 'invalid_grant: code_verifier does not match');
  if (rec.expiresAt <= Date.now()) return json(200, { status: 'error', base_resp: { status_code: 1004, status_msg: 'user code expired' } });
  const step = ctx.step();
  switch (step.name) {
    case 'pending': return json(200, { status: 'pending' });
    case 'error': rec.done = true; return json(200, { status: 'error', base_resp: { status_code: 1004, status_msg: 'authorization failed' } });
    case 'http_error': return minimaxError(step.httpStatus ?? 400, 2049, 'invalid api key');
    default: {
      rec.done = true;
      const fam = newFamily('minimax', { rotating: true });
      fam.region = rec.region;
      const access = issueAccess('minimax', fam);
      ctx.entry.family = fam.id;
      return json(200, success(access, fam.current));
    }
  }
}, { token: true });

// ---- Authorization-code providers: the "browser" part ---------------------------------------

function isLoopbackHttp(u) {
  return u.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
}
// Checks an authorize query; returns { error, description, fatal } or { ok: true }.
// fatal = the provider shows an error page (no redirect), as real providers do for a bad client or redirect.
function checkAuthorize(q, { clientOk, redirectOk, requiredScopes = [], extras = {} }) {
  const clientId = q.get('client_id');
  if (!clientId || !clientOk(clientId)) return { fatal: true, error: 'invalid_client', description: 'The OAuth client was not found.' };
  const redirectUri = q.get('redirect_uri');
  let ru;
  try { ru = new URL(redirectUri); } catch { ru = undefined; }
  if (!ru || !redirectOk(ru, clientId)) return { fatal: true, error: 'redirect_uri_mismatch', description: 'redirect_uri is not allowed' };
  if (q.get('response_type') !== 'code') return { error: 'unsupported_response_type', description: 'response_type must be code' };
  const scopes = (q.get('scope') ?? '').split(/\s+/).filter(Boolean);
  const missing = requiredScopes(clientId).filter((s) => !scopes.includes(s));
  if (missing.length) return { error: 'invalid_scope', description: `missing scope ${missing.join(' ')}` };
  if (!q.get('code_challenge')) return { error: 'invalid_request', description: 'code_challenge is required' };
  if (q.get('code_challenge_method') !== 'S256') return { error: 'invalid_request', description: 'code_challenge_method must be S256' };
  if (!q.get('state')) return { error: 'invalid_request', description: 'state is required' };
  for (const [k, v] of Object.entries(extras)) {
    if (q.get(k) !== v) return { error: 'invalid_request', description: `${k}=${v} is required by this mock` };
  }
  return { ok: true };
}
function authorizeRoute(prefixRe, endpoint, provider, rules) {
  route('GET', prefixRe, endpoint, (ctx) => {
    const q = ctx.url.searchParams;
    Object.assign(ctx.entry, {
      client_id: q.get('client_id'), redirect_uri: q.get('redirect_uri'), scope: q.get('scope'),
      response_type: q.get('response_type'), code_challenge_method: q.get('code_challenge_method'),
      has_code_challenge: !!q.get('code_challenge'), state_length: (q.get('state') ?? '').length,
      access_type: q.get('access_type') ?? undefined, prompt: q.get('prompt') ?? undefined,
    });
    const check = checkAuthorize(q, rules);
    if (check.fatal) {
      ctx.entry.error = check.error;
      return new Answer(400, `<!DOCTYPE html><html><body><h1>Error 400: ${check.error}</h1><p>${check.description}</p></body></html>`, { type: 'html' });
    }
    const back = new URL(q.get('redirect_uri'));
    const state = q.get('state');
    if (check.error) {
      ctx.entry.error = check.error;
      back.searchParams.set('error', check.error);
      back.searchParams.set('error_description', check.description);
      if (state) back.searchParams.set('state', state);
      return redirect(back.href);
    }
    const step = ctx.step();
    if (step.name === 'access_denied') {
      back.searchParams.set('error', 'access_denied');
      back.searchParams.set('state', state);
      return redirect(back.href);
    }
    const code = `${provider === 'google' ? '4/0' : ''}${rnd(32)}`;
    codes.set(code, {
      provider, clientId: q.get('client_id'), redirectUri: q.get('redirect_uri'), challenge: q.get('code_challenge'),
      scope: q.get('scope'), offline: q.get('access_type') === 'offline', used: false, expiresAt: Date.now() + 600000,
    });
    back.searchParams.set('code', code);
    back.searchParams.set('state', state);
    if (provider === 'google') back.searchParams.set('scope', q.get('scope'));
    return redirect(back.href);
  });
}
// Consumes an authorization code for a token request; returns { rec } or { error, description }.
function redeemCode(provider, f, clientId) {
  const rec = codes.get(f.code);
  if (!rec || rec.provider !== provider) return { error: 'invalid_grant', description: 'Malformed auth code.' };
  if (rec.used) {
    if (families.has(rec.family)) revokeFamily(families.get(rec.family));
    return { error: 'invalid_grant', description: 'Code was already redeemed.' };
  }
  if (rec.expiresAt <= Date.now()) return { error: 'invalid_grant', description: 'Code expired.' };
  if (rec.clientId !== clientId) return { error: 'invalid_grant', description: 'Code was issued to another client.' };
  if (f.redirect_uri !== rec.redirectUri) return { error: 'redirect_uri_mismatch', description: 'Bad Request' };
  if (!f.code_verifier) return { error: 'invalid_grant', description: 'Missing code verifier.' };
  if (!pkceOk(f.code_verifier, rec.challenge)) return { error: 'invalid_grant', description: 'Invalid code verifier.' };
  rec.used = true;
  return { rec };
}

// ---- Google: Gemini CLI + Antigravity (oauth-providers.md §5, §6, §13.1) --------------------

authorizeRoute(/^\/google\/o\/oauth2\/v2\/auth$/, 'google.authorize', 'google', {
  clientOk: (id) => Object.hasOwn(GOOGLE_CLIENTS, id),
  // Installed-app clients accept any loopback port; Gemini CLI's NO_BROWSER flow uses the codeassist page.
  redirectOk: (u) => isLoopbackHttp(u) || u.href === 'https://codeassist.google.com/authcode',
  requiredScopes: (id) => GOOGLE_CLIENTS[id].scopes,
  extras: { access_type: 'offline', prompt: 'consent' },
});

function googleIdToken(clientId) {
  const email = setting('google', 'email');
  return jwt({
    iss: 'https://accounts.google.com', aud: clientId, azp: clientId, sub: `1${fp(email)}`, email, email_verified: true,
    iat: nowS(), exp: nowS() + 3600,
  });
}

route('POST', /^\/google\/token$/, (f) => (f.grant_type === 'refresh_token' ? 'google.refresh' : 'google.token'), (ctx) => {
  const bad = requireForm(ctx);
  if (bad) return bad;
  const f = ctx.body.fields;
  const client = GOOGLE_CLIENTS[f.client_id];
  ctx.entry.client = client?.name;
  ctx.entry.has_client_secret = typeof f.client_secret === 'string' && f.client_secret.length > 0;
  if (!client) return oauthError(401, 'invalid_client', 'The OAuth client was not found.');
  if (!ctx.entry.has_client_secret) return oauthError(400, 'invalid_request', 'client_secret is missing.');
  if (f.client_secret !== client.secret) return oauthError(401, 'invalid_client', 'Unauthorized');
  if (f.grant_type === 'refresh_token') {
    stats.refreshRequests += 1;
    ctx.entry.presented_refresh_fp = fp(f.refresh_token);
    const found = presentRefresh('google', f.refresh_token);
    if (found.fam) ctx.entry.family = found.fam.id;
    if (found.error || found.fam.clientId !== f.client_id) {
      ctx.entry.refresh_error = found.error ?? 'client';
      return oauthError(400, 'invalid_grant', found.error ? 'Token has been expired or revoked.' : 'Unauthorized');
    }
    const step = ctx.step();
    if (step.name === 'invalid_grant') return oauthError(400, 'invalid_grant', 'Token has been expired or revoked.');
    const access = issueAccess('google', found.fam, { prefix: 'ya29.', clientId: f.client_id });
    // Google keeps the refresh token: the answer has none.
    return json(200, { access_token: access.token, expires_in: access.ttl, scope: found.fam.scope, token_type: 'Bearer' });
  }
  if (f.grant_type !== 'authorization_code') return oauthError(400, 'unsupported_grant_type', `Invalid grant_type: ${f.grant_type ?? ''}`);
  ctx.entry.redirect_uri = f.redirect_uri;
  ctx.entry.code_verifier_length = typeof f.code_verifier === 'string' ? f.code_verifier.length : 0;
  const { rec, error, description } = redeemCode('google', f, f.client_id);
  if (error) return oauthError(400, error, description);
  const step = ctx.step();
  if (step.name === 'invalid_grant') return oauthError(400, 'invalid_grant', 'Bad Request');
  const fam = newFamily('google', { rotating: false, prefix: '1//0' });
  fam.clientId = f.client_id;
  fam.scope = rec.scope;
  rec.family = fam.id;
  ctx.entry.family = fam.id;
  const access = issueAccess('google', fam, { prefix: 'ya29.', clientId: f.client_id });
  const body = { access_token: access.token, expires_in: access.ttl, scope: rec.scope, token_type: 'Bearer' };
  if (rec.offline && step.name !== 'no_refresh_token') body.refresh_token = fam.current;
  if (step.name !== 'no_id_token') body.id_token = googleIdToken(f.client_id);
  return json(200, body);
}, { token: true });

const googleUnauth = () => json(401, {
  error: {
    code: 401, message: 'Request had invalid authentication credentials. Expected OAuth 2 access token.', status: 'UNAUTHENTICATED',
  },
});

route('GET', /^\/google\/oauth2\/v1\/userinfo$/, 'google.userinfo', (ctx) => {
  ctx.entry.alt = ctx.url.searchParams.get('alt') ?? undefined;
  if (!validAccess(ctx.req, 'google')) return googleUnauth();
  const step = ctx.step();
  if (step.name === 'unauthorized') return googleUnauth();
  const email = setting('google', 'email');
  const body = { id: `1${fp(email)}`, picture: 'https://example.invalid/p.png' };
  if (step.name !== 'no_email') Object.assign(body, { email, verified_email: true });
  return json(200, body);
});

route('POST', /^\/google\/v1internal:loadCodeAssist$/, 'google.loadCodeAssist', (ctx) => {
  if (!validAccess(ctx.req, 'google')) return googleUnauth();
  if (ctx.body.encoding !== 'json') return json(400, { error: { code: 400, message: 'Invalid JSON payload', status: 'INVALID_ARGUMENT' } });
  const f = ctx.body.fields;
  ctx.entry.sent_project = typeof f.cloudaicompanionProject === 'string' ? f.cloudaicompanionProject : undefined;
  ctx.entry.metadata = f.metadata;
  const project = setting('google', 'projectId');
  const step = ctx.step();
  const free = { id: 'free-tier', name: 'Gemini Code Assist for individuals', isDefault: true };
  const standard = { id: 'standard-tier', name: 'Gemini Code Assist', userDefinedCloudaicompanionProject: true };
  switch (step.name) {
    case 'current_tier_object': return json(200, { currentTier: standard, cloudaicompanionProject: { id: project, name: project } });
    case 'no_project': return json(200, { currentTier: standard });
    case 'allowed_tiers': return json(200, { allowedTiers: [free, { ...standard, isDefault: false }] });
    case 'allowed_tiers_standard': return json(200, { allowedTiers: [{ ...free, isDefault: false }, { ...standard, isDefault: true }] });
    case 'security_policy': return json(403, {
      error: {
        code: 403, message: 'Request is prohibited by organization\'s policy.', status: 'PERMISSION_DENIED',
        details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'SECURITY_POLICY_VIOLATED', domain: 'googleapis.com' }],
      },
    });
    case 'bad_request': return json(400, { error: { code: 400, message: 'Request contains an invalid argument.', status: 'INVALID_ARGUMENT' } });
    default: return json(200, { currentTier: free, allowedTiers: [free], cloudaicompanionProject: project });
  }
});

route('POST', /^\/google\/v1internal:onboardUser$/, 'google.onboardUser', (ctx) => {
  if (!validAccess(ctx.req, 'google')) return googleUnauth();
  const f = ctx.body.fields;
  ctx.entry.tier_id = f.tierId;
  ctx.entry.sent_project = typeof f.cloudaicompanionProject === 'string' ? f.cloudaicompanionProject : undefined;
  if (ctx.body.encoding !== 'json' || !f.tierId) {
    return json(400, { error: { code: 400, message: 'tierId is required', status: 'INVALID_ARGUMENT' } });
  }
  const step = ctx.step();
  if (step.name === 'bad_request') return json(400, { error: { code: 400, message: 'Precondition check failed.', status: 'FAILED_PRECONDITION' } });
  const name = `operations/onboard-${hex(6)}`;
  operations.set(name, { tierId: f.tierId, project: f.cloudaicompanionProject });
  if (step.name === 'done') return json(200, operationDone(name));
  return json(200, { name, done: false });
});
function operationDone(name) {
  const op = operations.get(name);
  const id = op?.project || setting('google', 'projectId');
  return { name, done: true, response: { '@type': 'type.googleapis.com/google.internal.cloud.code.v1internal.OnboardUserResponse', cloudaicompanionProject: { id, name: id } } };
}

route('GET', /^\/google\/v1internal\/(operations\/[^/]+)$/, 'google.operation', (ctx, m) => {
  if (!validAccess(ctx.req, 'google')) return googleUnauth();
  if (!operations.has(m[1])) return json(404, { error: { code: 404, message: 'Operation not found', status: 'NOT_FOUND' } });
  const step = ctx.step();
  if (step.name === 'pending') return json(200, { name: m[1], done: false });
  return json(200, operationDone(m[1]));
});

// ---- Chutes (oauth-providers.md §9) ---------------------------------------------------------

authorizeRoute(/^\/chutes\/idp\/authorize$/, 'chutes.authorize', 'chutes', {
  clientOk: (id) => /^cid_[A-Za-z0-9_-]+$/.test(id),
  redirectOk: (u) => u.protocol === 'http:',
  requiredScopes: () => [],
  extras: {},
});

route('POST', /^\/chutes\/idp\/token$/, (f) => (f.grant_type === 'refresh_token' ? 'chutes.refresh' : 'chutes.token'), (ctx) => {
  const bad = requireForm(ctx);
  if (bad) return bad;
  const f = ctx.body.fields;
  ctx.entry.client_id = f.client_id;
  ctx.entry.has_client_secret = typeof f.client_secret === 'string' && f.client_secret.length > 0;
  if (!f.client_id || !/^cid_/.test(f.client_id)) return oauthError(401, 'invalid_client', 'unknown client');
  const secret = settings['chutes.clientSecret'];
  if (secret && f.client_secret !== secret) return oauthError(401, 'invalid_client', 'client authentication failed');
  if (f.grant_type === 'refresh_token') {
    return rotatingRefresh(ctx, 'chutes', f.refresh_token, {
      error: () => oauthError(400, 'invalid_grant', 'refresh token is invalid'),
      answer: (access, refresh) => ({
        access_token: access.token, ...(refresh ? { refresh_token: refresh } : {}), token_type: 'Bearer',
        expires_in: access.ttl, scope: 'openid profile chutes:invoke',
      }),
      accessPrefix: 'cak_', refreshPrefix: 'crt_',
    });
  }
  if (f.grant_type !== 'authorization_code') return oauthError(400, 'unsupported_grant_type');
  ctx.entry.redirect_uri = f.redirect_uri;
  ctx.entry.code_verifier_length = typeof f.code_verifier === 'string' ? f.code_verifier.length : 0;
  const { rec, error, description } = redeemCode('chutes', f, f.client_id);
  if (error) return oauthError(400, error, description);
  const step = ctx.step();
  if (step.name === 'invalid_grant') return oauthError(400, 'invalid_grant', 'scripted');
  const fam = newFamily('chutes', { rotating: true, prefix: 'crt_' });
  fam.clientId = f.client_id;
  rec.family = fam.id;
  ctx.entry.family = fam.id;
  const access = issueAccess('chutes', fam, { prefix: 'cak_' });
  return json(200, {
    access_token: access.token, refresh_token: fam.current, token_type: 'Bearer', expires_in: access.ttl, scope: rec.scope,
  });
}, { token: true });

route('GET', /^\/chutes\/idp\/userinfo$/, 'chutes.userinfo', (ctx) => {
  if (!validAccess(ctx.req, 'chutes')) return oauthError(401, 'invalid_token');
  const step = ctx.step();
  if (step.name === 'unauthorized') return oauthError(401, 'invalid_token');
  const username = setting('chutes', 'username');
  return json(200, { sub: `user-${fp(username)}`, username, created_at: '2026-01-01T00:00:00Z' });
});

// ---- Anthropic refresh (oauth-providers.md §3.4) --------------------------------------------

route('POST', /^\/anthropic\/v1\/oauth\/token$/, 'anthropic.refresh', (ctx) => {
  if (ctx.body.encoding !== 'json') return oauthError(400, 'invalid_request', 'Invalid request format');
  const f = ctx.body.fields;
  if (f.client_id !== ANTHROPIC_CLIENT_ID) return oauthError(400, 'invalid_client', 'Invalid client_id');
  if (f.grant_type === 'authorization_code') return oauthError(400, 'unsupported_grant_type', 'this mock serves refresh only');
  if (f.grant_type !== 'refresh_token') return oauthError(400, 'unsupported_grant_type');
  return rotatingRefresh(ctx, 'anthropic', f.refresh_token, {
    error: () => oauthError(400, 'invalid_grant', 'Refresh token not found or invalid'),
    answer: (access, refresh) => ({
      token_type: 'Bearer', access_token: access.token, expires_in: access.ttl, refresh_token: refresh,
      scope: 'user:inference user:profile',
    }),
    accessPrefix: 'sk-ant-oat01-', refreshPrefix: 'sk-ant-ort01-',
  });
}, { token: true });

// ---- OpenAI Codex device flow (openai/codex codex-rs/login/src/device_code_auth.rs) ----------

function codexIssuer() { return `${base}/codex`; }
function codexTokens(fam) {
  const accountId = setting('codex', 'accountId');
  const email = setting('codex', 'email');
  const ttl = setting('codex', 'accessTtl');
  const auth = { chatgpt_account_id: accountId, chatgpt_plan_type: setting('codex', 'planType'), chatgpt_user_id: `user-${fp(email)}` };
  const profile = { email, email_verified: true };
  const iat = nowS();
  const accessJwt = jwt({
    iss: codexIssuer(), aud: ['https://api.openai.com/v1'], client_id: CODEX_CLIENT_ID, sub: `auth0|${fp(email)}`,
    iat, exp: iat + ttl, jti: hex(8), scp: ['openid', 'profile', 'email', 'offline_access'],
    'https://api.openai.com/auth': auth, 'https://api.openai.com/profile': profile,
  });
  const access = issueAccess('codex', fam, { value: accessJwt });
  const idToken = jwt({
    iss: codexIssuer(), aud: [CODEX_CLIENT_ID], sub: `auth0|${fp(email)}`, email, email_verified: true, iat, exp: iat + 3600,
    'https://api.openai.com/auth': auth,
  });
  return { access, idToken };
}

authorizeRoute(/^\/codex\/oauth\/authorize$/, 'codex.authorize', 'codex', {
  clientOk: (id) => id === CODEX_CLIENT_ID,
  redirectOk: (u) => isLoopbackHttp(u),
  requiredScopes: () => ['openid', 'profile', 'email', 'offline_access'],
  extras: {},
});

route('POST', /^\/codex\/api\/accounts\/deviceauth\/usercode$/, 'codex.usercode', (ctx) => {
  if (ctx.body.encoding !== 'json') return json(400, { error: { message: 'JSON body required', code: 'invalid_request' } });
  const f = ctx.body.fields;
  if (f.client_id !== CODEX_CLIENT_ID) return json(400, { error: { message: 'unknown client', code: 'invalid_client' } });
  const step = ctx.step();
  if (step.name === 'not_found') return json(404, { error: { message: 'Not found', code: 'not_found' } });
  const rec = {
    kind: 'codex', deviceAuthId: `deviceauth_${hex(12)}`, userCode: `${hex(2).toUpperCase()}-${hex(3).toUpperCase()}`.slice(0, 9),
    expiresAt: Date.now() + settings.deviceExpiresIn * 1000, done: false,
  };
  devices.set(rec.deviceAuthId, rec);
  const interval = setting('codex', 'interval');
  // codex-rs reads interval as a string ("5"); interval_number sends a number instead.
  return json(200, {
    device_auth_id: rec.deviceAuthId, user_code: rec.userCode,
    interval: step.name === 'interval_number' ? interval : String(interval),
  });
});

route('POST', /^\/codex\/api\/accounts\/deviceauth\/token$/, 'codex.token', (ctx) => {
  if (ctx.body.encoding !== 'json') return json(400, { error: { message: 'JSON body required', code: 'invalid_request' } });
  const f = ctx.body.fields;
  const rec = devices.get(f.device_auth_id);
  if (!rec || rec.kind !== 'codex' || rec.userCode !== f.user_code || rec.done) {
    return json(400, { error: { message: 'Invalid device authorization', code: 'invalid_device_auth' } });
  }
  if (rec.expiresAt <= Date.now()) return json(410, { error: { message: 'Device authorization expired', code: 'expired' } });
  const step = ctx.step();
  if (step.name === 'pending') return json(403, { error: { message: 'Device authorization is pending', code: 'deviceauth_authorization_pending' } });
  if (step.name === 'pending_404') return json(404, { error: { message: 'Device authorization is pending', code: 'deviceauth_authorization_pending' } });
  rec.done = true;
  const verifier = rnd(48);
  const challenge = sha256b64url(verifier);
  const code = rnd(32);
  codes.set(code, {
    provider: 'codex', clientId: CODEX_CLIENT_ID, redirectUri: `${codexIssuer()}/deviceauth/callback`, challenge,
    scope: 'openid profile email offline_access', used: false, expiresAt: Date.now() + 600000,
  });
  return json(200, { authorization_code: code, code_challenge: challenge, code_verifier: verifier });
}, { token: true });

// codex-rs's own test server answers {id_token, access_token, refresh_token} only; pi-ai requires expires_in.
function codexAnswer(step, body) {
  if (step.name === 'no_expires_in') delete body.expires_in;
  return body;
}
const codexReused = () => json(401, {
  error: {
    message: 'Your refresh token has already been used to generate a new access token. Please try signing in again.',
    type: 'invalid_request_error', param: null, code: 'refresh_token_reused',
  },
});

route('POST', /^\/codex\/oauth\/token$/, (f) => (f.grant_type === 'refresh_token' ? 'codex.refresh' : 'codex.exchange'), (ctx) => {
  const bad = requireForm(ctx);
  if (bad) return bad;
  const f = ctx.body.fields;
  if (f.client_id !== CODEX_CLIENT_ID) return oauthError(401, 'invalid_client');
  if (f.grant_type === 'refresh_token') {
    stats.refreshRequests += 1;
    ctx.entry.presented_refresh_fp = fp(f.refresh_token);
    const found = presentRefresh('codex', f.refresh_token);
    if (found.fam) ctx.entry.family = found.fam.id;
    if (found.error) {
      ctx.entry.refresh_error = found.error;
      if (found.error === 'reused') return codexReused();
      if (found.error === 'revoked') {
        return json(401, { error: { message: 'Your refresh token was invalidated.', type: 'invalid_request_error', param: null, code: 'refresh_token_invalidated' } });
      }
      return oauthError(400, 'invalid_grant', 'refresh token not found');
    }
    const step = ctx.step();
    if (step.name === 'invalid_grant') return oauthError(400, 'invalid_grant', 'scripted');
    const refresh = issueRefresh(found.fam, 'rt_');
    found.fam.rotations += 1;
    ctx.entry.issued_refresh_fp = fp(refresh);
    const { access, idToken } = codexTokens(found.fam);
    return json(200, codexAnswer(step, {
      id_token: idToken, access_token: access.token, refresh_token: refresh, expires_in: access.ttl, token_type: 'Bearer', scope: 'openid profile email offline_access',
    }));
  }
  if (f.grant_type !== 'authorization_code') return oauthError(400, 'unsupported_grant_type');
  ctx.entry.redirect_uri = f.redirect_uri;
  ctx.entry.code_verifier_length = typeof f.code_verifier === 'string' ? f.code_verifier.length : 0;
  const { rec, error, description } = redeemCode('codex', f, f.client_id);
  if (error) return oauthError(400, error === 'redirect_uri_mismatch' ? 'invalid_grant' : error, description);
  const step = ctx.step();
  if (step.name === 'invalid_grant') return oauthError(400, 'invalid_grant', 'scripted');
  const fam = newFamily('codex', { rotating: true, prefix: 'rt_' });
  rec.family = fam.id;
  ctx.entry.family = fam.id;
  const { access, idToken } = codexTokens(fam);
  return json(200, codexAnswer(step, {
    id_token: idToken, access_token: access.token, refresh_token: fam.current, expires_in: access.ttl, token_type: 'Bearer', scope: rec.scope,
  }));
}, { token: true });

// ---- A stand-in for each provider's model API (oauth-providers.md §13.4: a 401 while expires is ahead) ----

route('GET', /^\/api\/(github|qwen|minimax|google|chutes|anthropic|codex)\/whoami$/, (f, m) => `${m[1]}.api`, (ctx, m) => {
  const provider = m[1];
  const t = bearer(ctx.req);
  const ok = provider === 'github' ? liveCopilot(t) : validAccess(ctx.req, provider);
  if (!ok) return json(401, { error: { message: 'invalid or expired access token', code: 'invalid_token' } });
  const step = ctx.step();
  if (step.name === 'unauthorized') return json(401, { error: { message: 'token revoked', code: 'invalid_token' } });
  return json(200, { provider, family: provider === 'github' ? undefined : ok.family });
});

// ---------------------------------------------------------------------------------------------
// Test control: /__test/script, /__test/stats, /__test/seed, /__test/reset

function seed(provider, opts) {
  if (!PROVIDERS.includes(provider)) throw Object.assign(new Error(`unknown provider ${provider}`), { status: 400 });
  if (provider === 'github') {
    const token = `ghu_${rnd(27)}`;
    githubTokens.add(token);
    return { provider, access: token };
  }
  const prefixes = {
    anthropic: ['sk-ant-oat01-', 'sk-ant-ort01-'], google: ['ya29.', '1//0'], chutes: ['cak_', 'crt_'], codex: ['', 'rt_'],
  };
  const [ap, rp] = prefixes[provider] ?? ['', ''];
  const rotating = opts.rotating ?? provider !== 'google';
  const fam = newFamily(provider, { rotating, seeded: true, prefix: rp });
  let access;
  if (provider === 'codex') {
    access = codexTokens(fam).access;
  } else {
    let clientId;
    if (provider === 'google') {
      clientId = Object.keys(GOOGLE_CLIENTS).find((id) => GOOGLE_CLIENTS[id].name === (opts.client ?? 'gemini-cli'));
      if (!clientId) throw Object.assign(new Error('client must be gemini-cli or antigravity'), { status: 400 });
      fam.clientId = clientId;
      fam.scope = GOOGLE_CLIENTS[clientId].scopes.join(' ');
    }
    if (provider === 'chutes' && typeof opts.clientId === 'string') fam.clientId = opts.clientId;
    if (provider === 'minimax' && ['global', 'cn'].includes(opts.region)) fam.region = opts.region;
    access = issueAccess(provider, fam, { prefix: ap, clientId });
  }
  const out = {
    provider, family: fam.id, access: access.token, refresh: fam.current, expires_in: access.ttl,
  };
  if (provider === 'minimax') out.expired_in = Date.now() + access.ttl * 1000;
  return out;
}

// "interval" (seconds) is shorthand for every device flow's poll interval (MiniMax's in ms).
function expandSettings(input) {
  const out = { ...input };
  if (Object.hasOwn(out, 'interval')) {
    const v = out.interval;
    delete out.interval;
    Object.assign(out, { 'github.interval': v, 'qwen.interval': v, 'codex.interval': v, 'minimax.intervalMs': v === null ? 2000 : v * 1000 });
  }
  return out;
}

function publicState() {
  return {
    queues: Object.fromEntries([...queues].filter(([, q]) => q.length > 0)),
    defaults: Object.fromEntries(defaults),
    settings,
    vocabulary: VOCAB,
  };
}

function statsView() {
  const fams = [...families.values()].map((f) => ({
    id: f.id, provider: f.provider, rotating: f.rotating, seeded: f.seeded, refreshes: f.refreshes,
    rotations: f.rotations, reused: f.reused, revoked: f.revoked,
  }));
  return {
    ...stats,
    families: fams,
    refreshesByFamily: Object.fromEntries(fams.map((f) => [f.id, f.refreshes])),
    revokedFamilies: fams.filter((f) => f.revoked).map((f) => f.id),
  };
}

async function control(req, res, url) {
  const reply = (status, body) => send(res, json(status, body));
  const p = url.pathname;
  if (p === '/__test/script' && req.method === 'GET') return reply(200, publicState());
  if (p === '/__test/stats' && req.method === 'GET') return reply(200, statsView());
  const body = await readBody(req);
  if (body.encoding !== 'json' && body.encoding !== 'none') return reply(400, { error: 'JSON body expected' });
  const input = body.fields;
  if (p === '/__test/script' && req.method === 'POST') {
    const problems = [];
    for (const [k, v] of Object.entries(input)) {
      if (k === 'reset' || k === 'settings' || k === 'defaults') continue;
      if (!VOCAB[k]) problems.push(`unknown endpoint ${k}`);
      else if (!Array.isArray(v)) problems.push(`${k} must be an array`);
      else v.forEach((s, i) => { if (!validStep(k, s)) problems.push(`${k}[${i}]: unknown step ${JSON.stringify(s)}`); });
    }
    for (const [k, v] of Object.entries(input.defaults ?? {})) {
      if (!VOCAB[k]) problems.push(`defaults: unknown endpoint ${k}`);
      else if (v !== null && !validStep(k, v)) problems.push(`defaults.${k}: unknown step ${JSON.stringify(v)}`);
    }
    const patch = expandSettings(input.settings ?? {});
    for (const k of Object.keys(patch)) {
      const dot = k.indexOf('.');
      const bare = dot > 0 && PROVIDERS.includes(k.slice(0, dot)) ? k.slice(dot + 1) : undefined;
      if (!Object.hasOwn(settings, k) && !(bare && Object.hasOwn(settings, bare))) problems.push(`unknown setting ${k}`);
    }
    if (problems.length) return reply(400, { error: 'bad script', problems });
    if (input.reset) {
      queues.clear();
      defaults.clear();
    }
    for (const [k, v] of Object.entries(input)) {
      if (VOCAB[k]) queues.set(k, [...(queues.get(k) ?? []), ...v]);
    }
    for (const [k, v] of Object.entries(input.defaults ?? {})) {
      if (v === null) defaults.delete(k); else defaults.set(k, v);
    }
    Object.assign(settings, patch);
    audit({ event: 'script', endpoints: Object.keys(input).filter((k) => VOCAB[k]), settings: Object.keys(input.settings ?? {}) });
    return reply(200, publicState());
  }
  if (p === '/__test/seed' && req.method === 'POST') {
    const out = seed(input.provider, input);
    audit({ event: 'seed', provider: input.provider, family: out.family });
    return reply(200, out);
  }
  if (p === '/__test/revoke' && req.method === 'POST') {
    // The provider revokes a family (the user signed out elsewhere, or an admin revoked the grant).
    const fam = families.get(input.family);
    if (!fam) return reply(404, { error: `unknown family ${input.family}` });
    revokeFamily(fam);
    audit({ event: 'revoke', family: fam.id });
    return reply(200, { family: fam.id, revoked: true });
  }
  if (p === '/__test/reset' && req.method === 'POST') {
    // Clears counters and scripts; keeps issued tokens and families (and their revocation).
    for (const k of Object.keys(stats)) stats[k] = typeof stats[k] === 'number' ? 0 : {};
    for (const f of families.values()) Object.assign(f, { refreshes: 0, rotations: 0, reused: 0 });
    queues.clear();
    defaults.clear();
    audit({ event: 'reset' });
    return reply(200, statsView());
  }
  return reply(404, { error: 'not found' });
}

// ---------------------------------------------------------------------------------------------
// Server

const server = http.createServer();
try {
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(intArg('port', 0), '127.0.0.1', resolve);
  });
} catch (err) {
  process.stderr.write(`mock.mjs: cannot listen: ${err.code || err.message}\n`);
  process.exit(1);
}
const port = server.address().port;
const base = `http://127.0.0.1:${port}`;

async function handle(req, res) {
  const url = new URL(req.url, base);
  if (url.pathname.startsWith('/__test/')) {
    await control(req, res, url);
    return;
  }
  const started = Date.now();
  let match;
  const r = routes.find((x) => x.method === req.method && (match = url.pathname.match(x.pattern)));
  if (!r) {
    const known = routes.some((x) => url.pathname.match(x.pattern));
    audit({ event: 'request', method: req.method, path: url.pathname, status: known ? 405 : 404 });
    send(res, json(known ? 405 : 404, { error: known ? 'method_not_allowed' : 'not_found', path: url.pathname }));
    return;
  }
  const body = req.method === 'GET' ? { encoding: 'none', fields: {} } : await readBody(req);
  const f = body.fields;
  const endpoint = typeof r.endpoint === 'function' ? r.endpoint(f, match) : r.endpoint;
  const grantType = typeof f.grant_type === 'string' ? f.grant_type : undefined;
  const entry = {
    event: 'request', endpoint, method: req.method, path: url.pathname, encoding: body.encoding, grant_type: grantType,
    fields: Object.keys(f).sort(), headers: {},
  };
  for (const h of LOGGED_HEADERS) if (typeof req.headers[h] === 'string') entry.headers[h] = req.headers[h].slice(0, 200);
  const auth = req.headers.authorization;
  entry.authorization = typeof auth === 'string' ? `${auth.split(' ')[0]} (len ${auth.length})` : undefined;
  if (typeof f.client_id === 'string') entry.client_id = f.client_id;
  for (const k of Object.keys(f)) if (SECRET_FIELDS.has(k) && typeof f[k] === 'string') entry[`${k}_fp`] = fp(f[k]);
  delete entry.refresh_token_fp; // refresh tokens are logged as presented_refresh_fp by the handlers
  count(endpoint, grantType);
  const ctx = {
    req, url, body, entry,
    step() {
      const s = takeStep(endpoint);
      entry.step = s.name;
      if (s.scripted) entry.scripted = true;
      ctx.lastStep = s;
      return s;
    },
  };
  const run = async () => {
    if (r.token && settings.tokenDelayMs > 0) await sleep(settings.tokenDelayMs);
    // A raw scripted answer ({status, body}) at the head of the queue replaces the endpoint's answer entirely.
    // So does a raw default when the queue is empty (e.g. "this endpoint is down").
    const queue = queues.get(endpoint) ?? [];
    const isRaw = (x) => x && typeof x === 'object' && x.status !== undefined;
    let raw;
    if (isRaw(queue[0])) raw = queue.shift();
    else if (queue.length === 0 && isRaw(defaults.get(endpoint))) raw = defaults.get(endpoint);
    if (raw) {
      entry.step = 'raw';
      entry.scripted = true;
      if (raw.delayMs) await sleep(raw.delayMs);
      return rawAnswer(raw);
    }
    return r.handler(ctx, match);
  };
  let ans;
  try {
    ans = r.token ? await serialized(run) : await run();
  } catch (err) {
    process.stderr.write(`mock.mjs: handler error on ${url.pathname}: ${err.stack || err}\n`);
    ans = json(500, { error: 'server_error', error_description: 'mock handler failed' });
  }
  entry.status = ans.status;
  stats.statuses[endpoint] ??= {};
  stats.statuses[endpoint][ans.status] = (stats.statuses[endpoint][ans.status] ?? 0) + 1;
  if (ans.type === 'json' && ans.body && typeof ans.body === 'object') {
    const e = ans.body.error;
    if (e) entry.error = typeof e === 'string' ? e : (e.code ?? e.status ?? 'error');
    if (ans.body.status && typeof ans.body.status === 'string') entry.answer_status = ans.body.status;
    if (ans.body.base_resp) entry.base_status = ans.body.base_resp.status_code;
  } else if (ans.type === 'form' && ans.body?.error) {
    entry.error = ans.body.error;
  }
  entry.ms = Date.now() - started;
  audit(entry);
  send(res, ans);
}

server.on('request', (req, res) => {
  handle(req, res).catch((err) => {
    const status = err.status ?? 500;
    if (!res.headersSent) send(res, json(status, { error: status === 500 ? 'server_error' : 'bad_request', error_description: err.message }));
  });
});

let closing = false;
function shutdown(reason, code = 0) {
  if (closing) return;
  closing = true;
  process.stderr.write(`mock.mjs: exiting (${reason})\n`);
  server.closeAllConnections?.();
  server.close(() => process.exit(code));
  setTimeout(() => process.exit(code), 500).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGHUP', () => shutdown('SIGHUP'));

// Exit when the parent closes our stdin, but only if stdin is a pipe or socket (not /dev/null).
if (!args['no-stdin-watch']) {
  let watch = false;
  try {
    const st = fs.fstatSync(0);
    watch = st.isFIFO() || st.isSocket();
  } catch { /* no stdin */ }
  if (watch) {
    process.stdin.on('data', () => {});
    process.stdin.on('end', () => shutdown('stdin closed'));
    process.stdin.on('error', () => shutdown('stdin error'));
    process.stdin.resume();
  }
}
if (args['parent-pid']) {
  const ppid = Number(args['parent-pid']);
  setInterval(() => {
    try {
      process.kill(ppid, 0);
    } catch {
      shutdown(`parent ${ppid} gone`);
    }
  }, 1000).unref();
}

const urls = {
  github: `${base}/github`,
  githubApi: `${base}/github-api`,
  copilot: `${base}/copilot`,
  qwen: `${base}/qwen`,
  minimax: `${base}/minimax`,
  minimaxCn: `${base}/minimax-cn`,
  google: `${base}/google`,
  chutes: `${base}/chutes`,
  anthropic: `${base}/anthropic`,
  codex: `${base}/codex`,
};
process.stdout.write(`${JSON.stringify({ port, base, pid: process.pid, urls })}\n`);
