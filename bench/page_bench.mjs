// Latency in the page, measured in headless Chromium on this machine (not a test):
// W4 input → ready (at a settled page, and back to back), W3 first partial curve and completion,
// the longest main-thread task during computation (Long Tasks API), the time to the first drawn
// plot (first load, and the default view loaded again in the same tab), and the gzipped WASM size.
// Usage: node bench/page_bench.mjs   (after `make wasm`; run from the repository root)
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, launch, openPage, waitStatus } from '../tests/e2e/harness.js';
import { timeInputs } from './w4_inputs.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The page's per-job times (window.rankscopeTestHooks.jobTimes) summarised: when the last rows
 *  arrived, each step after that, and how long the workers spent inside the simulation. The
 *  difference between the rows' arrival and the workers' busy time is the start-up and the
 *  CPU the workers lost to the main thread and the compositor on this 2-core machine. */
function anatomy(jobs) {
  const m = (f) => median(jobs.map(f)).toFixed(1);
  const later = jobs.filter((j) => j.offscreen !== null);
  const offscreen = later.length === 0 ? 'none below the fold'
    : `the ${later.length} with panels below the fold drew them ${median(later.map((j) => j.offscreen - j.ready)).toFixed(1)} ms after ready`;
  return `rows in ${m((j) => j.rows)} (workers busy ${m((j) => Math.max(...j.busy))} of it), `
    + `charts in view drawn +${m((j) => j.charts - j.rows)}, geometry drawn (or left for later) +${m((j) => j.geometry - j.charts)}, `
    + `link written and ready +${m((j) => j.ready - j.geometry)}; ready at ${m((j) => j.ready)}; ${offscreen}`;
}

const server = await serve();
const browser = await launch();
const page = await openPage(browser, null);
await page.addInitScript(() => {
  window.longTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.longTasks.push({ start: e.startTime, ms: e.duration });
  })
    .observe({ type: 'longtask', buffered: true });
});

/** The longest of the long tasks recorded (0 if none). */
const longestTask = () => page.evaluate(() => Math.max(0, ...window.longTasks.map((t) => t.ms)));

/** Loads the default view in the page: ms from navigation start to ready, its job's record
 *  (the module's download, compile and instantiation before the job starts; the workers' start
 *  and the job until the rows are in; then the drawing) and the page's long tasks (start and
 *  duration, ms since navigation) until the panels below the fold are drawn. */
async function loadDefaultView() {
  const t0 = Date.now();
  await page.goto(server.url);
  await waitStatus(page);
  const ms = Date.now() - t0;
  return { ms, job: await page.evaluate(() => window.rankscopeTestHooks.jobTimes()), long: await page.evaluate(() => window.longTasks) };
}

// Time to the first drawn plot of the default view: V8's baseline tier and cold drawing code.
const first = await loadDefaultView();

// W4: input event → ready, the default view recomputed with new seeds. Two ways: back to back
// (the next input the moment the page is ready: the previous picture's compositing and link
// write still run, so this is a saturated page), and with the page left alone for 100 ms after
// each ready (an input arriving at a settled page — a person clicking "new sample" is slower
// still). Both loops run inside the page (bench/w4_inputs.mjs).
await page.evaluate(() => { window.longTasks.length = 0; });
const w4Loop = (pauseMs, firstSeed) => timeInputs(page, { firstSeed, pauseMs });
// The settled loop runs twice: the first 31 inputs after load overlap V8's optimising compiles
// of the code that runs once per input (drawing, parsing: ~0.2 s of CPU over the first ~15
// inputs on this machine, see BENCHMARKS.md); the next 31 are the steady state.
const w4First = (await w4Loop(100, 100)).times;
const w4Steady = await w4Loop(100, 300); // the anatomy below is of these settled inputs
const w4 = w4Steady.times;
const w4Anatomy = anatomy(w4Steady.jobs);
const w4Saturated = (await w4Loop(0, 200)).times;
const w4Long = await longestTask();

