#!/usr/bin/env node
// Fake browser for the Codex OAuth tests: node browser.mjs <authorize-url>
// Signs in on the test provider (server.mjs) over HTTP with a cookie jar, stops at the redirect to
// the loopback callback, then requests the callback like a browser would.
//
// Env:
//   MOLTBOT_TEST_BROWSER_MODE   (unset)|normal  request the callback; exit 0 if it answered 2xx
//                               print          print the callback URL on stdout, do not request it
//                               tamper-state   change state, then request the callback
//                               deny           press "Cancel" on the login page: callback gets
//                                              error=access_denied with the real state
//                               device         the URL is an RFC 8628 verification_uri_complete (server.mjs
//                                              --device-flow): submit the user code, sign in, exit 0 on the
//                                              success page (there is no callback)
//   MOLTBOT_TEST_BROWSER_OUTPUT  file to which the final callback URL is also appended (any mode)
//   MOLTBOT_TEST_BROWSER_PAGE    file to which the callback's answer is written as JSON {status, ms, body}
//                                (ms: from sending the callback request to the end of its answer)
//   MOLTBOT_TEST_LOGIN / MOLTBOT_TEST_PASSWORD  credentials typed into the form (any are accepted)
//   MOLTBOT_TEST_BROWSER_TIMEOUT_MS  overall limit, default 30000
//   MOLTBOT_TEST_BROWSER_VERBOSE=1   trace the visited paths on stderr (no codes or tokens)
// Exit codes: 0 ok; 1 callback answered non-2xx (normal mode); 2 usage; 3 flow failed
// (provider error page, unexpected page, network error); 4 callback not reachable; 5 timeout.
// In deny and tamper-state modes any HTTP answer from the callback is exit 0 (its status goes to stderr).

import * as fs from 'node:fs';

const env = process.env;
const MODE = (env.MOLTBOT_TEST_BROWSER_MODE || 'normal').toLowerCase();
const MODES = new Set(['normal', 'print', 'tamper-state', 'deny', 'device']);
const LOGIN = env.MOLTBOT_TEST_LOGIN || 'tester';
const PASSWORD = env.MOLTBOT_TEST_PASSWORD || 'password';
const TIMEOUT_MS = Number(env.MOLTBOT_TEST_BROWSER_TIMEOUT_MS) || 30000;
const VERBOSE = env.MOLTBOT_TEST_BROWSER_VERBOSE === '1';

function fail(code, msg) {
  process.stderr.write(`browser.mjs: ${msg}\n`);
  process.exit(code);
}
function trace(msg) {
  if (VERBOSE) process.stderr.write(`browser.mjs: ${msg}\n`);
}
// Never show codes, tokens or state values in diagnostics.
function redact(u) {
  try {
    const url = new URL(u);
    for (const k of [...url.searchParams.keys()]) {
      if (['code', 'state', 'code_challenge', 'access_token', 'refresh_token', 'id_token'].includes(k)) {
        url.searchParams.set(k, '…');
      }
    }
    return url.href;
  } catch {
    return '(unparsable url)';
  }
}

if (!MODES.has(MODE)) fail(2, `unknown MOLTBOT_TEST_BROWSER_MODE=${MODE}`);

