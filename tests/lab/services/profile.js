// SPDX-License-Identifier: BSD-3-Clause
// The profile service of the demo and the HTTP tests: one instance, on
// Node.js's own http module (Debian's nodejs).
//
//   node profile.js NAME ADDRESS PORT
//
// HTTP/1.1 with keep-alive. Every response carries X-Instance: NAME and
// X-Service: profile. The same routes as login.py, under /profile:
//   GET  /healthz           200 "ok"
//   GET  /profile[...]      200, a small JSON body naming the instance
//   POST /profile[...]      200, {"bytes": N, "sha256": ...} of the body
//   GET  ...?bytes=N        a body of N bytes (a repeating pattern)
//   GET  ...?chunks=N       the JSON body in N chunks (Transfer-Encoding: chunked)
//   ...?delay_ms=N          the response waits N ms first
//   anything else           404
'use strict';

const crypto = require('crypto');
const http = require('http');

const SERVICE = 'profile';
const PATTERN = Buffer.alloc(65536, 0).map((_, i) => i & 0xff);

if (process.argv.length !== 5) {
  console.error('usage: node profile.js NAME ADDRESS PORT');
  process.exit(2);
}
const [name, addr, port] = process.argv.slice(2);

function reply(req, res, status, body, type) {
  res.writeHead(status, {
    'X-Instance': name,
    'X-Service': SERVICE,
    'Content-Type': type || 'application/json',
    'Content-Length': body.length,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function route(req, res) {
  const url = new URL(req.url, 'http://x');
  const path = url.pathname;
  if (path === '/healthz') return reply(req, res, 200, Buffer.from('ok\n'), 'text/plain');
  if (path !== '/' + SERVICE && !path.startsWith('/' + SERVICE + '/'))
    return reply(req, res, 404, Buffer.from('not here\n'), 'text/plain');
  if (req.method === 'POST') {
    const h = crypto.createHash('sha256');
    let n = 0;
    req.on('data', (c) => { h.update(c); n += c.length; });
    req.on('end', () => reply(req, res, 200,
      Buffer.from(JSON.stringify({ bytes: n, sha256: h.digest('hex') }))));
    return;
  }
  req.resume();
  const bytes = url.searchParams.get('bytes');
  if (bytes !== null) {
    const n = parseInt(bytes, 10);
    const body = Buffer.alloc(n);
    for (let o = 0; o < n; o += PATTERN.length) PATTERN.copy(body, o, 0, Math.min(PATTERN.length, n - o));
    return reply(req, res, 200, body, 'application/octet-stream');
  }
  const doc = Buffer.from(JSON.stringify({ service: SERVICE, instance: name, path }) + '\n');
  const chunks = url.searchParams.get('chunks');
  if (chunks !== null) {
    const k = Math.max(1, parseInt(chunks, 10));
    const step = Math.ceil(doc.length / k);
    res.writeHead(200, { 'X-Instance': name, 'X-Service': SERVICE, 'Content-Type': 'application/json' });
    if (req.method === 'HEAD') return res.end();
    for (let o = 0; o < doc.length; o += step) res.write(doc.subarray(o, o + step));
    return res.end();
  }
  reply(req, res, 200, doc);
}

const server = http.createServer((req, res) => {
  const delay = new URL(req.url, 'http://x').searchParams.get('delay_ms');
  if (delay !== null) setTimeout(() => route(req, res), parseInt(delay, 10));
  else route(req, res);
});
server.keepAliveTimeout = 60000;
server.listen(parseInt(port, 10), addr, () => {
  console.log(`${SERVICE} ${name} listening on ${addr} port ${port}`);
});
