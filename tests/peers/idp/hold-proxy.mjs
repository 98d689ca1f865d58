#!/usr/bin/env node
// A loopback proxy that forwards each request to --target at once (so the IdP processes it: a refresh token is rotated)
// and then holds the answer for --hold-ms before passing it on: a slow network after the request was sent.
// Test use only (issue 12, finding 2: Ctrl+C during a refresh).
//
// stdout: one JSON line when ready, {"url":"http://127.0.0.1:PORT","port":PORT,"pid":N}, then one line per request:
//   {"event":"answered","seq":N,"path":"/oauth/token","status":200}   the target answered (the answer is now held)
//   {"event":"delivered","seq":N}                                     the held answer was passed on
//   {"event":"client-gone","seq":N}                                   the client hung up while the answer was held: it is lost
// No request or response body is ever printed (they carry tokens).
// Stops on SIGTERM/SIGINT, when stdin (a pipe) closes, or once --parent-pid is gone.

import * as fs from 'node:fs';
import * as http from 'node:http';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    target: { type: 'string' },
    'hold-ms': { type: 'string', default: '4000' },
    'parent-pid': { type: 'string' },
  },
  strict: true,
});
if (!args.target) {
  process.stderr.write('usage: node hold-proxy.mjs --target http://127.0.0.1:PORT [--hold-ms N] [--parent-pid P]\n');
  process.exit(2);
}
const target = new URL(args.target);
const holdMs = Number(args['hold-ms']);
let seq = 0;
const emit = (o) => process.stdout.write(JSON.stringify(o) + '\n');

const server = http.createServer((req, res) => {
  const n = ++seq;
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const headers = { ...req.headers, host: target.host, 'content-length': String(body.length) };
    const up = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers }, (ur) => {
      const answer = [];
      ur.on('data', (c) => answer.push(c));
      ur.on('end', () => {
        emit({ event: 'answered', seq: n, path: req.url.split('?')[0], status: ur.statusCode });
        let gone = false;
        res.on('close', () => {
          if (!res.writableFinished && !gone) {
            gone = true;
            emit({ event: 'client-gone', seq: n });
          }
        });
        setTimeout(() => {
          if (gone || res.destroyed) {
            if (!gone) emit({ event: 'client-gone', seq: n });
            return;
          }
          const out = { ...ur.headers };
          delete out['transfer-encoding'];
          out['content-length'] = String(Buffer.concat(answer).length);
          res.writeHead(ur.statusCode, out);
          res.end(Buffer.concat(answer), () => emit({ event: 'delivered', seq: n }));
        }, holdMs);
      });
    });
    up.on('error', (e) => {
      process.stderr.write(`hold-proxy: upstream error: ${e.message}\n`);
      res.writeHead(502).end();
    });
    up.end(body);
  });
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  emit({ url: `http://127.0.0.1:${port}`, port, pid: process.pid });
});

function stop() {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 500).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// Like server.mjs: a closed stdin stops the proxy only when stdin is a pipe or a socket (not /dev/null).
const stdin = fs.fstatSync(0);
if (stdin.isFIFO() || stdin.isSocket()) {
  process.stdin.on('end', stop);
  process.stdin.resume();
}
if (args['parent-pid']) {
  const parent = Number(args['parent-pid']);
  setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch {
      stop();
    }
  }, 1000).unref();
}