// W3: first partial curve and completion, with the worker pool and with one worker.
const w3Query = 'depth=50000&width=32&batch=32&act=linear&norm=bn&init=uniform&every=100';
async function runW3(seed) {
  await page.evaluate(() => { window.longTasks.length = 0; });
  const timing = await page.evaluate(async (q) => {
    const start = performance.now();
    history.pushState(null, '', `?${q}`);
    dispatchEvent(new PopStateEvent('popstate'));
    let first = null;
    await new Promise((resolve) => {
      const check = () => {
        const s = document.getElementById('summary').textContent;
        if (first === null && /^Layer [1-9]\d* of/.test(s)) first = performance.now() - start;
        if (document.body.dataset.status === 'confirm') document.getElementById('cost-run').click();
        if (document.body.dataset.status === 'ready') resolve(); else requestAnimationFrame(check);
      };
      check();
    });
    return { first, total: performance.now() - start };
  }, `${w3Query}&seed=${seed}`);
  const longest = await longestTask();
  return { ...timing, longest };
}
/** The default view, computed in the page's current workers (the state a page is in once it has
 *  loaded: its workers have run one job). */
async function defaultViewAgain() {
  await page.evaluate(() => {
    history.pushState(null, '', '?');
    dispatchEvent(new PopStateEvent('popstate'));
  });
  await waitStatus(page);
}
const pool = await page.evaluate(() => navigator.hardwareConcurrency);
// Pool and single worker alternate, three runs each, so that drift of this (noisy, shared)
// machine hits both alike; medians. Switching the pool's size starts new workers, so each
// switch is followed by a W3 run in fresh workers (their start-up included: the speed-up is
// taken from these), then, for the pool, by the default view and W3 again — the input a person
// makes in a loaded page, whose workers have computed a view already.
const poolRuns = [];
const warmRuns = [];
const oneRuns = [];
for (let i = 0; i < 3; i += 1) {
  await page.evaluate((n) => window.rankscopeTestHooks.setWorkerCount(n), pool);
  poolRuns.push(await runW3(1 + 3 * i));
  await defaultViewAgain();
  warmRuns.push(await runW3(2 + 3 * i));
  await page.evaluate(() => window.rankscopeTestHooks.setWorkerCount(1));
  oneRuns.push(await runW3(3 + 3 * i));
}
const byTotal = (runs) => [...runs].sort((a, b) => a.total - b.total)[Math.floor(runs.length / 2)];
const w3 = byTotal(poolRuns);
const w3Warm = byTotal(warmRuns);
const w3One = byTotal(oneRuns);
const w3Long = Math.max(...[...poolRuns, ...warmRuns, ...oneRuns].map((r) => r.longest));
const firsts = (runs) => runs.map((r) => r.first?.toFixed(0)).join(', ');

const build = await page.evaluate(() => document.body.dataset.wasmBuild);
const wasmFile = build === 'relaxed-simd' ? 'rankscope_fma_bg.wasm' : 'rankscope_bg.wasm';

