// `make build` output: dist/ alone is a working static site (index.html at its root).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { root, serve, launch, openPage, waitStatus, inkFraction } from './harness.js';

test('dist/ serves the whole app on its own', async () => {
  const dist = path.join(root, 'dist');
  assert.ok(existsSync(path.join(dist, 'index.html')), 'run `make build` first (make test-e2e does)');
  const server = await serve(dist);
  const browser = await launch();
  try {
    const page = await openPage(browser, `${server.url}?depth=300&norm=none`);
    await waitStatus(page);
    assert.match(await page.textContent('#summary'), /^Depth 300, width 64, batch 64: soft rank \d+ with BatchNorm, \d+ without\.$/);
    assert.ok(await inkFraction(page, 'chart-rank') > 0.02);
    assert.deepEqual(page.errors, []);
  } finally {
    await browser.close();
    server.stop();
  }
});
