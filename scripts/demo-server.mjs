#!/usr/bin/env node
// Serves the browser demo (web/) on localhost: `npm run demo`, or
//   node scripts/demo-server.mjs [--port N] [--host H]
// Port 0 picks a free port. The first line printed is the page's URL.
//
// Files are served at their paths in the repository, so the relative imports in web/
// (../dist/ts/browser.js, ../node_modules/chart.js/...) are the same as on disk; only
// the folders below are reachable, and nothing outside them.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** URL prefixes served, each mapped to the same folder of the repository. */
const SERVED = ['web/', 'dist/ts/', 'dist/bindings/', 'bindings/wasm/', 'node_modules/chart.js/dist/', 'node_modules/@kurkle/color/dist/'];

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ts': 'text/plain; charset=utf-8',
};

const DEFAULT_PORT = 8787;

function parseArgs(argv) {
  const out = { port: Number(process.env.PORT ?? DEFAULT_PORT), host: '127.0.0.1' };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = inline ?? argv[++i];
    if (flag === '--port') out.port = Number(value);
    else if (flag === '--host') out.host = value;
    else {
      console.error(`demo-server: unknown argument ${argv[i]}\nusage: node scripts/demo-server.mjs [--port N] [--host H]`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(out.port) || out.port < 0 || out.port > 65535) {
    console.error('demo-server: --port must be an integer in [0, 65535]');
    process.exit(2);
  }
  return out;
}

/** The file for a request path, or undefined when the path is outside SERVED. */
function fileFor(pathname) {
  let decoded;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const rel = normalize(decoded).replace(/^[/\\]+/, '');
  if (rel.split(/[/\\]/).includes('..')) return undefined;
  if (!SERVED.some((prefix) => rel.startsWith(prefix))) return undefined;
  const file = join(ROOT, rel);
  return file.startsWith(ROOT + sep) ? file : undefined;
}

function send(res, status, text) {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text);
}

export function startServer({ port = DEFAULT_PORT, host = '127.0.0.1' } = {}) {
  const server = createServer(async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n');
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    if (pathname === '/' || pathname === '/web') {
      res.writeHead(302, { Location: '/web/' });
      return res.end();
    }
    let file = fileFor(pathname.endsWith('/') ? `${pathname}index.html` : pathname);
    if (file === undefined) return send(res, 404, 'not found\n');
    let info;
    try {
      info = await stat(file);
      if (info.isDirectory()) {
        file = join(file, 'index.html');
        info = await stat(file);
      }
    } catch {
      return send(res, 404, 'not found\n');
    }
    res.writeHead(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': info.size,
      // A development server: always serve what was just built.
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      const shownHost = host.includes(':') ? `[${host}]` : host;
      resolvePromise({ server, url: `http://${shownHost}:${address.port}/web/` });
    });
  });
}

async function main() {
  const { port, host } = parseArgs(process.argv.slice(2));
  const missing = [];
  for (const [file, hint] of [
    ['dist/ts/browser.js', 'npm run build:ts'],
    ['bindings/wasm/jcpba.wasm', 'npm run build:wasm (the page falls back to the TypeScript reference without it)'],
    ['node_modules/chart.js/dist/chart.js', 'npm install'],
  ]) {
    try {
      await stat(join(ROOT, file));
    } catch {
      missing.push(`  ${file}: ${hint}`);
    }
  }
  let started;
  try {
    started = await startServer({ port, host });
  } catch (e) {
    console.error(`demo-server: cannot listen on ${host}:${port}: ${e.message}`);
    process.exit(1);
  }
  console.log(`jcpba demo: ${started.url}`);
  if (missing.length) console.error(`demo-server: missing files, build them first:\n${missing.join('\n')}`);
  const stop = () => {
    started.server.closeAllConnections();
    started.server.close(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
