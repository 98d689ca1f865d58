#!/usr/bin/env node
// Test identity provider that mimics auth.openai.com for the Codex (ChatGPT) OAuth flow.
// Built on oidc-provider 9.x, plain HTTP on 127.0.0.1. Test use only.
//
// stdout: exactly one line of JSON when ready: {"issuer":"http://127.0.0.1:PORT","pid":N,...}
// stderr: everything else (oidc-provider notices and warnings included).
// See README.md beside this file for the options.

import { Buffer } from 'node:buffer';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as querystring from 'node:querystring';
import { parseArgs } from 'node:util';

// oidc-provider prints its NOTICEs with console.info (stdout). Keep stdout for the ready line only.
console.log = console.error;
console.info = console.error;
console.debug = console.error;
const originalWarn = console.warn.bind(console);
console.warn = (...args) => {
  // We feed the token endpoint a body we already read ourselves (see tokenMiddleware); that is
  // intentional, so drop oidc-provider's one-time notice about it.
  if (typeof args[0] === 'string' && args[0].includes('already parsed request body detected')) return;
  originalWarn(...args);
};

const { default: Provider, errors, interactionPolicy } = await import('oidc-provider');

const CLIENT_ID = 'app_EMoamEEZ73f0CkXaXp7hrann';
const DEFAULT_REDIRECT = 'http://localhost:1455/auth/callback';
const RESOURCE = 'https://api.openai.com/v1';
const SCOPES = ['openid', 'profile', 'email', 'offline_access'];
const CODEX_PARAMS = ['id_token_add_organizations', 'codex_cli_simplified_flow', 'originator'];
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

function usage(msg) {
  if (msg) process.stderr.write(`server.mjs: ${msg}\n`);
  process.stderr.write(`usage: node server.mjs [--port N] [--redirect-uri URI]... [--exact-redirect]
  [--account-id UUID] [--plan-type plus] [--email-domain example.com] [--access-ttl S] [--refresh-ttl S]
  [--log PATH] [--refuse-codes] [--refuse-refresh] [--token-delay-ms N] [--omit-account-id]
  [--device-flow] [--accept-json] [--no-control] [--no-stdin-watch] [--parent-pid PID]\n`);
  process.exit(2);
}

