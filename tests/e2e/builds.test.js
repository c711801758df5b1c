// The two WebAssembly builds: the page runs the relaxed-SIMD (fused multiply-add) build where
// the browser supports it, as Chromium does, and the plain SIMD build elsewhere; both compute the
// same numbers up to rounding.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { openPage, waitStatus, useSiteAndBrowser, root } from './harness.js';

const site = useSiteAndBrowser(before, after);
const QUERY = '?depth=40&width=32&batch=24&seed=7&norm=bn&act=relu';

/** Loads the page (optionally as a browser without relaxed SIMD); returns {build, text, csv}. */
async function load(withoutRelaxedSimd) {
  const page = await openPage(site.browser, null);
  if (withoutRelaxedSimd) {
    // What a browser without relaxed SIMD answers for the page's probe module.
    await page.addInitScript(() => {
      const validate = WebAssembly.validate;
      WebAssembly.validate = (bytes) => {
        const b = new Uint8Array(bytes);
        const relaxed = b.some((x, i) => x === 0xfd && b[i + 1] === 0x87 && b[i + 2] === 0x02);
        return relaxed ? false : validate(bytes);
      };
    });
  }
  await page.goto(site.server.url + QUERY);
  await waitStatus(page);
  const out = {
    build: await page.evaluate(() => document.body.dataset.wasmBuild),
    text: await page.textContent('#wasm-build'),
    csv: await page.evaluate(() => window.rankscopeTestHooks.csv()),
    errors: page.errors,
  };
  await page.context().close();
  return out;
}

test('Chromium runs the fused-multiply-add build; without relaxed SIMD the plain build runs; same numbers', async () => {
  const fma = await load(false);
  const plain = await load(true);
  assert.equal(fma.build, 'relaxed-simd');
  assert.equal(fma.text, 'SIMD with fused multiply-add');
  assert.equal(plain.build, 'simd');
  assert.equal(plain.text, 'SIMD');
  assert.deepEqual(fma.errors, []);
  assert.deepEqual(plain.errors, []);
  const rows = (csv) => csv.trim().split('\n').filter((l) => !l.startsWith('#')).map((l) => l.split(','));
  const a = rows(fma.csv);
  const b = rows(plain.csv);
  assert.ok(a.length > 40, `one row per layer and run: ${a.length}`);
  assert.deepEqual(a[0], b[0], 'same columns');
  assert.equal(a.length, b.length);
  let compared = 0;
  for (let i = 1; i < a.length; i += 1) {
    for (let j = 0; j < a[i].length; j += 1) {
      const x = Number(a[i][j]);
      const y = Number(b[i][j]);
      if (Number.isNaN(x) || Number.isNaN(y)) {
        assert.equal(a[i][j], b[i][j], `row ${i} column ${a[0][j]}`);
        continue;
      }
      assert.ok(Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(y)), `row ${i} ${a[0][j]}: ${x} against ${y}`);
      compared += 1;
    }
  }
  assert.ok(compared > 200, `compared ${compared} numbers`);
});

test("the benchmark's timing scripts run: the WASM under Node (both builds) and in Chromium", async () => {
  // Not timings (bench/bench.py compares those with numpy): that the scripts `make bench` calls
  // still work with the page's module — a change to the step output once broke their sums.
  const tiny = 'depth=3&width=4&batch=4';
  const run = (args) => execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  for (const args of [
    ['bench/wasm_bench.mjs', tiny],
    ['--experimental-wasm-relaxed-simd', 'bench/wasm_bench.mjs', '--fma', '--warm', tiny],
    ['bench/wasm_bench.mjs', '--matmul', '16'],
    ['bench/chromium_bench.mjs', tiny],
  ]) {
    const out = run(args).trim();
    assert.match(out, /^\d+\.\d+$/, `${args.join(' ')} printed "${out}"`);
    assert.ok(Number(out) > 0, `${args.join(' ')}: ${out}`);
  }
});
