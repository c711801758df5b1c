// For the lecture hall and for sharing: presets, keyboard, presentation and embed modes,
// animation, exports, the samples' geometry, the width sweep.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { openPage, waitStatus, screenshot, inkFraction, useSiteAndBrowser } from './harness.js';

const CSV_HEADER = 'seed,layer,numerical_rank,soft_rank,participation_ratio,stable_rank,effective_rank,orthogonality_gap,mean_abs_cos,log10_norm';

const site = useSiteAndBrowser(before, after);

const param = (page, key) => new URL(page.url()).searchParams.get(key);

test('a preset link renders its view, shows its caption and writes every parameter into the URL', async () => {
  const page = await openPage(site.browser, `${site.server.url}?preset=fig3b`);
  await waitStatus(page);
  assert.equal(await page.isVisible('#caption'), true);
  assert.match(await page.textContent('#caption'), /Fig\. 3b/);
  assert.equal(await page.inputValue('#preset'), 'fig3b');
  const expected = { preset: 'fig3b', depth: '100', width: '50', batch: '50', norm: 'bn0', input: 'rank1', detail: 'top10' };
  for (const [k, v] of Object.entries(expected)) assert.equal(param(page, k), v, k);
  assert.ok(await inkFraction(page, 'chart-spectrum') > 0.02, 'the top-10 eigenvalue chart is drawn');
  await screenshot(page, 'preset-fig3b');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('the preset menu applies a preset; changing a setting afterwards drops it', async () => {
  const page = await openPage(site.browser, site.server.url);
  await waitStatus(page);
  await page.selectOption('#preset', 'orthogonality');
  await waitStatus(page);
  assert.equal(param(page, 'preset'), 'orthogonality');
  assert.equal(param(page, 'metric'), 'orthogonality_gap');
  assert.match(await page.textContent('#caption'), /orthogonality gap/);
  await page.selectOption('#act', 'tanh');
  await waitStatus(page);
  assert.equal(param(page, 'preset'), null);
  assert.equal(await page.isHidden('#caption'), true);
  assert.equal(param(page, 'metric'), 'orthogonality_gap', 'the other settings stay');
  await page.context().close();
});

test('every preset in the menu opens without errors', async () => {
  const page = await openPage(site.browser, site.server.url);
  await waitStatus(page);
  const names = await page.$$eval('#preset option', (os) => os.map((o) => o.value).filter(Boolean));
  assert.ok(names.length >= 10);
  for (const name of names.filter((n) => !n.startsWith('fig2') && n !== 'fig3a')) {
    await page.goto(`${site.server.url}?preset=${name}`);
    await waitStatus(page, 'ready', 30000);
    assert.ok((await page.textContent('#caption')).length > 40, name);
    assert.ok(await inkFraction(page, 'chart-rank') > 0.02, name);
  }
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('? opens a dialog listing every shortcut, and the keys do what it says', async () => {
  const page = await openPage(site.browser, `${site.server.url}?depth=30&width=16&batch=16`);
  await waitStatus(page);
  await page.keyboard.press('?');
  const dialog = page.locator('dialog#shortcuts');
  assert.equal(await dialog.isVisible(), true);
  const text = await dialog.textContent();
  for (const key of ['Space', 'b', 'n', 'c', 'p', 'f', '?', '→']) assert.ok(text.includes(key), key);
  await page.keyboard.press('Escape');
  assert.equal(await dialog.isVisible(), false);

  await page.keyboard.press('b');
  await waitStatus(page);
  assert.equal(param(page, 'norm'), 'none');
  await page.keyboard.press('b');
  await waitStatus(page);
  assert.equal(param(page, 'norm'), 'bn');

  await page.keyboard.press('n');
  await waitStatus(page);
  assert.notEqual(param(page, 'seed'), '1');

  await page.keyboard.press('ArrowRight');
  await waitStatus(page);
  assert.ok(Number(param(page, 'depth')) > 30);

  await page.keyboard.press('p');
  await waitStatus(page);
  assert.equal(param(page, 'fs'), '2');
  const scale = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--font-scale').trim());
  assert.ok(Number(scale) > 1, `larger page type: ${scale}`);
  assert.equal(await page.evaluate(() => document.body.classList.contains('presenting')), true);
  await screenshot(page, 'presentation-mode');
  await page.keyboard.press('p');
  await waitStatus(page);
  assert.equal(param(page, 'fs'), null);

  await page.keyboard.press(' ');
  assert.equal(await page.getAttribute('#play', 'aria-pressed'), 'true');
  await page.waitForFunction(() => /^Layer \d+ of \d+/.test(document.getElementById('summary').textContent));
  await page.keyboard.press(' ');
  assert.equal(await page.getAttribute('#play', 'aria-pressed'), 'false');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('typing in a field does not trigger shortcuts', async () => {
  const page = await openPage(site.browser, site.server.url);
  await waitStatus(page);
  await page.focus('#seed');
  await page.keyboard.press('b');
  assert.equal(param(page, 'norm'), 'bn');
  assert.equal(await page.inputValue('#seed'), '1b');
  await page.context().close();
});

test('the animation grows the network layer by layer and ends on the full picture', async () => {
  const page = await openPage(site.browser, `${site.server.url}?depth=40&width=16&batch=16`);
  await waitStatus(page);
  await page.selectOption('#speed', '3');
  await page.click('#play');
  await page.waitForFunction(() => /^Layer \d+ of 40/.test(document.getElementById('summary').textContent));
  const mid = await page.textContent('#summary');
  await page.waitForFunction(() => /^Depth 40,/.test(document.getElementById('summary').textContent), null, { timeout: 10000 });
  assert.equal(await page.getAttribute('#play', 'aria-pressed'), 'false');
  assert.match(mid, /^Layer \d+ of 40/);
  await page.click('#step');
  assert.match(await page.textContent('#summary'), /^Layer 1 of 40/);
  await page.context().close();
});

test('embed=1 hides all controls while the plots render and reach ready', async () => {
  const page = await openPage(site.browser, `${site.server.url}?embed=1&depth=60`);
  await waitStatus(page);
  for (const sel of ['#controls', 'header.top', '#depth', '#bn', '#preset', '#play', '#about']) {
    assert.equal(await page.isVisible(sel), false, `${sel} hidden`);
  }
  assert.ok(await inkFraction(page, 'chart-rank') > 0.02);
  assert.equal(await page.isVisible('#summary'), true);
  await screenshot(page, 'embed');
  await page.context().close();
});

test('hide= hides exactly the named controls and panels', async () => {
  const page = await openPage(site.browser, `${site.server.url}?hide=seed,depth,geometry`);
  await waitStatus(page);
  assert.equal(await page.isVisible('#seed'), false);
  assert.equal(await page.isVisible('#depth'), false);
  assert.equal(await page.isVisible('#chart-geometry'), false);
  assert.equal(await page.isVisible('#width'), true);
  assert.equal(await page.isVisible('.switch'), true, 'the BatchNorm toggle stays');
  assert.equal(param(page, 'hide'), 'depth,seed,geometry');
  // Every control can be hidden, the view menu too, and the player and export row.
  await page.goto(`${site.server.url}?hide=player,view`);
  await waitStatus(page);
  assert.equal(await page.isVisible('#view'), false);
  assert.equal(await page.isVisible('#player'), false);
  assert.equal(await page.isVisible('#metric'), true);
  assert.equal(param(page, 'hide'), 'view,player');
  // And every setting of the form is a name `hide` accepts: hiding them all leaves no control.
  const ids = await page.$$eval('#controls input[id], #controls select[id]', (els) => els.map((e) => e.id));
  assert.ok(ids.includes('view') && ids.includes('bn') && ids.length >= 18, ids.join());
  await page.goto(`${site.server.url}?hide=${ids.join(',')}`);
  await waitStatus(page);
  assert.equal(await page.isVisible('#notice'), false, 'no name was refused');
  assert.equal(await page.isVisible('#controls'), false, 'nothing left in the form');
  await page.context().close();
});

async function downloadOf(page, selector) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  return { name: dl.suggestedFilename(), data: readFileSync(await dl.path()) };
}

test('the width sweep exports its chart and every width\'s rows, and its CLI command prints them', async () => {
  const context = await site.browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${site.server.url}?view=sweep&depth=12&norm=bn0&metric=participation_ratio`);
  await waitStatus(page, 'ready', 60000);
  assert.equal(await page.isVisible('#play'), false, 'nothing to animate in the sweep');
  assert.equal(await page.isDisabled('#export-chart'), true, 'the sweep has one chart');
  const csv = await downloadOf(page, '#export-csv');
  const lines = csv.data.toString().trim().split('\n');
  assert.equal(lines[0], `width,${CSV_HEADER}`);
  const widths = new Set(lines.slice(1).map((l) => l.split(',')[0]));
  assert.deepEqual([...widths], ['8', '16', '32', '64', '128', '256']);
  assert.match(csv.name, /^rankscope-sweep-L12-bn0\.csv$/);
  const svg = (await downloadOf(page, '#export-svg')).data.toString();
  assert.ok(svg.startsWith('<svg') && svg.includes('vs width'), 'the sweep chart as SVG');
  assert.match(await page.textContent('#cli-command'), /^rankscope run '.*view=sweep.*'$/, 'the CLI prints the same rows');
  await context.close();
});

test('exports: CSV with the CLI header, high-resolution PNG and SVG of every chart, the CLI command', async () => {
  const context = await site.browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const page = await context.newPage();
  await page.goto(`${site.server.url}?depth=25&width=12&batch=10&seeds=2`);
  await waitStatus(page);

  const csv = await downloadOf(page, '#export-csv');
  const lines = csv.data.toString().trim().split('\n');
  assert.equal(lines[0], CSV_HEADER);
  assert.equal(lines.length, 1 + 2 * 26, 'header + 26 layers × 2 seeds');
  for (const line of lines.slice(1)) {
    const cells = line.split(',').map(Number);
    assert.equal(cells.length, 10);
    assert.ok(cells.every(Number.isFinite), line);
  }
  assert.match(csv.name, /\.csv$/);

  const png = await downloadOf(page, '#export-png');
  assert.deepEqual([...png.data.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], 'PNG signature');
  assert.equal(png.data.readUInt32BE(16), 2400, 'slide resolution: 2400 px wide');
  assert.ok(png.data.length > 20000);

  const svg = await downloadOf(page, '#export-svg');
  const text = svg.data.toString();
  assert.match(text, /^<svg/);
  assert.ok(text.includes('soft rank vs depth') && text.includes('<polyline'), 'title and curves');

  // Every other chart exports too.
  for (const [chart, marker] of [['spectrum', 'index i of'], ['geometry', '|cos| between samples'], ['norm', 'scale of the representation']]) {
    await page.selectOption('#export-chart', chart);
    const p = await downloadOf(page, '#export-png');
    assert.deepEqual([...p.data.subarray(1, 4)], [80, 78, 71], `${chart} PNG`);
    assert.equal(p.data.readUInt32BE(16), 2400, `${chart} PNG width`);
    assert.match(p.name, new RegExp(`-${chart}\\.png$`));
    const s = (await downloadOf(page, '#export-svg')).data.toString();
    assert.ok(s.startsWith('<svg') && s.includes(marker), `${chart} SVG has "${marker}"`);
  }

  await page.click('#copy-cli');
  await page.waitForFunction(() => document.getElementById('copy-status').textContent !== '');
  const clip = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(clip, `rankscope run '${new URL(page.url()).search.slice(1)}'`);
  await context.close();
});

test("an export of the samples asked for at the moment of ready has the new job's samples", async () => {
  // The job's samples at the last layer follow its last rows (the workers post them after), so
  // at ready the panel below the fold still waits for them: the export waits too.
  const context = await site.browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(site.server.url);
  await waitStatus(page);
  await page.selectOption('#export-chart', 'geometry');
  const before = (await downloadOf(page, '#export-svg')).data.toString();
  const [atReady] = await Promise.all([
    page.waitForEvent('download'),
    page.evaluate(() => {
      const el = document.getElementById('seed');
      el.value = '12';
      const obs = new MutationObserver(() => {
        if (document.body.dataset.status !== 'ready') return;
        obs.disconnect();
        document.getElementById('export-svg').click();
      });
      obs.observe(document.body, { attributes: true, attributeFilter: ['data-status'] });
      el.dispatchEvent(new Event('change', { bubbles: true }));
    }),
  ]);
  await waitStatus(page);
  const svg = readFileSync(await atReady.path()).toString();
  const after = (await downloadOf(page, '#export-svg')).data.toString();
  assert.ok(svg.startsWith('<svg') && svg.includes('|cos| between samples'));
  assert.notEqual(svg, before, 'not the previous seed\'s samples');
  assert.equal(svg, after, 'the samples the settled page exports');
  await context.close();
});

test('the samples geometry shows the batch at a chosen layer', async () => {
  const page = await openPage(site.browser, `${site.server.url}?depth=200&width=16&batch=16`);
  await waitStatus(page);
  assert.ok(await inkFraction(page, 'chart-geometry') > 0.05);
  assert.equal(await page.textContent('#layer-value'), '200');
  await page.evaluate(() => {
    const el = document.getElementById('layer');
    el.value = '3';
    el.dispatchEvent(new Event('input', { bubbles: true }));
    el.dispatchEvent(new Event('change', { bubbles: true }));
  });
  await waitStatus(page);
  assert.equal(param(page, 'layer'), '3');
  await screenshot(page, 'geometry-layer3');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('the width sweep (Fig. 3a) computes with progress and reports the fitted slope', async () => {
  const page = await openPage(site.browser, `${site.server.url}?view=sweep&depth=60&norm=bn0&metric=participation_ratio`);
  await waitStatus(page, 'ready', 60000);
  const summary = await page.textContent('#summary');
  const m = summary.match(/grows as d\^([\d.]+)/);
  assert.ok(m, summary);
  assert.ok(Number(m[1]) > 0.35 && Number(m[1]) < 0.8, `slope of order ½: ${m[1]}`);
  assert.equal(await page.isVisible('#chart-spectrum'), false, 'the depth charts give way to the sweep');
  assert.equal(await page.isDisabled('#width'), true, 'the sweep sets the width itself');
  for (const id of ['yaxis', 'xaxis', 'detail']) {
    assert.equal(await page.isDisabled(`#${id}`), true, `${id} does nothing in the sweep`);
    assert.match(await page.textContent(`#${id}-help`), /Not used by the width sweep/);
  }
  assert.match(await page.textContent('#every-help'), /40 evaluated layers per width/);
  assert.match(await page.textContent('#caption-rank'), /averaged over all layers/);
  assert.ok(await inkFraction(page, 'chart-rank') > 0.02);
  await screenshot(page, 'sweep');
  await page.selectOption('#view', 'depth');
  await waitStatus(page, 'ready', 60000);
  for (const id of ['width', 'yaxis', 'xaxis', 'detail']) {
    assert.equal(await page.isDisabled(`#${id}`), false, `${id} is back in the depth view`);
  }
  assert.match(await page.textContent('#yaxis-help'), /geometric decay/);
  assert.match(await page.textContent('#every-help'), /about 500 points/);
  await page.context().close();
});

test('the fixed-batch width sweep (2021 follow-up) runs every width on the chosen N and fits the gap\'s −½', async () => {
  const context = await site.browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${site.server.url}?preset=orthogonality-width&depth=60&seeds=1`);
  await waitStatus(page, 'ready', 60000);
  assert.match(await page.textContent('#caption'), /Joudaki, Bach 2021/);
  const summary = await page.textContent('#summary');
  assert.match(summary, /Width sweep d = 8–256 at N = 8,/);
  const m = summary.match(/falls as d\^(-[\d.]+) \(1\/√d would be d\^-0\.50\)/);
  assert.ok(m, summary);
  assert.ok(Number(m[1]) > -0.75 && Number(m[1]) < -0.3, `slope of order −½: ${m[1]}`);
  assert.match(await page.textContent('#caption-rank'), /each on a batch of N = 8 .* a line ∝ 1\/√d \(the 2021 floor/);
  assert.equal(await page.isDisabled('#width'), true, 'the sweep sets the width');
  assert.equal(await page.isDisabled('#batch'), false, 'the batch is this sweep\'s own setting');
  assert.match(await page.textContent('#batch-help'), /batch of every width/);
  const csv = await downloadOf(page, '#export-csv');
  const widths = new Set(csv.data.toString().trim().split('\n').slice(1).map((l) => l.split(',')[0]));
  assert.deepEqual([...widths], ['8', '16', '32', '64', '128', '256']);
  assert.ok(await inkFraction(page, 'chart-rank') > 0.02);
  await screenshot(page, 'sweep-fixed-n');
  // A new batch recomputes every width at it; the N = d sweep then disables the batch again.
  await page.evaluate(() => {
    const el = document.getElementById('batch');
    el.value = '4';
    el.dispatchEvent(new Event('input', { bubbles: true }));
    el.dispatchEvent(new Event('change', { bubbles: true }));
  });
  await page.waitForFunction(() => /at N = 4,/.test(document.getElementById('summary').textContent));
  await waitStatus(page, 'ready', 60000);
  assert.equal(param(page, 'batch'), '4');
  await page.selectOption('#view', 'sweep');
  await waitStatus(page, 'ready', 60000);
  assert.match(await page.textContent('#summary'), /Width sweep d = N = 8–256/);
  assert.equal(await page.isDisabled('#batch'), true);
  assert.match(await page.textContent('#batch-help'), /Not used by this width sweep, which runs N = d/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('with reduced motion the animation moves in ten discrete steps, not smoothly', async () => {
  const page = await openPage(site.browser, `${site.server.url}?depth=40&width=16&batch=16`);
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await waitStatus(page);
  assert.equal(await page.evaluate(() => matchMedia('(prefers-reduced-motion: reduce)').matches), true);
  await page.selectOption('#speed', '3');
  const seen = new Set();
  await page.click('#play');
  const t0 = Date.now();
  while (Date.now() - t0 < 6000) {
    const m = (await page.textContent('#summary')).match(/^Layer (\d+) of 40/);
    if (m) seen.add(Number(m[1]));
    if ((await page.getAttribute('#play', 'aria-pressed')) === 'false' && seen.size > 0) break;
    await page.waitForTimeout(40);
  }
  assert.ok(seen.size > 0, 'the animation ran');
  for (const layer of seen) assert.equal(layer % 4, 0, `only whole tenths of the depth are shown: ${[...seen]}`);
  await page.context().close();
});

test('full screen is one click away', async () => {
  const page = await openPage(site.browser, site.server.url);
  await waitStatus(page);
  await page.click('#fullscreen');
  await page.waitForFunction(() => document.fullscreenElement !== null || document.getElementById('copy-status').textContent !== '');
  const state = await page.evaluate(() => (document.fullscreenElement ? 'full' : document.getElementById('copy-status').textContent));
  assert.ok(state === 'full' || /Full screen is not available/.test(state), state);
  if (state === 'full') {
    await page.keyboard.press('f');
    await page.waitForFunction(() => document.fullscreenElement === null);
  }
  await page.context().close();
});

test('on a 4K projector the charts are drawn at full device resolution', async () => {
  const page = await openPage(site.browser, `${site.server.url}?fs=2.5`, { width: 1920, height: 1080, dpr: 2 });
  await waitStatus(page);
  const size = await page.evaluate(() => {
    const c = document.getElementById('chart-rank');
    return { buffer: c.width, css: c.getBoundingClientRect().width };
  });
  assert.equal(size.buffer, Math.round(size.css * 2));
  assert.ok(size.buffer >= 3600, `a 4K-wide chart buffer: ${size.buffer}`);
  await screenshot(page, 'projector-4k');
  await page.context().close();
});