let args;
try {
  ({ values: args } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      'redirect-uri': { type: 'string', multiple: true, default: [] },
      'exact-redirect': { type: 'boolean', default: false },
      'account-id': { type: 'string', default: '3f2c9a4e-7b1d-4c55-9e0a-2d8f6b1c7a90' },
      'plan-type': { type: 'string', default: 'plus' },
      'email-domain': { type: 'string', default: 'example.com' },
      'access-ttl': { type: 'string', default: '3600' },
      'refresh-ttl': { type: 'string', default: String(14 * 24 * 3600) },
      log: { type: 'string' },
      'refuse-codes': { type: 'boolean', default: false },
      'refuse-refresh': { type: 'boolean', default: false },
      'token-delay-ms': { type: 'string', default: '0' },
      'omit-account-id': { type: 'boolean', default: false },
      'device-flow': { type: 'boolean', default: false },
      'accept-json': { type: 'boolean', default: false },
      'no-control': { type: 'boolean', default: false },
      'no-stdin-watch': { type: 'boolean', default: false },
      'parent-pid': { type: 'string' },
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

const port = intArg('port', 0);
const redirectUris = [...new Set([DEFAULT_REDIRECT, ...args['redirect-uri']])];
for (const uri of redirectUris) {
  if (!URL.canParse(uri)) usage(`bad --redirect-uri ${uri}`);
}

// Mutable at run time through POST /__test/mode (see README).
const mode = {
  accessTtl: intArg('access-ttl', 1),
  refreshTtl: intArg('refresh-ttl', 1),
  accountId: args['account-id'],
  planType: args['plan-type'],
  emailDomain: args['email-domain'],
  omitAccountId: args['omit-account-id'],
  refuseCodes: args['refuse-codes'],
  refuseRefresh: args['refuse-refresh'],
  tokenDelayMs: intArg('token-delay-ms', 0),
  // The real Codex CLI posts its refresh as JSON; with acceptJson the token endpoint turns such a body into the form
  // oidc-provider reads (see README).
  acceptJson: args['accept-json'],
  // Queue of one-shot injected failures for the token endpoint, see README.
  failNext: [],
};
const MODE_KEYS = {
  accessTtl: 'posint', refreshTtl: 'posint', accountId: 'string', planType: 'string', emailDomain: 'string',
  omitAccountId: 'boolean', refuseCodes: 'boolean', refuseRefresh: 'boolean', tokenDelayMs: 'nonnegint', acceptJson: 'boolean',
  failNext: 'array',
};

const logPath = args.log;
let seq = 0;
function audit(entry) {
  if (!logPath) return;
  const line = JSON.stringify({ ts: new Date().toISOString(), seq: ++seq, ...entry });
  try {
    fs.appendFileSync(logPath, `${line}\n`);
  } catch (err) {
    process.stderr.write(`server.mjs: cannot write log ${logPath}: ${err.message}\n`);
  }
}

// A short fingerprint lets tests correlate tokens with log lines without the log holding tokens.
const fp = (value) => (typeof value === 'string' && value
  ? crypto.createHash('sha256').update(value).digest('hex').slice(0, 12)
  : undefined);

function emailFor(accountId) {
  return accountId.includes('@') ? accountId.toLowerCase() : `${accountId.toLowerCase()}@${mode.emailDomain}`;
}
function userIdFor(accountId) {
  return `user-${crypto.createHash('sha256').update(accountId).digest('base64url').slice(0, 24)}`;
}

const server = http.createServer();
try {
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
} catch (err) {
  process.stderr.write(`server.mjs: cannot listen on 127.0.0.1:${port}: ${err.code || err.message}\n`);
  process.exit(1);
}
const actualPort = server.address().port;
const issuer = `http://127.0.0.1:${actualPort}`;

const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingJwk = { ...privateKey.export({ format: 'jwk' }), kid: 'idp-test-rs256', use: 'sig', alg: 'RS256' };

function resourceServerInfo() {
  return {
    scope: SCOPES.join(' '),
    audience: RESOURCE,
    accessTokenTTL: mode.accessTtl,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: 'RS256' } },
  };
}

// oidc-provider forces a consent screen on every authorization by a 'native' client
// (check native_client_prompt). auth.openai.com shows none, so drop that check; the remaining
// consent checks are satisfied by loadExistingGrant below, so only the login form is shown.
const policy = interactionPolicy.base();
policy.get('consent').checks.remove('native_client_prompt');