// W4's two runs (main and twin) without the page's input: two more workers of the page's own
// script, fed the same jobs — one at a time in one worker (what the workers' busy time above
// would be with nothing else running), and both at once, one per worker, timed from the posts to
// the second run's rows (the floor of "rows in" above on this machine: the two cores shared by
// the two runs only, not by the input's handling and frame).
const w4Alone = await page.evaluate(async (file) => {
  const start = () => {
    const w = new Worker(new URL('www/worker.js', location.href), { type: 'module' });
    w.postMessage({ type: 'init', module: new URL(`www/pkg/${file}`, location.href).href });
    return w;
  };
  const ws = [start(), start()];
  const once = (w, id, part) => new Promise((resolve, reject) => {
    w.onmessage = (e) => {
      if (e.data.type === 'error') reject(new Error(e.data.message));
      else if (e.data.type === 'rows' && e.data.done) resolve(e.data.busy);
    };
    w.postMessage({ type: 'run', id, query: `seed=${id}`, part, parts: 2 });
  });
  // Optimised code, as in the page.
  for (let i = 0; i < 20; i += 1) await Promise.all([once(ws[0], 1000 + i, 0), once(ws[1], 1000 + i, 1)]);
  const busy = [];
  const both = [];
  for (let i = 0; i < 31; i += 1) {
    busy.push(await once(ws[0], 2000 + i, i % 2));
    await new Promise((r) => setTimeout(r, 20));
    const t0 = performance.now();
    await Promise.all([once(ws[0], 3000 + i, 0), once(ws[1], 3000 + i, 1)]);
    both.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 20));
  }
  for (const w of ws) w.terminate();
  return { busy, both };
}, wasmFile);
// The first plot again, the default view loaded anew in the same tab (a reload, or a link
// followed in it): the renderer process is reused and V8 keeps the module it compiled (looked up
// by its bytes) with the functions it has optimised so far, so the new page skips most of the
// compile and the baseline tier (a new tab or browser starts cold, as above).
const again = await loadDefaultView();
const wasm = readFileSync(path.join(root, 'www', 'pkg', wasmFile));
const js = readFileSync(path.join(root, 'www', 'pkg', 'rankscope.js'));
console.log(`cores: ${await page.evaluate(() => navigator.hardwareConcurrency)}`);
/** One load's line: the job's start since navigation, its rows, the workers' busy time, drawing. */
const loadLine = ({ ms, job, long }) => {
  // Long tasks before the job's start are the page's own start-up (parsing, layout, the
  // modules' evaluation, the charts drawn empty); those after it ran while the workers computed,
  // or drew the result.
  const longest = (tasks) => Math.max(0, ...tasks.map((t) => t.ms)).toFixed(0);
  const during = long.filter((t) => t.start >= job.start);
  return `${ms} ms; in the page: the job started at ${job.start.toFixed(0)} ms (module loaded, compiled, instantiated), its rows were in ${job.rows.toFixed(0)} ms later (the workers' start and the job, busy ${Math.max(...job.busy).toFixed(0)} ms), ready ${(job.ready - job.rows).toFixed(0)} ms after that (drawing); longest main-thread task ${longest(during)} ms from the job's start on (${longest(long.filter((t) => t.start < job.start))} ms before it)`;
};
console.log(`time to first drawn plot (default view): ${loadLine(first)}`);
console.log(`the default view loaded again in the same tab: ${loadLine(again)}`);
const spread = (t) => `median ${median(t).toFixed(1)} ms (min ${Math.min(...t).toFixed(1)}, max ${Math.max(...t).toFixed(1)})`;
console.log(`W4 input → ready, 100 ms after each ready: the first 31 inputs after load ${spread(w4First)}; the next 31 ${spread(w4)}; longest main-thread task ${w4Long.toFixed(0)} ms`);
console.log(`W4 where the time goes (medians of the same 31 settled inputs, ms from the input): ${w4Anatomy}`);
console.log(`W4's runs alone in a worker (one at a time, nothing else running): ${median(w4Alone.busy).toFixed(1)} ms each; both at once in two workers, the page idle: rows in ${median(w4Alone.both).toFixed(1)} ms`);
console.log(`W4 back to back (31 inputs, each the moment the page is ready): ${spread(w4Saturated)}`);
console.log(`W3 in a loaded page's workers (median of 3) first partial curve ${w3Warm.first?.toFixed(0)} ms (runs: ${firsts(warmRuns)}), complete ${w3Warm.total.toFixed(0)} ms; longest main-thread task in any W3 run ${w3Long.toFixed(0)} ms`);
console.log(`W3 in workers just started (median of 3) first partial curve ${w3.first?.toFixed(0)} ms (runs: ${firsts(poolRuns)}), complete ${w3.total.toFixed(0)} ms`);
console.log(`W3 with one worker (median of 3, alternating): complete ${w3One.total.toFixed(0)} ms → speed-up of the ${Math.min(pool, 4)}-worker pool ${(w3One.total / w3.total).toFixed(2)}×`);
console.log(`WASM the page loaded (${wasmFile}, build ${build}) ${(wasm.length / 1024).toFixed(0)} KiB, gzipped ${(gzipSync(wasm).length / 1024).toFixed(0)} KiB; JS glue gzipped ${(gzipSync(js).length / 1024).toFixed(0)} KiB`);
await browser.close();
server.stop();
