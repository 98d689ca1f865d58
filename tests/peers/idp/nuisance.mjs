#!/usr/bin/env node
// A hostile or broken local client of the loopback callback, for the Connect-MoltbotProvider tests:
//   node nuisance.mjs trickle <port> <path>   two connections that trickle 1 byte every 0.8 s: a POST with
//                                             Content-Length 100000 and a body that never ends, and a GET whose
//                                             head never ends. Each stops when the server closes it.
//   node nuisance.mjs flood <port> <path> N   N GET requests with a forged state, one after the other.
// Writes one JSON line per connection to MOLTBOT_TEST_NUISANCE_LOG (what came back, and when the server closed it).
// Exits when every connection is closed, or after MOLTBOT_TEST_NUISANCE_MS (default 40000).
import * as fs from 'node:fs';
import * as net from 'node:net';

const [mode, port, path, count] = process.argv.slice(2);
const log = process.env.MOLTBOT_TEST_NUISANCE_LOG;
const limit = Number(process.env.MOLTBOT_TEST_NUISANCE_MS) || 40000;
const started = Date.now();
setTimeout(() => process.exit(0), limit).unref();

function record(entry) {
  if (log) fs.appendFileSync(log, `${JSON.stringify({ ...entry, ms: Date.now() - started })}\n`);
}

function connection(name, head, trickle) {
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    let answer = '';
    let timer;
    socket.on('connect', () => {
      socket.write(head);
      if (trickle) timer = setInterval(() => socket.write('a'), 800);
    });
    socket.on('data', (d) => { answer += d.toString('latin1'); });
    const done = (how) => {
      clearInterval(timer);
      record({ name, how, status: answer.slice(0, 12) });
      resolve();
    };
    socket.on('close', () => done('closed'));
    socket.on('error', () => {});
  });
}

const host = `Host: localhost:${port}\r\n`;
if (mode === 'trickle') {
  await Promise.all([
    connection('post-body', `POST ${path}?code=x&state=forged HTTP/1.1\r\n${host}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n`, true),
    connection('endless-head', `GET ${path}?code=x&state=forged HTTP/1.1\r\n${host}X-Slow: `, true),
  ]);
} else if (mode === 'flood') {
  for (let i = 0; i < Number(count); i += 1) {
    await connection(`flood-${i}`, `GET ${path}?code=x&state=forged-${i} HTTP/1.1\r\n${host}Connection: close\r\n\r\n`, false);
  }
} else {
  process.stderr.write('usage: node nuisance.mjs trickle|flood <port> <path> [N]\n');
  process.exit(2);
}
process.exit(0);
