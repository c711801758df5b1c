// The live explorer in headless Chromium: default view, links, controls, history, notices,
// progress and cancellation. Screenshots land in tests/e2e/screenshots/ for a person to look at.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, waitStatus, screenshot, inkFraction, useSiteAndBrowser } from './harness.js';

const site = useSiteAndBrowser(before, after);

const SUMMARY = /^Depth (\d+), width (\d+), batch (\d+): (.+?) ([\d.e+-]+) with (.+?), ([\d.e+-]+) without( \(mean of \d+ seeds\))?\.$/;

function param(page, key) {
  return new URL(page.url()).searchParams.get(key);
}

/** A cheap fingerprint of a canvas's pixels, to see that a redraw changed the picture. */
function canvasPrint(page, id) {
  return page.evaluate((canvasId) => document.getElementById(canvasId).toDataURL().length
    + ':' + document.getElementById(canvasId).toDataURL().slice(-200), id);
}

test('the default page tells the story at once: ready, non-blank, crisp, no console errors', async () => {
  const page = await openPage(site.browser, site.server.url, { dpr: 2 });
  await waitStatus(page);
  const summary = await page.textContent('#summary');
  const m = summary.match(SUMMARY);
  assert.ok(m, `summary in words: ${summary}`);
  assert.deepEqual([m[1], m[2], m[3]], ['50', '64', '64']);
  assert.ok(Number(m[5]) > Number(m[7]), `BN keeps more rank than no BN: ${summary}`);
  for (const id of ['chart-rank', 'chart-spectrum', 'chart-norm']) {
    assert.ok(await inkFraction(page, id) > 0.02, `${id} is drawn`);
    const size = await page.evaluate((c) => {
      const el = document.getElementById(c);
      return { w: el.width, cw: el.getBoundingClientRect().width };
    }, id);
    assert.equal(size.w, Math.round(size.cw * 2), `${id} buffer is CSS width × devicePixelRatio`);
  }
  assert.equal(await page.getAttribute('#summary', 'aria-live'), 'polite');
  assert.equal(param(page, 'depth'), '50', 'the URL holds the full state');
  assert.equal(param(page, 'norm'), 'bn');
  assert.equal(await page.isHidden('#notice'), true);
  assert.equal(await page.isHidden('#progress-row'), true, 'no progress bar once ready');
  await screenshot(page, 'default-dpr2');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('the batched canvas drawing is plain plotters-canvas pixel for pixel, but where translucent grid lines cross', async () => {
  for (const [query, dpr] of [['', 2], ['?seeds=4&metric=stable_rank&xaxis=log&yaxis=log&act=relu', 1]]) {
    const page = await openPage(site.browser, site.server.url + query, { dpr });
    await waitStatus(page);
    for (const name of ['rank', 'spectrum', 'norm', 'geometry']) {
      const c = await page.evaluate((n) => window.rankscopeTestHooks.compareWithReference(n), name);
      const where = `${name} of "${query}" at dpr ${dpr}: ${JSON.stringify(c)}`;
      assert.ok(c.inked > 0.02 * c.pixels, `the reference is drawn, ${where}`);
      // Where two light grid lines cross, the batched path lays their translucent colour down
      // once, not twice: measured 1,075 of 1.6 million pixels of the default rank chart at
      // dpr 2, by at most 10 levels; every other chart here identical.
      assert.ok(c.differing <= 0.002 * c.pixels, `few pixels differ, ${where}`);
      assert.ok(c.maxDiff <= 16, `and by little, ${where}`);
    }
    assert.deepEqual(page.errors, []);
    await page.context().close();
  }
});

test("a link's state appears in the controls and the summary", async () => {
  const q = '?depth=120&width=32&batch=16&act=relu&norm=bn0&init=uniform&metric=participation_ratio&seed=7&seeds=3&xaxis=log';
  const page = await openPage(site.browser, site.server.url + q);
  await waitStatus(page);
  const values = await page.evaluate(() => Object.fromEntries(
    ['width', 'batch', 'act', 'norm', 'init', 'metric', 'seed', 'seeds', 'xaxis'].map((id) => [id, document.getElementById(id).value])));
  assert.deepEqual(values, { width: '32', batch: '16', act: 'relu', norm: 'bn0', init: 'uniform', metric: 'participation_ratio', seed: '7', seeds: '3', xaxis: 'log' });
  assert.equal(await page.textContent('#depth-value'), '120');
  assert.equal(await page.isChecked('#bn'), true);
  const summary = await page.textContent('#summary');
  assert.match(summary, /^Depth 120, width 32, batch 16: participation ratio r\(H\) [\d.]+ with uncentred BatchNorm, [\d.]+ without \(mean of 3 seeds\)\.$/);
  assert.ok(await inkFraction(page, 'chart-rank') > 0.02);
  await screenshot(page, 'link-relu-bn0-log');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('moving the depth slider updates URL, summary and plot', async () => {
  const page = await openPage(site.browser, site.server.url);
  await waitStatus(page);
  const before = await canvasPrint(page, 'chart-rank');
  await page.focus('#depth');
  for (let i = 0; i < 40; i += 1) await page.keyboard.press('ArrowRight');
  await waitStatus(page);
  const depth = param(page, 'depth');
  assert.notEqual(depth, '50');
  assert.equal(await page.textContent('#depth-value'), Number(depth).toLocaleString('en-US'));
  assert.match(await page.textContent('#summary'), new RegExp(`^Depth ${depth}, `));
  assert.notEqual(await canvasPrint(page, 'chart-rank'), before, 'the plot was redrawn');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

/** Types a new seed without scrolling (as the W4 benchmark does) and returns, at the moment the
 *  page turns ready, body[data-offscreen] and the fingerprints of the given canvases. */
function seedAndPrintAtReady(page, seed, ids) {
  return page.evaluate(async ([s, canvasIds]) => {
    const print = (id) => {
      const url = document.getElementById(id).toDataURL();
      return `${url.length}:${url.slice(-200)}`;
    };
    const el = document.getElementById('seed');
    el.value = s;
    const ready = new Promise((resolve) => {
      const obs = new MutationObserver(() => {
        if (document.body.dataset.status === 'ready') { obs.disconnect(); resolve(); }
      });
      obs.observe(document.body, { attributes: true, attributeFilter: ['data-status'] });
    });
    el.dispatchEvent(new Event('change', { bubbles: true }));
    await ready;
    return {
      offscreen: document.body.dataset.offscreen ?? null,
      prints: Object.fromEntries(canvasIds.map((id) => [id, print(id)])),
    };
  }, [seed, ids]);
}

test('panels in view are drawn by ready; those below the fold follow at once, unscrolled', async () => {
  const ids = ['chart-rank', 'chart-geometry', 'chart-norm'];
  const prints = async (page) => Object.fromEntries(await Promise.all(ids.map(async (id) => [id, await canvasPrint(page, id)])));
  // 1280 × 900: the main chart is in view, the samples' panel and the scale chart below it.
  const page = await openPage(site.browser, site.server.url);
  await waitStatus(page);
  const before = await prints(page);
  const atReady = await seedAndPrintAtReady(page, '5', ids);
  assert.equal(atReady.offscreen, 'pending', 'the panels below the fold wait for the next task');
  assert.notEqual(atReady.prints['chart-rank'], before['chart-rank'], 'the chart in view is the new one at ready');
  assert.equal(atReady.prints['chart-geometry'], before['chart-geometry'], 'the samples below the fold are not drawn yet');
  assert.equal(atReady.prints['chart-norm'], before['chart-norm'], 'nor is the scale chart');
  await waitStatus(page); // ready and nothing left off screen
  const after = await prints(page);
  assert.notEqual(after['chart-geometry'], before['chart-geometry'], 'the new samples are drawn without scrolling');
  assert.notEqual(after['chart-norm'], before['chart-norm'], 'the new scale chart too');
  assert.ok(await inkFraction(page, 'chart-geometry') > 0.05);
  assert.ok(await page.evaluate(() => window.rankscopeTestHooks.jobTimes().offscreen > 0), 'the page records when');
  assert.deepEqual(page.errors, []);
  await page.context().close();

  // A viewport that holds every panel: all of them are new at ready, nothing is left.
  const tall = await openPage(site.browser, site.server.url, { width: 1280, height: 3200 });
  await waitStatus(tall);
  const tallBefore = await prints(tall);
  const tallAtReady = await seedAndPrintAtReady(tall, '5', ids);
  assert.equal(tallAtReady.offscreen, null);
  for (const id of ids) assert.notEqual(tallAtReady.prints[id], tallBefore[id], `${id} is new at ready`);
  assert.deepEqual(tall.errors, []);
  await tall.context().close();
});

test('the BatchNorm toggle switches the main run and back/forward restore each state', async () => {
  const page = await openPage(site.browser, `${site.server.url}?depth=80&width=16&batch=16`);
  await waitStatus(page);
  const first = await page.textContent('#summary');
  await page.click('.switch');
  await waitStatus(page);
  assert.equal(param(page, 'norm'), 'none');
  assert.equal(await page.inputValue('#norm'), 'none');
  await page.selectOption('#act', 'tanh');
  await waitStatus(page);
  assert.equal(param(page, 'act'), 'tanh');
  await page.goBack();
  await waitStatus(page);
  assert.equal(param(page, 'act'), 'linear');
  assert.equal(await page.inputValue('#act'), 'linear');
  assert.equal(await page.isChecked('#bn'), false);
  await page.goBack();
  await waitStatus(page);
  assert.equal(param(page, 'norm'), 'bn');
  assert.equal(await page.isChecked('#bn'), true);
  assert.equal(await page.textContent('#summary'), first, 'the same link gives the same numbers');
  await page.goForward();
  await waitStatus(page);
  assert.equal(param(page, 'norm'), 'none');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a bad link falls back per key and names each key in #notice', async () => {
  const page = await openPage(site.browser, `${site.server.url}?depth=0&width=32&act=sigmoid&colour=red`);
  await waitStatus(page);
  const notice = await page.textContent('#notice');
  assert.equal(await page.isVisible('#notice'), true);
  for (const word of ['depth', 'act', 'colour', 'sigmoid', 'unknown key']) {
    assert.ok(notice.includes(word), `notice mentions ${word}: ${notice}`);
  }
  assert.equal(param(page, 'width'), '32', 'good keys are kept');
  assert.equal(param(page, 'depth'), '50', 'bad keys fall back to the default');
  assert.match(await page.textContent('#summary'), /^Depth 50, width 32, batch 64:/);
  await screenshot(page, 'bad-link-notice');
  await page.click('#notice .notice-close');
  assert.equal(await page.isHidden('#notice'), true, 'the notice can be dismissed');
  await page.context().close();
});

test('a link carrying markup changes nothing but #notice, as text', async () => {
  const payload = encodeURIComponent('<img src=x onerror=window.pwned=1>');
  const page = await openPage(site.browser, `${site.server.url}?act=${payload}&${payload}=javascript:alert(1)`);
  await waitStatus(page);
  assert.equal(await page.locator('#notice img').count(), 0, 'no element was injected');
  assert.ok((await page.textContent('#notice')).includes('<img src=x'));
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  assert.equal(await page.inputValue('#act'), 'linear');
  await page.context().close();
});

test('a typed bad value is marked, explained and not run', async () => {
  const page = await openPage(site.browser, site.server.url);
  await waitStatus(page);
  await page.fill('#tau', '1.5');
  await page.press('#tau', 'Enter');
  await page.dispatchEvent('#tau', 'change');
  assert.equal(await page.getAttribute('#tau', 'aria-invalid'), 'true');
  assert.ok((await page.textContent('#notice')).includes('tau'));
  assert.equal(param(page, 'tau'), '0.1', 'the URL keeps the last valid state');
  await page.fill('#tau', '0.3');
  await page.dispatchEvent('#tau', 'change');
  await waitStatus(page);
  assert.equal(param(page, 'tau'), '0.3');
  assert.equal(await page.isHidden('#notice'), true);
  await page.context().close();
});

/** A long view asks before it starts (the cost guard); these tests want it to run. */
async function confirmLongRun(page) {
  await page.waitForSelector('#cost-guard:not([hidden])', { timeout: 10000 });
  await page.click('#cost-run');
}

test('a long run shows progress, grows its curves, and a newer input cancels it at once', async () => {
  const page = await openPage(site.browser, `${site.server.url}?depth=50000&width=96&batch=96`);
  await confirmLongRun(page);
  await page.waitForSelector('#progress-row:not([hidden])', { timeout: 10000 });
  assert.equal(await page.evaluate(() => document.body.dataset.status), 'computing');
  const early = await page.$eval('#progress', (p) => p.value);
  await page.waitForFunction((v) => document.getElementById('progress').value > v, early, { timeout: 10000 });
  assert.match(await page.textContent('#summary'), /^Layer \d+ of 50000, /, 'partial numbers while computing');
  await screenshot(page, 'long-run-progress');
  const t0 = Date.now();
  await page.evaluate(() => {
    const el = document.getElementById('depth');
    el.value = '300'; // log slider position → depth 26
    el.dispatchEvent(new Event('input', { bubbles: true }));
    el.dispatchEvent(new Event('change', { bubbles: true }));
  });
  await waitStatus(page, 'ready', 5000);
  const took = Date.now() - t0;
  assert.equal(param(page, 'depth'), '26');
  const summary = await page.textContent('#summary');
  assert.match(summary, /^Depth 26, width 96, batch 96:/);
  // Nothing from the cancelled job may appear afterwards.
  await page.waitForTimeout(500);
  assert.equal(await page.textContent('#summary'), summary);
  assert.equal(await page.isHidden('#progress-row'), true);
  assert.ok(took < 5000, `the new state was ready ${took} ms after the input`);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('the link and its command line are written once the new view is drawn, or while a long one computes; one history entry per input', async () => {
  const page = await openPage(site.browser, site.server.url);
  await waitStatus(page);
  const entries = await page.evaluate(() => history.length);
  // The footer's command line prints the link's rows: it is the link's query, written with it.
  const commandIsTheLink = () => page.evaluate(
    () => document.getElementById('cli-command').textContent === `rankscope run '${location.search.slice(1)}'`,
  );
  assert.ok(await commandIsTheLink(), 'the first view');
  // A short computation: the URL and the command hold the new state when the page is ready,
  // and the command is not written by the input's own task (its layout and paint would share
  // the CPU with the workers).
  const [before, atInput] = await page.evaluate(() => {
    const command = () => document.getElementById('cli-command').textContent;
    const old = command();
    const el = document.getElementById('seed');
    el.value = '77';
    el.dispatchEvent(new Event('change', { bubbles: true }));
    return [old, command()];
  });
  assert.equal(atInput, before, 'unchanged while the job computes');
  await waitStatus(page);
  assert.equal(param(page, 'seed'), '77');
  assert.ok(await commandIsTheLink(), 'the command follows the link at ready');
  assert.match(await page.textContent('#cli-command'), /seed=77/);
  assert.equal(await page.evaluate(() => history.length), entries + 1);
  // A long computation (depth 4990, ~1 s here): the URL follows within ~150 ms, before it ends.
  await page.evaluate(() => {
    const el = document.getElementById('depth');
    el.value = '787'; // log slider position → depth 4990
    el.dispatchEvent(new Event('input', { bubbles: true }));
    el.dispatchEvent(new Event('change', { bubbles: true }));
  });
  await page.waitForFunction(() => new URL(location.href).searchParams.get('depth') === '4990', null, { timeout: 2000 });
  const statusWhenWritten = await page.evaluate(() => document.body.dataset.status);
  assert.ok(await commandIsTheLink(), 'the command is written with the link of a long job');
  await waitStatus(page, 'ready', 30000);
  assert.equal(statusWhenWritten, 'computing', 'written while the long job was still running');
  assert.equal(param(page, 'depth'), '4990');
  assert.equal(await page.evaluate(() => history.length), entries + 2);
  // Back restores the previous link and view.
  await page.goBack();
  await waitStatus(page);
  assert.equal(param(page, 'depth'), '50');
  assert.equal(param(page, 'seed'), '77');
  assert.ok(await commandIsTheLink(), 'back: the command follows the restored link');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('the charts in view show their empty frame before any rows: at once, and while the cost guard asks', async () => {
  // Drawn before the first job starts (the chart code's cold first call then runs outside the
  // computation). A link too expensive to start unasked keeps that frame while the guard asks.
  const page = await openPage(site.browser, `${site.server.url}?depth=50000&width=256&batch=256`);
  await page.waitForSelector('#cost-guard:not([hidden])', { timeout: 10000 });
  assert.equal(await page.evaluate(() => document.body.dataset.status), 'confirm');
  const painted = (id) => page.evaluate((canvasId) => {
    // Share of sampled pixels that are opaque: 0 for a canvas never drawn (transparent).
    const c = document.getElementById(canvasId);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let opaque = 0;
    let n = 0;
    for (let i = 3; i < d.length; i += 4 * 101) { opaque += d[i] === 255; n += 1; }
    return opaque / n;
  }, id);
  assert.ok(await painted('chart-rank') > 0.95, 'the main chart is drawn');
  assert.ok(await painted('chart-spectrum') > 0.95, 'the spectrum, in view too, is drawn');
  const ink = await inkFraction(page, 'chart-rank');
  assert.ok(ink > 0.01 && ink < 0.1, `axes, grid and the √d level, no curves: ink ${ink}`);
  assert.equal(await painted('chart-norm'), 0, 'the scale chart below the fold is left for the job');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("a long run's progress bar moves with its streaming frames, not with each message of rows", async () => {
  // Each worker posts rows every 40 ms; a progress write per message cost a rendering frame per
  // message (65 frames in W3's 1.3 s, whose commits and compositing took CPU from the workers).
  const page = await openPage(site.browser, site.server.url);
  await waitStatus(page);
  await page.evaluate(() => {
    window.progressWrites = 0;
    new MutationObserver((records) => { window.progressWrites += records.length; })
      .observe(document.getElementById('progress'), { attributes: true, attributeFilter: ['value'] });
    const before = Math.max(...window.rankscopeTestHooks.drawLog().map(([, j]) => j));
    window.streamingDraws = () => window.rankscopeTestHooks.drawLog()
      .filter(([view, j, name]) => view === j && j > before && name === 'rank').length;
    history.pushState(null, '', '?depth=50000&width=32&batch=32&act=linear&norm=bn&init=uniform&every=100');
    dispatchEvent(new PopStateEvent('popstate'));
  });
  await page.waitForFunction(() => window.progressWrites >= 8, null, { timeout: 20000 });
  const { writes, draws, status } = await page.evaluate(() => ({
    writes: window.progressWrites, draws: window.streamingDraws(), status: document.body.dataset.status,
  }));
  assert.equal(status, 'computing');
  // One write in compute() (the bar back to 0), then at most one per streaming frame.
  assert.ok(writes <= draws + 1, `${writes} progress writes against ${draws} streaming frames`);
  await page.click('#cancel');
  await waitStatus(page);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a job its cost estimate calls short shows its progress only after a second', async () => {
  // A fresh page's first job (the default view, estimated at ~60 ms) runs for 150–400 ms while
  // the workers' code is cold; drawing partial curves then made main-thread tasks of 50–85 ms,
  // and the "Computing…" note, the progress bar and the link write each cost a frame of 50–65 ms
  // in some loads. Taken for a machine 50,000× faster than it is, the page expects the
  // 50,000-layer view to be short: none of these in its first second, then the curves grow, the
  // note and the bar show and the link is written as for any long job.
  const page = await openPage(site.browser, site.server.url);
  await waitStatus(page);
  await page.evaluate(() => {
    // When each sign of progress first appeared (performance.now()).
    window.signs = {};
    const seen = (name) => { window.signs[name] ??= performance.now(); };
    new MutationObserver(() => {
      if ('slow' in document.body.dataset) seen('note');
      if (!document.getElementById('progress-row').hidden) seen('progress');
    }).observe(document.body, { attributes: true, subtree: true, attributeFilter: ['data-slow', 'hidden'] });
    for (const method of ['pushState', 'replaceState']) {
      const write = history[method].bind(history);
      history[method] = (...args) => { seen('link'); return write(...args); };
    }
    // The main chart's draws of the jobs started from here on: ms after the job's start.
    const before = Math.max(...window.rankscopeTestHooks.drawLog().map(([, j]) => j));
    window.newJobsDraws = () => window.rankscopeTestHooks.drawLog()
      .filter(([view, j, name]) => view === j && j > before && name === 'rank')
      .map(([, , , ms]) => ms);
    window.rankscopeTestHooks.setThroughput(1e14);
    const el = document.getElementById('depth');
    el.value = '1000'; // log slider position → depth 50,000
    el.dispatchEvent(new Event('input', { bubbles: true }));
    el.dispatchEvent(new Event('change', { bubbles: true }));
  });
  await page.waitForFunction(
    () => document.body.dataset.status === 'computing' && window.newJobsDraws().length > 0,
    null, { timeout: 20000 },
  );
  const first = Math.min(...await page.evaluate(() => window.newJobsDraws()));
  assert.ok(first >= 1000, `the first partial frame came ${first.toFixed(0)} ms after the job's start`);
  // The note and the bar come with the curves; the link is written by then too.
  await page.waitForFunction(() => ['note', 'progress', 'link'].every((k) => k in window.signs), null, { timeout: 5000 });
  const signs = await page.evaluate(() => {
    const { start } = window.rankscopeTestHooks.jobTimes();
    return Object.fromEntries(Object.entries(window.signs).map(([k, t]) => [k, t - start]));
  });
  for (const [name, ms] of Object.entries(signs)) {
    assert.ok(ms >= 1000, `the ${name} came ${ms.toFixed(0)} ms after the job's start`);
  }
  await page.click('#cancel');
  await waitStatus(page);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('the chart warm-up draws a made-up view on any canvas, and names a bad link', async () => {
  // The page runs it once at start-up on a canvas it never shows (see warm_up_charts).
  const page = await openPage(site.browser, site.server.url);
  await waitStatus(page);
  const out = await page.evaluate(async () => {
    const { warm_up_charts } = await import('./www/pkg/rankscope.js');
    const ink = (query) => {
      const c = document.createElement('canvas');
      c.width = 640;
      c.height = 320;
      warm_up_charts(query, c);
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let dark = 0;
      for (let i = 0; i < d.length; i += 4) dark += d[i] < 200 && d[i + 3] === 255;
      return dark / (d.length / 4);
    };
    let error = null;
    try {
      ink('depth=abc');
    } catch (e) {
      error = e.message;
    }
    return { plain: ink(''), sweep: ink('view=sweep&depth=300'), top10: ink('detail=top10&metric=numerical_rank'), error };
  });
  for (const key of ['plain', 'sweep', 'top10']) assert.ok(out[key] > 0.005, `${key}: ink ${out[key]}`);
  assert.match(out.error, /depth/);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('growing curves are drawn only where they are in view; the rest when the run ends', async () => {
  // A fresh page's first frames run the chart code cold while the workers compute: every chart
  // in one task made a 100–185 ms main-thread task. The scale chart lies below the fold here.
  const page = await openPage(site.browser, `${site.server.url}?depth=50000&width=96&batch=96`);
  await confirmLongRun(page);
  await page.waitForFunction(
    () => window.rankscopeTestHooks.drawLog().filter(([, , name]) => name === 'rank').length >= 3,
    null, { timeout: 20000 },
  );
  assert.equal(await page.evaluate(() => document.body.dataset.status), 'computing');
  const streamed = new Set((await page.evaluate(() => window.rankscopeTestHooks.drawLog())).map(([, , name]) => name));
  assert.ok(streamed.has('spectrum'), `the heatmap in view grows too: ${[...streamed]}`);
  assert.ok(!streamed.has('norm'), `the scale chart below the fold waits: ${[...streamed]}`);
  // Scrolled to, it grows from the next frame on.
  await page.evaluate(() => document.getElementById('chart-norm').scrollIntoView());
  await page.waitForFunction(
    () => window.rankscopeTestHooks.drawLog().some(([, , name]) => name === 'norm'),
    null, { timeout: 10000 },
  );
  assert.equal(await page.evaluate(() => document.body.dataset.status), 'computing');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('the Stop button cancels a computation and keeps the partial curves', async () => {
  const page = await openPage(site.browser, `${site.server.url}?depth=50000&width=96&batch=96`);
  await confirmLongRun(page);
  await page.waitForSelector('#progress-row:not([hidden])', { timeout: 10000 });
  await page.click('#cancel');
  await waitStatus(page);
  assert.match(await page.textContent('#summary'), /^Stopped\. Layer \d+ of 50000/);
  assert.ok(await inkFraction(page, 'chart-rank') > 0.02);
  await page.context().close();
});

test('hovering a chart reads out the layer and both values', async () => {
  const page = await openPage(site.browser, site.server.url);
  await waitStatus(page);
  const box = await page.locator('#chart-rank').boundingBox();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
  await page.waitForSelector('#tip-rank:not([hidden])', { timeout: 2000 });
  const tip = await page.textContent('#tip-rank');
  assert.match(tip, /^layer \d+: soft rank \d+ \(BatchNorm\), \d+ \(no normalisation\)$/);
  await page.context().close();
});

test('new sample draws a new seed into the URL; copy link is offered', async () => {
  const page = await openPage(site.browser, site.server.url);
  await waitStatus(page);
  await page.click('#new-seed');
  await waitStatus(page);
  const seed = param(page, 'seed');
  assert.notEqual(seed, '1');
  assert.equal(await page.inputValue('#seed'), seed);
  await page.click('#copy-link');
  await page.waitForFunction(() => document.getElementById('copy-status').textContent !== '');
  assert.match(await page.textContent('#copy-status'), /Link copied|Copy this link/);
  await page.context().close();
});

test('the captions name only what the charts draw, and follow the controls', async () => {
  const page = await openPage(site.browser, `${site.server.url}?depth=20&width=16&batch=16&act=relu&detail=top10`);
  await waitStatus(page);
  let rank = await page.textContent('#caption-rank');
  assert.match(rank, /No dashed prediction/, 'ReLU nets have no closed-form prediction');
  assert.doesNotMatch(rank, /Lyapunov/);
  assert.match(rank, /√d = 4\.0/);
  assert.match(await page.textContent('#caption-spectrum'), /^The top 10 eigenvalues/);
  assert.match(await page.getAttribute('#chart-spectrum', 'aria-label'), /top 10 eigenvalues/);
  await page.selectOption('#act', 'linear');
  await waitStatus(page);
  rank = await page.textContent('#caption-rank');
  assert.match(rank, /Dashed: the prediction .* Lyapunov/, 'the linear net has its dashed curve');
  await page.selectOption('#detail', 'spectrum');
  await waitStatus(page);
  assert.match(await page.textContent('#caption-spectrum'), /every singular value/);
  await page.selectOption('#metric', 'mean_abs_cos');
  await waitStatus(page);
  rank = await page.textContent('#caption-rank');
  assert.match(rank, /No dashed prediction: mean \|cos\|/);
  assert.doesNotMatch(rank, /Green/, 'no √d level for a measure that is not a rank');
  await page.context().close();
});

test('every control has a visible label, a description and a tooltip', async () => {
  const page = await openPage(site.browser, site.server.url);
  await waitStatus(page);
  const missing = await page.evaluate(() => [...document.querySelectorAll('#controls input, #controls select')]
    .filter((el) => !(el.labels && el.labels.length > 0 && el.labels[0].textContent.trim()) || !el.getAttribute('aria-describedby') || !el.title)
    .map((el) => el.id));
  assert.deepEqual(missing, []);
  await page.context().close();
});

test('the layout works on a phone', async () => {
  const page = await openPage(site.browser, site.server.url, { width: 390, height: 844, dpr: 3 });
  await waitStatus(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling (${overflow}px)`);
  assert.ok(await inkFraction(page, 'chart-rank') > 0.02);
  await screenshot(page, 'phone');
  await page.context().close();
});

test('a WASM panic in the worker shows a readable message, and the next input works', async () => {
  const page = await openPage(site.browser, `${site.server.url}?depth=40&width=16&batch=16`);
  await waitStatus(page);
  await page.evaluate(() => window.rankscopeTestHooks.forceWorkerPanic());
  await waitStatus(page, 'error');
  const notice = await page.textContent('#notice');
  assert.match(notice, /Something went wrong: .*forced panic/);
  assert.equal(await page.isVisible('#notice'), true);
  await page.selectOption('#act', 'relu');
  await waitStatus(page);
  assert.match(await page.textContent('#summary'), /^Depth 40, width 16, batch 16: soft rank \d+ with BatchNorm/);
  await page.context().close();
});