// Accept `browser.mjs URL`, `browser.mjs -- URL`, and wrapper styles that pass extra words
// (e.g. `--new-window URL`): the URL is the last argument that parses as http(s).
const candidates = process.argv.slice(2).filter((a) => /^https?:\/\//i.test(a));
if (candidates.length === 0) fail(2, 'usage: node browser.mjs <authorize-url>');
const startUrl = candidates[candidates.length - 1];

let start;
try {
  start = new URL(startUrl);
} catch {
  fail(2, 'the argument is not a URL');
}
const redirectUriParam = start.searchParams.get('redirect_uri');
let redirectTarget;
if (redirectUriParam) {
  try {
    const r = new URL(redirectUriParam);
    redirectTarget = `${r.origin}${r.pathname}`;
  } catch { /* fall back to "left the provider's origin" */ }
}

const timer = setTimeout(() => fail(5, `timed out after ${TIMEOUT_MS} ms`), TIMEOUT_MS);

// --- cookie jar (name + domain + path, expiry honoured) ---
const jar = new Map();
function storeCookies(url, res) {
  const list = typeof res.headers.getSetCookie === 'function' ? res.headers.getSetCookie() : [];
  for (const line of list) {
    const [pair, ...attrs] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq < 1) continue;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    let path = '/';
    let expired = false;
    for (const a of attrs) {
      const [k, v = ''] = a.split('=');
      const key = k.trim().toLowerCase();
      if (key === 'path' && v.trim().startsWith('/')) path = v.trim();
      if (key === 'expires' && Date.parse(v.trim()) <= Date.now()) expired = true;
      if (key === 'max-age' && Number(v.trim()) <= 0) expired = true;
    }
    const id = `${url.hostname}|${path}|${name}`;
    if (expired) jar.delete(id);
    else jar.set(id, { host: url.hostname, path, name, value });
  }
}
function cookieHeader(url) {
  const matches = [...jar.values()].filter((c) => c.host === url.hostname
    && (url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`)));
  matches.sort((a, b) => b.path.length - a.path.length);
  return matches.map((c) => `${c.name}=${c.value}`).join('; ');
}

async function request(url, { method = 'GET', form } = {}) {
  const headers = { 'user-agent': 'moltbot-test-browser/1', accept: 'text/html,*/*' };
  const cookies = cookieHeader(url);
  if (cookies) headers.cookie = cookies;
  let body;
  if (form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(form).toString();
  }
  trace(`${method} ${redact(url.href)}`);
  const res = await fetch(url, { method, headers, body, redirect: 'manual' });
  storeCookies(url, res);
  return res;
}

// --- tiny HTML helpers, enough for oidc-provider's devInteractions pages ---
function decodeEntities(s) {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (m, e) => {
    const k = e.toLowerCase();
    if (k === 'amp') return '&';
    if (k === 'lt') return '<';
    if (k === 'gt') return '>';
    if (k === 'quot') return '"';
    if (k === 'apos') return "'";
    if (k.startsWith('#x')) return String.fromCodePoint(parseInt(k.slice(2), 16));
    return String.fromCodePoint(parseInt(k.slice(1), 10));
  });
}
function attr(tag, name) {
  const m = tag.match(new RegExp(`\\s${name}\\s*=\\s*("([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i'));
  if (!m) return undefined;
  return decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
}
function parseForms(html) {
  const forms = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const fields = {};
    for (const i of m[2].matchAll(/<input\b[^>]*>/gi)) {
      const name = attr(i[0], 'name');
      if (name) fields[name] = attr(i[0], 'value') ?? '';
    }
    forms.push({
      action: attr(`<form${m[1]}>`, 'action'),
      method: (attr(`<form${m[1]}>`, 'method') || 'GET').toUpperCase(),
      fields,
    });
  }
  return forms;
}
function errorSummary(html) {
  const text = html.replace(/<style[\s\S]*?<\/style>/gi, '').replace(/<[^>]+>/g, ' ');
  return decodeEntities(text).replace(/\s+/g, ' ').trim().slice(0, 400);
}

function isCallback(url) {
  if (MODE === 'device') return false;
  if (redirectTarget) return `${url.origin}${url.pathname}` === redirectTarget;
  return url.origin !== start.origin;
}

async function signIn() {
  let url = start;
  let res = await request(url);
  for (let step = 0; step < 20; step += 1) {
    if (res.status >= 300 && res.status < 400) {
      const loc = res.headers.get('location');
      if (!loc) fail(3, `redirect ${res.status} without Location from ${redact(url.href)}`);
      const next = new URL(loc, url);
      if (isCallback(next)) return next;
      url = next;
      res = await request(url);
      continue;
    }
    const html = await res.text();
    if (res.status !== 200) fail(3, `provider answered ${res.status} at ${redact(url.href)}: ${errorSummary(html)}`);
    const forms = parseForms(html);
    if (MODE === 'device') {
      // The user-code forms (input, auto-submit, confirm) carry an xsrf field; the success page has no form.
      const deviceForm = forms.find((f) => 'xsrf' in f.fields);
      if (deviceForm) {
        trace('device form');
        url = new URL(deviceForm.action || url.href, url);
        res = await request(url, { method: 'POST', form: deviceForm.fields });
        continue;
      }
      if (forms.length === 0) return undefined;
    }
    const form = forms.find((f) => f.fields.prompt === 'login' || f.fields.prompt === 'consent');
    if (!form) fail(3, `unexpected page at ${redact(url.href)}: ${errorSummary(html)}`);

    if (MODE === 'deny') {
      const abort = [...html.matchAll(/<a\b[^>]*>/gi)].map((a) => attr(a[0], 'href')).find((h) => h && /\/abort(\?|$)/.test(h));
      if (!abort) fail(3, 'no Cancel link on the provider page');
      url = new URL(abort, url);
      res = await request(url);
      continue;
    }

    trace(`page with form prompt=${form.fields.prompt}`);
    const fields = { ...form.fields };
    if (fields.prompt === 'login') {
      fields.login = LOGIN;
      fields.password = PASSWORD;
    }
    url = new URL(form.action || url.href, url);
    res = await request(url, { method: form.method === 'POST' ? 'POST' : 'GET', form: fields });
  }
  fail(3, 'too many steps before reaching the callback');
  return undefined;
}

let callback;
try {
  callback = await signIn();
} catch (err) {
  fail(3, `sign-in failed: ${err.cause?.code || err.message}`);
}
if (MODE === 'device') {
  trace('device approved');
  clearTimeout(timer);
  process.exit(0);
}

if (MODE === 'tamper-state') {
  const s = callback.searchParams.get('state');
  if (s) {
    const last = s.slice(-1);
    callback.searchParams.set('state', s.slice(0, -1) + (last === '0' ? '1' : '0'));
  } else {
    callback.searchParams.set('state', 'tampered');
  }
}

if (env.MOLTBOT_TEST_BROWSER_OUTPUT) {
  fs.appendFileSync(env.MOLTBOT_TEST_BROWSER_OUTPUT, `${callback.href}\n`);
}
if (MODE === 'print') {
  process.stdout.write(`${callback.href}\n`);
  clearTimeout(timer);
  process.exit(0);
}

let cbRes;
try {
  const sent = Date.now();
  cbRes = await fetch(callback, { redirect: 'manual', headers: { 'user-agent': 'moltbot-test-browser/1', accept: 'text/html,*/*' } });
  const page = await cbRes.text();
  if (env.MOLTBOT_TEST_BROWSER_PAGE) {
    fs.writeFileSync(env.MOLTBOT_TEST_BROWSER_PAGE, JSON.stringify({ status: cbRes.status, ms: Date.now() - sent, body: page }));
  }
} catch (err) {
  fail(4, `callback ${redact(callback.href)} not reachable: ${err.cause?.code || err.message}`);
}
clearTimeout(timer);
trace(`callback answered ${cbRes.status}`);
if (cbRes.status >= 200 && cbRes.status < 300) process.exit(0);
if (MODE === 'deny' || MODE === 'tamper-state') {
  process.stderr.write(`browser.mjs: callback answered ${cbRes.status}\n`);
  process.exit(0);
}
fail(1, `callback answered ${cbRes.status}`);