const configuration = {
  clients: [{
    client_id: CLIENT_ID,
    client_name: 'Codex CLI (test)',
    // 'native' follows RFC 8252: a loopback redirect URI matches on any port.
    application_type: args['exact-redirect'] ? 'web' : 'native',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token', ...(args['device-flow'] ? [DEVICE_GRANT] : [])],
    response_types: ['code'],
    redirect_uris: redirectUris,
  }],
  routes: {
    authorization: '/oauth/authorize',
    token: '/oauth/token',
    // RFC 8628 (--device-flow): the device authorization endpoint and the page the user opens.
    device_authorization: '/oauth/device/code',
    code_verification: '/oauth/device',
    // RFC 7009 token revocation, where the real Codex CLI revokes on logout (auth.openai.com/oauth/revoke).
    revocation: '/oauth/revoke',
  },
  scopes: SCOPES,
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
  },
  extraParams: CODEX_PARAMS,
  pkce: { required: () => true },
  rotateRefreshToken: true,
  // oidc-provider drops offline_access from an authorization request that has no prompt=consent
  // (OIDC Core 11), and the Codex flow sends no prompt. auth.openai.com issues a refresh token
  // anyway, so do the same for every client allowed the refresh_token grant.
  issueRefreshToken: (ctx, client) => client.grantTypeAllowed('refresh_token'),
  // ...and keep those refresh tokens alive after the browser session ends.
  expiresWithSession: () => false,
  jwks: { keys: [signingJwk] },
  cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
  interactions: { policy },
  features: {
    devInteractions: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resourceIndicator) => {
        if (resourceIndicator !== RESOURCE) throw new errors.InvalidTarget();
        return resourceServerInfo();
      },
    },
    revocation: { enabled: true },
    // Opt-in RFC 8628 device authorization grant (standard JSON answers: authorization_pending,
    // slow_down, expired_token, access_denied as HTTP 400). PKCE applies to the authorize endpoint only.
    deviceFlow: { enabled: args['device-flow'], charset: 'base-20', mask: '****-****' },
  },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          sub: id, email: emailFor(id), email_verified: true, name: id, preferred_username: id,
        };
      },
    };
  },
  // Skip consent: every signed-in user has granted everything the client asked for.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    let grant = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
    if (!grant) {
      grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
    }
    grant.addOIDCScope(SCOPES.join(' '));
    grant.addResourceScope(RESOURCE, SCOPES.join(' '));
    await grant.save();
    return grant;
  },
  async extraTokenClaims(ctx, token) {
    if (token.kind !== 'AccessToken') return undefined;
    const auth = {
      chatgpt_plan_type: mode.planType,
      chatgpt_user_id: userIdFor(token.accountId),
    };
    if (!mode.omitAccountId) auth.chatgpt_account_id = mode.accountId;
    return {
      'https://api.openai.com/auth': auth,
      'https://api.openai.com/profile': { email: emailFor(token.accountId), email_verified: true },
    };
  },
  ttl: {
    AccessToken: (ctx, token) => token.resourceServer?.accessTokenTTL || mode.accessTtl,
    AuthorizationCode: 60,
    IdToken: 3600,
    RefreshToken: () => mode.refreshTtl,
    Grant: () => Math.max(mode.refreshTtl, 3600),
    Session: 24 * 3600,
    Interaction: 3600,
  },
  renderError(ctx, out) {
    ctx.type = 'html';
    const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    ctx.body = `<!DOCTYPE html><html><head><title>oops! something went wrong</title></head><body>`
      + `<h1>oops! something went wrong</h1>${Object.entries(out).map(([k, v]) => `<pre><strong>${esc(k)}</strong>: ${esc(v)}</pre>`).join('')}</body></html>`;
  },
};

const provider = new Provider(issuer, configuration);

// Details behind a generic invalid_grant ("refresh token already used", ...) for the audit log.
provider.on('grant.error', (ctx, err) => {
  ctx.state.grantError = err;
});
provider.on('grant.revoked', (ctx) => {
  ctx.state.grantRevoked = true;
});
// Outcome of an authorization request (on /oauth/authorize or on the /auth/:uid resume after sign-in).
provider.on('authorization.success', (ctx, out) => {
  audit({
    event: 'authorization_result',
    result: out?.code ? 'code' : 'other',
    redirect_uri: ctx.oidc?.params?.redirect_uri,
    account: ctx.oidc?.session?.accountId,
  });
});
provider.on('authorization.error', (ctx, err) => {
  audit({
    event: 'authorization_result',
    result: 'error',
    error: err.error,
    error_description: err.error_description,
    redirect_uri: typeof ctx.oidc?.params?.redirect_uri === 'string' ? ctx.oidc.params.redirect_uri : undefined,
  });
});
provider.on('server_error', (ctx, err) => {
  process.stderr.write(`server.mjs: server_error: ${err?.stack || err}\n`);
});

const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });

// Token requests are processed one at a time, so that two clients presenting the same refresh
// token always end as "first one rotates, second one is reuse" (as with an atomic store).
let tokenQueue = Promise.resolve();
function serialized(fn) {
  const run = tokenQueue.then(fn, fn);
  tokenQueue = run.then(() => {}, () => {});
  return run;
}

async function readRawBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 56 * 1024) throw new Error('request entity too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function takeInjectedFailure(grantType, phase) {
  const idx = mode.failNext.findIndex((r) => (r.phase ?? 'before') === phase
    && (!r.grant_type || r.grant_type === grantType));
  if (idx === -1) return undefined;
  return mode.failNext.splice(idx, 1)[0];
}

function applyInjected(ctx, rule) {
  ctx.status = rule.status ?? 500;
  if (rule.body === undefined) {
    ctx.body = { error: 'server_error', error_description: 'injected failure' };
  } else {
    ctx.body = rule.body;
  }
  ctx.set('Cache-Control', 'no-store');
}

