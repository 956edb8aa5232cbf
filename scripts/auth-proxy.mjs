#!/usr/bin/env node
// auth-proxy.mjs — tiny dependency-free HTTP reverse proxy that injects a bearer token.
//
// Usage:
//   node scripts/auth-proxy.mjs --listen 127.0.0.1:8787 --target http://127.0.0.1:3000 \
//        [--token-file FILE]          (or env AUTH_PROXY_TOKEN)
//
// Why: the MCP conformance suite's client cannot send an Authorization header, but every
// /mcp request of this server requires `Authorization: Bearer <jwt>`. CI mints a real token
// and puts this proxy in front of the app, so the app needs no auth bypass.
//
// Behaviour:
//  * every request (any method, path, query, headers, streamed body) is forwarded to --target;
//  * `Authorization: Bearer <token>` is added only when the request carries no Authorization;
//  * the client's Host and Origin headers are forwarded UNCHANGED (DNS-rebinding tests must
//    reach the app with the hostile Host/Origin they sent); nothing else is added
//    (no X-Forwarded-*), hop-by-hop headers are dropped as RFC 9110 requires;
//  * the response (status, headers, body) is streamed back as it arrives (SSE works);
//  * a client disconnect aborts the upstream request and vice versa;
//  * prints exactly one line `auth-proxy listening on http://HOST:PORT` when ready
//    (port 0 picks a free port; the printed line has the real one);
//  * SIGTERM/SIGINT: stop accepting, finish in-flight requests for up to 5 s, exit 0.
// The token is never printed.
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import process from 'node:process';

const USAGE =
  'usage: node scripts/auth-proxy.mjs --listen HOST:PORT --target http://HOST:PORT ' + '[--token-file FILE]   (token may also come from env AUTH_PROXY_TOKEN)';

