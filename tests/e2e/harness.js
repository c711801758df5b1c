// Shared set-up for the end-to-end tests: serve the site on a free localhost port, drive
// Debian's Chromium (/usr/bin/chromium) with playwright-core, and collect console errors.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '..', '..');
export const shots = path.join(here, 'screenshots');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const FLAGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Starts tools/serve.py for `dir` (default: the repository) on a free port; resolves to {url, stop}.
 *  Its stdout is drained for the server's whole life: closing the pipe early once raced with the
 *  server's own print and killed it (BrokenPipeError). */
export function serve(dir = root) {
  const proc = spawn('python3', [path.join(root, 'tools', 'serve.py'), '--root', dir, '--port', '0'], {
    env: { ...process.env, RANKSCOPE_QUIET: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let found = false;
    proc.stdout.on('data', (chunk) => {
      if (found) return;
      out += chunk;
      const m = out.match(/http:\/\/[\d.]+:\d+\//);
      if (m) {
        found = true;
        resolve({ url: m[0], stop: () => proc.kill() });
      }
    });
    proc.on('exit', (code) => { if (!found) reject(new Error(`the server did not start (exit ${code}): ${out}`)); });
  });
}

/** Launches Chromium; resolves to the browser. */
export function launch() {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
}

/** A new page that records console errors and page errors in page.errors. */
export async function openPage(browser, url, { width = 1280, height = 900, dpr = 1 } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: dpr });
  const page = await context.newPage();
  page.errors = [];
  page.on('console', (msg) => { if (msg.type() === 'error') page.errors.push(msg.text()); });
  page.on('pageerror', (err) => page.errors.push(String(err)));
  if (url) await page.goto(url);
  return page;
}

/** Waits until body[data-status] is `status` (default ready) — for ready, also until the panels
 *  outside the viewport are drawn (body[data-offscreen] gone): the whole page is then final. */
export async function waitStatus(page, status = 'ready', timeout = 20000) {
  await page.waitForFunction(
    (s) => document.body.dataset.status === s && (s !== 'ready' || !('offscreen' in document.body.dataset)),
    status,
    { timeout },
  );
}

/** Saves a screenshot under tests/e2e/screenshots/ (git-ignored) for a person to look at. */
export async function screenshot(page, name) {
  mkdirSync(shots, { recursive: true });
  const file = path.join(shots, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Fraction of sampled pixels of a canvas that are not (near) white: 0 means blank. */
export function inkFraction(page, id) {
  return page.evaluate((canvasId) => {
    const c = document.getElementById(canvasId);
    const ctx = c.getContext('2d');
    const { data } = ctx.getImageData(0, 0, c.width, c.height);
    let ink = 0;
    let n = 0;
    for (let i = 0; i < data.length; i += 4 * 97) {
      n += 1;
      if (data[i] < 235 || data[i + 1] < 235 || data[i + 2] < 235) ink += 1;
    }
    return ink / n;
  }, id);
}

/** Registers before/after hooks that serve the site and launch Chromium once per test file;
 *  returns an object whose `server` and `browser` are set while the tests run. */
export function useSiteAndBrowser(before, after) {
  const ctx = { server: null, browser: null };
  before(async () => {
    ctx.server = await serve();
    ctx.browser = await launch();
  });
  after(async () => {
    await ctx.browser?.close();
    ctx.server?.stop();
  });
  return ctx;
}