// Audit log + test switches for the token endpoint.
provider.use(async (ctx, next) => {
  if (ctx.path === '/oauth/authorize' && ctx.method === 'GET') {
    const q = ctx.query;
    audit({
      event: 'authorize',
      client_id: q.client_id,
      response_type: q.response_type,
      redirect_uri: q.redirect_uri,
      scope: q.scope,
      code_challenge_method: q.code_challenge_method,
      has_code_challenge: !!q.code_challenge,
      state_length: typeof q.state === 'string' ? q.state.length : 0,
      id_token_add_organizations: q.id_token_add_organizations,
      codex_cli_simplified_flow: q.codex_cli_simplified_flow,
      originator: q.originator,
    });
    await next();
    return;
  }
  if (ctx.path !== '/oauth/token' || ctx.method !== 'POST') {
    await next();
    return;
  }

  const started = Date.now();
  let raw = '';
  try {
    raw = await readRawBody(ctx.req);
  } catch (err) {
    ctx.status = 400;
    ctx.body = { error: 'invalid_request', error_description: err.message };
    return;
  }
  let bodyFormat = ctx.is('application/x-www-form-urlencoded') ? 'form' : 'other';
  if (mode.acceptJson && ctx.is('application/json')) {
    // A JSON object of strings becomes the equivalent form (other members are dropped); anything else stays as it
    // is and gets oidc-provider's 400 invalid_request.
    try {
      const obj = JSON.parse(raw);
      if (obj && typeof obj === 'object' && !Array.isArray(obj)) {
        const fields = Object.fromEntries(Object.entries(obj).filter(([, v]) => typeof v === 'string'));
        raw = querystring.stringify(fields);
        ctx.req.headers['content-type'] = 'application/x-www-form-urlencoded';
        // type-is counts a request without content-length (or chunked transfer) as bodiless.
        ctx.req.headers['content-length'] = String(Buffer.byteLength(raw));
        delete ctx.req.headers['transfer-encoding'];
        bodyFormat = 'json';
      }
    } catch { /* not JSON: left as it is */ }
  }
  // oidc-provider reads an already-read body from req.body.
  ctx.req.body = raw;
  const form = bodyFormat !== 'other' ? querystring.parse(raw) : {};
  const grantType = typeof form.grant_type === 'string' ? form.grant_type : undefined;
  const entry = {
    event: 'token',
    grant_type: grantType,
    client_id: typeof form.client_id === 'string' ? form.client_id : undefined,
    body_format: bodyFormat,
  };
  if (grantType === 'refresh_token') {
    entry.presented_refresh_token_fp = fp(form.refresh_token);
    if (typeof form.refresh_reason === 'string') entry.refresh_reason = form.refresh_reason;
  }
  if (grantType === 'authorization_code') {
    entry.has_code_verifier = typeof form.code_verifier === 'string' && form.code_verifier.length > 0;
    entry.redirect_uri = form.redirect_uri;
  }

  if (mode.tokenDelayMs > 0) await sleep(mode.tokenDelayMs);

  await serialized(async () => {
    const injected = takeInjectedFailure(grantType, 'before');
    if (injected) {
      applyInjected(ctx, injected);
      entry.injected = 'before';
    } else if ((mode.refuseCodes && grantType === 'authorization_code')
      || (mode.refuseRefresh && grantType === 'refresh_token')) {
      ctx.status = 400;
      ctx.body = { error: 'invalid_grant', error_description: 'grant request is invalid' };
      ctx.set('Cache-Control', 'no-store');
      entry.refused = true;
    } else {
      await next();
      const after = takeInjectedFailure(grantType, 'after');
      if (after) {
        // The request was processed (a refresh token was rotated) but the client never sees it.
        if (ctx.status === 200 && ctx.body?.refresh_token) entry.lost_refresh_token_fp = fp(ctx.body.refresh_token);
        applyInjected(ctx, after);
        entry.injected = 'after';
      }
    }
  });

  entry.status = ctx.status;
  const body = ctx.body && typeof ctx.body === 'object' ? ctx.body : {};
  if (ctx.status >= 400) {
    entry.error = typeof body.error === 'string' ? body.error : (body.error?.code ?? undefined);
    const detail = ctx.state.grantError?.error_detail;
    if (detail) entry.error_detail = detail;
  } else {
    entry.expires_in = body.expires_in;
    entry.has_refresh_token = typeof body.refresh_token === 'string';
    entry.has_id_token = typeof body.id_token === 'string';
    if (body.refresh_token) entry.issued_refresh_token_fp = fp(body.refresh_token);
    const rotated = ctx.oidc?.entities?.RotatedRefreshToken;
    if (rotated) entry.rotation = (ctx.oidc.entities.RefreshToken?.rotations) ?? undefined;
  }
  if (ctx.state.grantRevoked) entry.grant_revoked = true;
  entry.ms = Date.now() - started;
  audit(entry);
});