function fail(msg) {
  process.stderr.write(`auth-proxy: ${msg}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = {};
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const need = () => {
      if (value !== undefined) return value;
      if (i + 1 >= argv.length) fail(`${arg} needs a value\n${USAGE}`);
      return argv[++i];
    };
    switch (arg) {
      case '--listen':
        opts.listen = need();
        break;
      case '--target':
        opts.target = need();
        break;
      case '--token-file':
        opts.tokenFile = need();
        break;
      case '-h':
      case '--help':
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
        break;
      default:
        fail(`unknown argument ${arg}\n${USAGE}`);
    }
  }
  return opts;
}

function parseListen(spec) {
  // Accepts "PORT", "HOST:PORT", "[v6]:PORT".
  const m = /^(?:\[([^\]]+)\]|([^:]+))?:?(\d+)$/.exec(spec ?? '');
  if (!m) fail(`bad --listen value ${JSON.stringify(spec)} (want HOST:PORT)`);
  const port = Number(m[3]);
  if (port > 65535) fail(`bad port in --listen ${spec}`);
  return { host: m[1] ?? m[2] ?? '127.0.0.1', port };
}

const opts = parseArgs(process.argv.slice(2));
if (!opts.listen) fail(`--listen is required\n${USAGE}`);
if (!opts.target) fail(`--target is required\n${USAGE}`);

let target;
try {
  target = new URL(opts.target);
} catch {
  fail(`bad --target URL ${JSON.stringify(opts.target)}`);
}
if (target.protocol !== 'http:' && target.protocol !== 'https:') {
  fail('--target must be an http:// or https:// URL');
}

let token;
if (opts.tokenFile) {
  try {
    token = readFileSync(opts.tokenFile, 'utf8').trim();
  } catch (err) {
    fail(`cannot read --token-file ${opts.tokenFile}: ${err.message}`);
  }
} else {
  token = (process.env.AUTH_PROXY_TOKEN ?? '').trim();
}
if (!token) fail('no token: pass --token-file FILE or set AUTH_PROXY_TOKEN');
if (/[\r\n]/.test(token)) fail('token must be a single line');
if (/^bearer\s+/i.test(token)) token = token.replace(/^bearer\s+/i, '');
const authValue = `Bearer ${token}`;

const listen = parseListen(opts.listen);
const client = target.protocol === 'https:' ? https : http;
const agent = new client.Agent({ keepAlive: true, maxSockets: 256 });
// Path prefix of the target (e.g. http://h:p/base) is prepended to the request path.
const basePath = target.pathname.replace(/\/+$/, '');

// RFC 9110 §7.6.1 hop-by-hop headers (plus the legacy ones), never forwarded.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** rawHeaders [k, v, k, v, ...] -> same shape without hop-by-hop headers (incl. ones named in Connection). */
function filterRaw(raw) {
  const extra = new Set();
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].toLowerCase() === 'connection') {
      for (const t of raw[i + 1].split(',')) extra.add(t.trim().toLowerCase());
    }
  }
  const out = [];
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i].toLowerCase();
    if (HOP_BY_HOP.has(k) || extra.has(k)) continue;
    out.push(raw[i], raw[i + 1]);
  }
  return out;
}

/** rawHeaders -> object for http.request, keeping duplicates as arrays. */
function toHeaderObject(raw) {
  const obj = Object.create(null);
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i].toLowerCase();
    const v = raw[i + 1];
    if (obj[k] === undefined) obj[k] = v;
    else if (Array.isArray(obj[k])) obj[k].push(v);
    else obj[k] = [obj[k], v];
  }
  return obj;
}

function sendError(res, status, message) {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: 'bad_gateway', message });
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  });
  res.end(body);
}

const server = http.createServer((req, res) => {
  const headers = toHeaderObject(filterRaw(req.rawHeaders));
  // Host is forwarded verbatim; only a request without one (HTTP/1.0) gets the target's.
  if (headers.host === undefined) headers.host = target.host;
  if (headers.authorization === undefined) headers.authorization = authValue;
  // The proxy's own server already answered `Expect: 100-continue`; don't repeat it upstream.
  delete headers.expect;

  const upstream = client.request({
    protocol: target.protocol,
    hostname: target.hostname.replace(/^\[|\]$/g, ''),
    port: target.port || (target.protocol === 'https:' ? 443 : 80),
    method: req.method,
    path: basePath + req.url,
    headers,
    agent,
    setHost: false,
    // For https targets the TLS SNI/cert check uses the target name, not the forwarded Host.
    servername: target.protocol === 'https:' ? target.hostname : undefined,
  });

  let finished = false;
  upstream.on('response', (up) => {
    const outHeaders = filterRaw(up.rawHeaders);
    res.writeHead(up.statusCode ?? 502, up.statusMessage, outHeaders);
    // Send headers now: an SSE stream may not produce its first byte for a while.
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    up.pipe(res);
    up.on('end', () => {
      finished = true;
    });
    up.on('error', () => res.destroy());
  });
  upstream.on('error', (err) => {
    if (!finished) sendError(res, 502, `upstream error: ${err.code ?? err.message}`);
  });

  // Client went away before the exchange completed: abort upstream (ends SSE streams too).
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.on('error', () => upstream.destroy());
  req.pipe(upstream);
});

// Long-lived SSE responses must not be cut by the proxy's own timeouts.
server.requestTimeout = 0;
server.timeout = 0;
server.keepAliveTimeout = 5_000;
server.on('clientError', (err, socket) => {
  if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
  else socket.destroy();
});

server.on('error', (err) => fail(`listen failed: ${err.message}`));
server.listen(listen.port, listen.host, () => {
  const addr = server.address();
  const host = addr.family === 'IPv6' || addr.family === 6 ? `[${addr.address}]` : addr.address;
  process.stderr.write(`auth-proxy: forwarding to ${target.origin}${basePath}\n`);
  process.stdout.write(`auth-proxy listening on http://${host}:${addr.port}\n`);
});

let stopping = false;
function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`auth-proxy: ${signal}, shutting down\n`);
  server.close(() => {
    agent.destroy();
    process.exit(0);
  });
  server.closeIdleConnections?.();
  setTimeout(() => {
    server.closeAllConnections?.();
    agent.destroy();
    process.exit(0);
  }, 5_000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
