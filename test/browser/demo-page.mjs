// What the demo page's browser tests share (demo.test.mjs, demo-energy.test.mjs): the demo
// server on a free port and Debian's Chromium, driven by playwright-core, with a fresh
// profile and a page that records page errors and console errors in ctx.problems.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const ARTIFACTS = join(ROOT, 'test/browser/artifacts');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-quic',
  '--disable-sync',
];

/** Starts the demo server on a free port; resolves with its page URL (its first line). */
function startServer() {
  const child = spawn(process.execPath, [join(ROOT, 'scripts/demo-server.mjs'), '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolvePromise, reject) => {
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/^jcpba demo: (\S+)$/m);
      if (m) resolvePromise({ child, url: m[1] });
    });
    child.once('exit', (code) => reject(new Error(`demo server exited with ${code}: ${err}`)));
  });
}

/**
 * Checks that the build holds `files`, starts the server and Chromium: sets ctx.server,
 * ctx.url, ctx.profile, ctx.browser and ctx.page (1280 x 900).
 */
export async function startDemo(ctx, files) {
  for (const file of files) {
    if (!existsSync(join(ROOT, file))) throw new Error(`${file} is missing: run npm run build first`);
  }
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  const started = await startServer();
  ctx.server = started.child;
  ctx.url = started.url;
  // launchPersistentContext gives Chromium a fresh, empty profile of our own.
  ctx.profile = mkdtempSync(join(tmpdir(), 'jcpba-chromium-'));
  ctx.browser = await chromium.launchPersistentContext(ctx.profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 } });
  ctx.page = ctx.browser.pages()[0] ?? (await ctx.browser.newPage());
  ctx.page.on('pageerror', (e) => ctx.problems.push(`page error: ${e.message}`));
  ctx.page.on('console', (m) => m.type() === 'error' && ctx.problems.push(`console error: ${m.text()}`));
}

/** Closes what startDemo started. */
export async function stopDemo(ctx) {
  await ctx.browser?.close();
  ctx.server?.kill('SIGTERM');
  if (ctx.profile) rmSync(ctx.profile, { recursive: true, force: true });
}