const oidcCallback = provider.callback();

function sendJson(res, status, obj) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(`${JSON.stringify(obj)}\n`);
}

async function control(req, res) {
  const url = new URL(req.url, issuer);
  if (url.pathname.startsWith('/__test/unauthorized/')) {
    // A resource server that rejects every access token (a model API answering 401): the real Codex CLI, pointed here,
    // refreshes its credential. Counted in the audit log.
    audit({ event: 'unauthorized', method: req.method, path: url.pathname.slice('/__test/unauthorized'.length) });
    await readRawBody(req).catch(() => '');
    sendJson(res, 401, { error: { message: 'Your access token was rejected (test).', type: 'invalid_request_error', code: 'invalid_api_key' } });
    return;
  }
  if (url.pathname === '/__test/mode' && req.method === 'GET') {
    sendJson(res, 200, mode);
    return;
  }
  if (url.pathname === '/__test/mode' && req.method === 'POST') {
    let patch;
    try {
      patch = JSON.parse(await readRawBody(req) || '{}');
    } catch (err) {
      sendJson(res, 400, { error: `bad JSON: ${err.message}` });
      return;
    }
    for (const [k, v] of Object.entries(patch ?? {})) {
      const kind = MODE_KEYS[k];
      const ok = (kind === 'posint' && Number.isInteger(v) && v >= 1)
        || (kind === 'nonnegint' && Number.isInteger(v) && v >= 0)
        || (kind === 'string' && typeof v === 'string' && v.length > 0)
        || (kind === 'boolean' && typeof v === 'boolean')
        || (kind === 'array' && Array.isArray(v));
      if (!ok) {
        sendJson(res, 400, { error: `bad value for ${k}` });
        return;
      }
    }
    Object.assign(mode, patch);
    audit({ event: 'mode', keys: Object.keys(patch ?? {}) });
    sendJson(res, 200, mode);
    return;
  }
  sendJson(res, 404, { error: 'not found' });
}

server.on('request', (req, res) => {
  if (!args['no-control'] && req.url.startsWith('/__test/')) {
    control(req, res).catch((err) => sendJson(res, 500, { error: err.message }));
    return;
  }
  oidcCallback(req, res);
});

let closing = false;
function shutdown(reason, code = 0) {
  if (closing) return;
  closing = true;
  process.stderr.write(`server.mjs: exiting (${reason})\n`);
  server.closeAllConnections?.();
  server.close(() => process.exit(code));
  setTimeout(() => process.exit(code), 500).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGHUP', () => shutdown('SIGHUP'));

// Exit when the parent closes our stdin, but only if stdin is a pipe or socket: a stdin of
// /dev/null (CI, `&` in a shell) reads EOF at once and must not stop the server.
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

process.stdout.write(`${JSON.stringify({
  issuer,
  pid: process.pid,
  port: actualPort,
  client_id: CLIENT_ID,
  authorization_endpoint: `${issuer}/oauth/authorize`,
  token_endpoint: `${issuer}/oauth/token`,
  revocation_endpoint: `${issuer}/oauth/revoke`,
  ...(args['device-flow'] ? {
    device_authorization_endpoint: `${issuer}/oauth/device/code`,
    verification_uri: `${issuer}/oauth/device`,
  } : {}),
  account_id: mode.accountId,
  redirect_uris: redirectUris,
})}\n`);
