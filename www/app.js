// rankscope page: controls ⇄ URL ⇄ worker ⇄ charts.
//
// Data flow, one direction: the controls (or the URL) give a query string; Rust validates it
// (parse_query) and returns the canonical form, which goes into the URL and to the worker; the
// worker streams rows back; a View (Rust, main thread) collects them and draws with plotters.
// body[data-status] is "computing" while work is under way, "ready" once the current state is
// computed and every panel in view is drawn, "error" after a failure. Panels outside the
// viewport when a job finishes are drawn in the task right after (body[data-offscreen] until
// then; see drawOffscreenLater).
import init, { parse_query, fresh_seed, presets, coarser_every, View, warm_up_charts } from './pkg/rankscope.js';

const $ = (id) => document.getElementById(id);
const MAX_DEPTH = 50000;
const CHARTS = ['rank', 'spectrum', 'norm'];
/** Show the progress bar only for computations longer than this (ms). */
const PROGRESS_DELAY = 150;
/** Redraw the (costly) spectrum heatmap at most this often while rows stream in (ms). */
const SPECTRUM_INTERVAL = 300;
/** Redraw streaming curves at most this often (ms); the finished picture is drawn at once. */
const STREAM_INTERVAL = 50;
let lastStreamDraw = 0;
/** Partial curves are drawn only once a job has run this long (ms). */
const STREAM_DELAY = 80;
/** A job its cost estimate calls shorter than SHORT_JOB_MS shows no sign of progress — no
 *  partial curves, "Computing…" note or progress bar, no link write — unless it runs past
 *  QUIET_MS; it is drawn once, finished. Why: a fresh page's first job (the default view: ~60 ms
 *  estimated, ~25 ms in warm workers) takes 150–400 ms while the workers' code is cold, and every
 *  change to the page then costs a frame whose commit waits for the compositor thread while
 *  both workers and V8's optimising compiler fill the two cores: its streaming frames were tasks
 *  of 50–85 ms in half of the fresh loads measured, the note's, the progress bar's and the link
 *  write's frames 54–65 ms in about one load in ten. */
const SHORT_JOB_MS = 250;
const QUIET_MS = 1000;
/** How long the current job shows no progress (ms after its start): 0, or QUIET_MS. */
let quietFor = 0;
/** When (ms after its start) the current job shows a sign of progress due `ms` after a job's
 *  start: not before QUIET_MS for a job expected short. */
const afterQuiet = (ms) => Math.max(quietFor, ms);
let computingNote = null;
let streamTimer = null;
/** Where the last job's time went (ms from its start), for `bench/page_bench.mjs`: its runs
 *  handed to the workers (`posted`: at once, but after a rendered frame for the first job), the
 *  last rows in, the charts drawn, the geometry panel drawn (or left for later: off screen), ready
 *  (link written), the panels outside the viewport drawn (`offscreen`, null if none was);
 *  `busy`: each worker's time inside the simulation's steps (its share of the wait for the
 *  rows); `start`: the job's start, ms since the page's navigation began. */
let jobTimes = null;
/** Records when the current job reached `milestone` of jobTimes (the first time only). */
function markJob(milestone) {
  if (jobTimes && jobTimes[milestone] === null) jobTimes[milestone] = performance.now() - jobStart;
}
/** The canvases' sizes while one finished job is drawn (see finishJob); null otherwise. */
let canvasSizes = null;
/** The finished job's panels left to draw after ready, {id, charts, geometry, timer}. */
let offscreen = null;

let state = null;          // {query, params, seed, errors, cost, captions} from parse_query
let view = null;           // the View of the current job
/** Compute workers: runs (main, twin, seeds, sweep widths) are spread over them. */
let WORKER_COUNT = Math.max(1, Math.min(navigator.hardwareConcurrency || 2, 4));
let workers = [];
let parts = null;          // the current job's parts: {count, done[], progress[]}
let jobId = 0;
/** Whether a job has been started since the page loaded (the first waits for a frame: compute). */
let firstJobStarted = false;
let jobStart = 0;
let dragging = false;      // a slider drag is under way: history entry already pushed
let lastNormKind = 'bn';   // what the BatchNorm toggle turns back on
let depth = 50;            // exact depth (the log slider cannot hit every integer)
let drawPending = false;
let lastSpectrumDraw = 0;
let jobDone = false;
let geometryId = 0;        // the geometry request whose answer is awaited
let finalGeometry = null;  // the samples at the last layer: each part posts its runs' after its last rows
let geometryIn = 0;        // how many parts' samples at the last layer arrived for the current job
let geometryWaiter = null; // what the finished job does once they are all in
let afterSamples = [];     // exports of the samples' panel asked for while they were on their way
/** A finished job's samples that are still on their way (see drawOffscreenLater). */
const COMING = Symbol('samples on their way');
let lastGeometry = null;   // the samples on screen (for the exports)
let presetList = [];       // [{name, title, caption}]
let anim = null;           // {cutoff, playing, last} while the animation runs or is paused
let chartFontScale = 1;    // the link's fs: fonts and lines of every chart
let viewState = null;      // the parsed state whose computation the charts show
let viewJobId = 0;         // the job whose rows the View holds
let wasmMemory = null;     // the main thread's WASM memory (for the tests' memory check)
// [view's job, latest job, chart, ms since the latest job's start] at each draw, for the tests
// (bounded)
const drawLog = [];
/** Work the page starts without asking, in seconds at the measured speed. */
const BUDGET_SECONDS = 15;
/** Flops per second of this machine's WASM; starts at a cautious guess, then measured. */
let throughput = 2e9; // measured here: ~2.3 GFLOP/s for the 32-wide W3 workload

// ---------- status, notices ----------

function setStatus(status) {
  if (status !== 'computing') {
    delete document.body.dataset.slow;
    flushURL(); // the page has settled: the link may now be written (see deferURL)
  }
  if (status === 'ready') markJob('ready');
  document.body.dataset.status = status;
}

/** Sets an element's text only when it changes: every write is a DOM mutation, and the
 *  layout and paint it causes compete with the workers for the CPU (2 cores here). */
function setText(id, text) {
  const el = $(id);
  if (el.textContent !== text) el.textContent = text;
}

/** Shows or hides an element, writing only on change (like setText). */
function setHidden(el, hidden) {
  if (el.hidden !== hidden) el.hidden = hidden;
}

/** Sets an attribute only when its value changes. */
function setAttr(el, name, value) {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}

/** Lists rejected link keys in #notice; text only, never HTML from the link. */
function showNotice(errors, intro) {
  const notice = $('notice');
  notice.replaceChildren();
  if (!errors || errors.length === 0) {
    setHidden(notice, true);
    return;
  }
  const p = document.createElement('p');
  p.className = 'notice-intro';
  p.textContent = intro;
  const ul = document.createElement('ul');
  for (const e of errors) {
    const li = document.createElement('li');
    li.textContent = `${e.key}: ${e.message}`;
    ul.append(li);
  }
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'notice-close';
  close.textContent = 'Dismiss';
  close.addEventListener('click', () => { notice.hidden = true; });
  notice.append(p, ul, close);
  notice.hidden = false;
}

function showFailure(message) {
  const notice = $('notice');
  notice.replaceChildren();
  notice.textContent = `Something went wrong: ${message}. Change any setting to try again.`;
  notice.hidden = false;
  setStatus('error');
}

// ---------- controls ⇄ parameters ----------

const sliderToDepth = (s) => Math.max(1, Math.round(Math.pow(MAX_DEPTH, s / 1000)));
const depthToSlider = (d) => Math.round((1000 * Math.log(d)) / Math.log(MAX_DEPTH));

function ensureOption(select, value, label) {
  if (![...select.options].some((o) => o.value === value)) {
    const opt = document.createElement('option');
    opt.value = value;
    opt.textContent = label;
    select.append(opt);
  }
}

/** Sets a control's value only when it differs (no needless style and layout work). */
function setValue(id, value) {
  const el = $(id);
  const v = String(value);
  if (el.value !== v) el.value = v;
}

/** Puts parameters into the controls (no events fired). */
function setControls(p, seedText) {
  depth = p.depth;
  setValue('depth', depthToSlider(p.depth));
  setValue('width', p.width);
  setValue('batch', p.batch);
  setValue('act', p.act);
  setValue('norm', p.norm);
  if (p.norm !== 'none') lastNormKind = p.norm;
  if ($('bn').checked !== (p.norm !== 'none')) $('bn').checked = p.norm !== 'none';
  setValue('init', p.init);
  const gamma = p.gamma == null ? '' : String(p.gamma);
  ensureOption($('gamma'), gamma, gamma);
  setValue('gamma', gamma);
  setValue('input', p.input);
  setValue('metric', p.metric);
  setValue('tau', String(p.tau));
  setValue('xaxis', p.xaxis);
  setValue('yaxis', p.yaxis);
  setValue('detail', p.detail);
  setValue('view', p.view);
  setValue('preset', p.preset ?? '');
  if ($('layer').max !== String(p.depth)) $('layer').max = String(p.depth);
  setValue('layer', String(p.layer ?? p.depth));
  setValue('every', p.every == null ? '' : String(p.every));
  setValue('seed', seedText);
  setValue('seeds', p.seeds);
  for (const id of ['tau', 'every', 'seed']) $(id).removeAttribute('aria-invalid');
  showValues();
}

/**
 * A whole number with thousands separators ("50,000"), as en-US writes it. Not Intl: the page's
 * first Intl.NumberFormat loads ICU's number data, which took ~120 ms of the main thread in a
 * fresh page's start-up (CPU profile of a first load; toLocaleString costs the same and then
 * ~1 ms per call).
 */
function groupThousands(n) {
  const digits = String(n);
  return /^\d+$/.test(digits) ? digits.replace(/\B(?=(\d{3})+$)/g, ',') : digits;
}

function showValues() {
  setText('depth-value', groupThousands(depth));
  setText('layer-value', $('layer').value);
  setText('width-value', $('width').value);
  setText('batch-value', $('batch').value);
  setText('seeds-value', $('seeds').value);
}

/** The query the controls describe (validated by Rust afterwards). */
function controlsQuery() {
  const parts = [
    ['depth', depth],
    ['width', $('width').value],
    ['batch', $('batch').value],
    ['act', $('act').value],
    ['norm', $('norm').value],
    ['init', $('init').value],
  ];
  if ($('gamma').value !== '') parts.push(['gamma', $('gamma').value]);
  parts.push(['input', $('input').value], ['tau', $('tau').value.trim()],
    ['seed', $('seed').value.trim()], ['seeds', $('seeds').value]);
  if ($('every').value.trim() !== '') parts.push(['every', $('every').value.trim()]);
  parts.push(['metric', $('metric').value], ['xaxis', $('xaxis').value],
    ['yaxis', $('yaxis').value], ['detail', $('detail').value], ['view', $('view').value]);
  if (state && state.params.layer != null) parts.push(['layer', Math.min(Number($('layer').value), depth)]);
  // Presentation settings travel with the link unchanged.
  if (state) {
    const p = state.params;
    if (p.fs !== 1) parts.push(['fs', p.fs]);
    if (p.embed) parts.push(['embed', '1']);
    if (p.hide.length > 0) parts.push(['hide', p.hide.join(',')]);
  }
  return parts.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
}

const CONTROL_OF_KEY = { tau: 'tau', every: 'every', seed: 'seed' };

/** Reads the controls; a typed value that Rust rejects is marked and explained, not run. */
function fromControls(historyMode) {
  const parsed = parse_query(controlsQuery());
  for (const id of Object.values(CONTROL_OF_KEY)) $(id).removeAttribute('aria-invalid');
  if (parsed.errors.length > 0) {
    for (const e of parsed.errors) {
      const id = CONTROL_OF_KEY[e.key];
      if (id) $(id).setAttribute('aria-invalid', 'true');
    }
    showNotice(parsed.errors, 'Not applied — please correct:');
    return;
  }
  showNotice([], '');
  apply(parsed, historyMode);
}

// ---------- URL ----------

/** Minimum time between two replaceState calls while dragging (browsers throttle them). */
const URL_INTERVAL = 100;
let lastReplace = 0;
let pendingReplace = null;

function writeURL(query, mode) {
  const url = `${location.pathname}?${query}`;
  if (mode === 'push') {
    clearTimeout(pendingReplace);
    pendingReplace = null;
    history.pushState(null, '', url);
  } else if (mode === 'replace') {
    // Throttled, with a trailing write so the URL always ends on the last state.
    clearTimeout(pendingReplace);
    const wait = lastReplace + URL_INTERVAL - performance.now();
    const write = () => {
      pendingReplace = null;
      lastReplace = performance.now();
      history.replaceState(null, '', url);
    };
    if (wait <= 0) write();
    else pendingReplace = setTimeout(write, wait);
  }
}

/** Longest time a link write waits for the computation it describes (ms). */
const URL_DEFER_MS = 150;
/** The link write waiting for the page to settle: {query, mode, timer}, or null. */
let deferredURL = null;

/**
 * Writes the link once the page has settled (status ready, error or confirm: see setStatus), or
 * after URL_DEFER_MS for a longer computation (QUIET_MS for one expected short). A history write
 * costs the browser process ~15–20 ms of CPU, which on a 2-core machine came out of the workers'
 * time: the default view's input → ready measured ~60 ms with the write at once and ~40 ms
 * without it. Writes arriving meanwhile coalesce into one (a push if any of them was a push);
 * 'none' (back/forward, where the browser already shows the new URL) drops a pending write.
 */
function deferURL(query, mode) {
  if (deferredURL) {
    clearTimeout(deferredURL.timer);
    if (mode !== 'none' && deferredURL.mode === 'push') mode = 'push';
    deferredURL = null;
  }
  if (mode !== 'push' && mode !== 'replace') return;
  deferredURL = { query, mode, timer: setTimeout(flushURL, afterQuiet(URL_DEFER_MS)) };
}

/** Performs the deferred link write, if any, and shows the link's command line. */
function flushURL() {
  if (deferredURL) {
    const { query, mode, timer } = deferredURL;
    clearTimeout(timer);
    deferredURL = null;
    writeURL(query, mode);
  }
  // The command line (in the footer, below the fold) follows the link: written at the input,
  // its text's layout and paint went into the frame that competes with the workers (the
  // default view's input → ready 30.2 → 29.3 and 30.6 → 30.3 ms in alternating rounds).
  if (state) setText('cli-command', cliCommand(state.query));
}

/** The query without view-only keys that do not change the computation. */
function computeKey(q) {
  return q.replace(/(^|&)(metric|xaxis|yaxis|detail|layer|fs|embed|hide|preset)=[^&]*/g, '');
}

function apply(parsed, historyMode, { confirmed = false } = {}) {
  state = parsed;
  stopAnimation();
  setHidden($('cost-guard'), true);
  const needsCompute = !viewState || document.body.dataset.status === 'error'
    || computeKey(viewState.query) !== computeKey(parsed.query);
  const seconds = parsed.cost / throughput;
  const guarded = needsCompute && !confirmed && seconds > BUDGET_SECONDS;
  if (needsCompute && !guarded) {
    // The workers start first; the controls, caption and link below are the main thread's
    // own work and no longer delay them (~2–4 ms per input).
    viewState = parsed;
    compute();
  }
  deferURL(parsed.query, historyMode);
  applyPresentation(parsed.params);
  showLinkState(parsed);
  if (guarded) {
    showCostGuard(parsed, seconds);
  } else if (!needsCompute && viewState.query !== parsed.query) {
    // Same simulation, other view settings: keep the rows, redraw.
    viewState = parsed;
    try {
      view.retarget(parsed.query);
    } catch (err) {
      showFailure(err.message || String(err));
      return;
    }
    if (jobDone) {
      setStatus('computing'); // redrawing; ready again once drawn
      finishJob(jobId);
    } else {
      scheduleDraw();
    }
  }
}

/** The link's values in the controls, and the texts that follow from it (written on change). */
function showLinkState(parsed) {
  setControls(parsed.params, parsed.seed);
  showCaption(parsed.params.preset);
  showChartCaptions(parsed.captions);
}

function formatSeconds(s) {
  if (s < 120) return `${Math.round(s)} seconds`;
  if (s < 7200) return `${Math.round(s / 60)} minutes`;
  return `${Math.round(s / 3600)} hours`;
}

/** Asks before a computation beyond the budget; offers a coarser cadence when that is enough. */
function showCostGuard(parsed, seconds) {
  const gflop = parsed.cost / 1e9;
  let every;
  try {
    every = coarser_every(parsed.query, BUDGET_SECONDS * throughput);
  } catch {
    every = undefined;
  }
  // The text names exactly the choices the buttons below offer.
  const keep = viewState ? 'keep the previous view' : 'show the default view';
  const choices = every === undefined
    ? `Compute it anyway (you can stop it at any time) or ${keep}. Evaluating the measures less often would not help: the layers themselves are the work.`
    : `Compute it anyway (you can stop it at any time), evaluate the measures every ${every} layers instead, or ${keep}.`;
  const amount = gflop < 10 ? gflop.toFixed(1) : groupThousands(Math.round(gflop));
  $('cost-text').textContent = `This view needs about ${amount} GFLOP — roughly ${formatSeconds(seconds)} on this machine. ${choices}`;
  setHidden($('cost-coarse'), every === undefined);
  $('cost-coarse').textContent = every === undefined ? '' : `Evaluate every ${every} layers instead`;
  $('cost-coarse').dataset.every = every === undefined ? '' : String(every);
  setHidden($('cost-guard'), false);
  $('cost-cancel').textContent = viewState ? 'Keep the previous view' : 'Show the default view';
  // Before any view is drawn the summary still says the simulator is loading: say what the
  // page waits for instead.
  if (!viewState) setText('summary', 'Nothing computed yet: this view is expensive — choose above.');
  setStatus('confirm');
  $('cost-run').focus();
}

function wireCostGuard() {
  $('cost-run').addEventListener('click', () => apply(state, 'none', { confirmed: true }));
  $('cost-cancel').addEventListener('click', () => {
    setHidden($('cost-guard'), true);
    apply(viewState ?? parse_query(''), 'replace');
    if (document.body.dataset.status === 'confirm') setStatus(jobDone ? 'ready' : 'computing');
  });
  $('cost-coarse').addEventListener('click', () => {
    const every = $('cost-coarse').dataset.every;
    const parsed = parse_query(`${state.query.replace(/(^|&)every=[^&]*/, '')}&every=${every}`);
    apply(parsed, 'replace', { confirmed: true });
  });
}

/** The terminal command that prints this view's rows (the sweep's too: the CSV export's
 *  format); `rankscope plot` with the same link draws its chart. */
function cliCommand(query = state.query) {
  return `rankscope run '${query}'`;
}

/** The charts' captions, which say only what the charts draw (see src/captions.rs). */
function showChartCaptions(captions) {
  setText('caption-rank', captions.rank);
  setText('caption-spectrum', captions.spectrum);
  setAttr($('chart-spectrum'), 'aria-label', captions.spectrum_label);
}

function showCaption(name) {
  const preset = presetList.find((p) => p.name === name);
  setHidden($('caption'), !preset);
  setText('caption', preset ? preset.caption : '');
}

/** Either width sweep (N = d, or the batch fixed at every width). */
function isSweep(p) {
  return p.view === 'sweep' || p.view === 'sweep_fixed_n';
}

/** The help texts the width sweeps replace: their controls that do nothing there are disabled
 * and say why, and the cadence's default differs. The depth view's texts are the page's own.
 * The batch is a live control of the fixed-N sweep (FIXED_N_HELP). */
const SWEEP_HELP = {
  width: 'Not used by the width sweep, which runs d = 8 … 256.',
  batch: 'Not used by this width sweep, which runs N = d. The other sweep keeps N fixed.',
  yaxis: 'Not used by the width sweep: its axes are always logarithmic.',
  xaxis: 'Not used by the width sweep: its axes are always logarithmic.',
  detail: 'Not used by the width sweep, which draws one chart.',
  every: 'Blank: about 40 evaluated layers per width. Every layer is always advanced.',
};
const DEPTH_HELP = {};
const FIXED_N_HELP = { batch: 'The batch of every width in the sweep. The 2021 theory needs N ≤ d: 8 or less.' };

/** Whether control `id` of SWEEP_HELP acts in view `view`, and its help text there. */
function controlInView(id, view) {
  DEPTH_HELP[id] ??= $(`${id}-help`).textContent;
  if (view === 'depth') return { live: true, help: DEPTH_HELP[id] };
  if (view === 'sweep_fixed_n' && FIXED_N_HELP[id]) return { live: true, help: FIXED_N_HELP[id] };
  return { live: id === 'every', help: SWEEP_HELP[id] };
}

const HIDE_TARGET = {
  header: () => document.querySelector('header.top'),
  spectrum: () => document.querySelector('.chart-spectrum'),
  scale: () => document.querySelector('.chart-norm'),
  geometry: () => $('geometry-figure'),
  about: () => $('about'),
  bn: () => document.querySelector('.toggle-row'),
  preset: () => $('preset').closest('.actions'),
  player: () => $('player'),
};

/** Font scale, embed mode and hidden elements, all from the link. */
function applyPresentation(p) {
  // The charts take the full font scale; the page's own text grows more gently so the
  // charts stay above the fold on a projector.
  chartFontScale = p.fs;
  // Written only on change: a custom property on the root restyles the whole document (on a
  // first load, 365 elements in 59 ms). Without an inline value the stylesheet's 1 applies.
  const fontScale = String(1 + (p.fs - 1) * 0.35);
  const root = document.documentElement.style;
  if ((root.getPropertyValue('--font-scale') || '1') !== fontScale) root.setProperty('--font-scale', fontScale);
  setAttr($('present'), 'aria-pressed', String(p.fs > 1));
  document.body.classList.toggle('embed', p.embed);
  // Presentation: large type, and the charts take the whole width above the controls.
  document.body.classList.toggle('presenting', p.fs > 1);
  for (const el of document.querySelectorAll('[data-hidden-by-link]')) {
    el.hidden = false;
    el.removeAttribute('data-hidden-by-link');
  }
  for (const name of p.hide) {
    const el = HIDE_TARGET[name] ? HIDE_TARGET[name]() : $(name)?.closest('.field');
    if (el) {
      el.hidden = true;
      el.setAttribute('data-hidden-by-link', '');
    }
  }
  const controlsLeft = [...document.querySelectorAll('#controls .field, #controls .toggle-row')].some((el) => !el.hidden);
  document.body.classList.toggle('no-controls', !controlsLeft);
  setHidden($('controls'), !controlsLeft);
  const sweep = isSweep(p);
  // The sweeps set d (and N = d) and their axes themselves, and draw no second chart: those
  // controls would be dead there.
  for (const id of Object.keys(SWEEP_HELP)) {
    const { live, help } = controlInView(id, p.view);
    if (id !== 'every') $(id).disabled = !live;
    setText(`${id}-help`, help);
  }
  // The sweep has no depth charts and nothing to animate; its chart and data still export.
  for (const sel of ['.chart-spectrum', '.chart-norm', '#geometry-figure', '#play', '#step', 'label[for=speed]', '#speed']) {
    const el = document.querySelector(sel);
    if (!el.hasAttribute('data-hidden-by-link')) setHidden(el, sweep);
  }
  $('export-chart').disabled = sweep || !view;
  setAttr($('export-chart'), 'title', sweep ? 'The width sweep exports its one chart' : 'Which chart the PNG and SVG buttons export');
}

/** The chart the PNG and SVG buttons export: the sweep has only its main chart. */
function exportedChart() {
  return isSweep(state.params) ? 'rank' : $('export-chart').value;
}

// ---------- worker ----------

/** (Re)starts the pool; the workers get the compiled module now, or from initWorkers once the
 *  page has it (a first load starts them before compiling: see main). */
function startWorkers() {
  for (const w of workers) w.terminate();
  workers = Array.from({ length: WORKER_COUNT }, () => {
    const w = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    w.onmessage = onWorkerMessage;
    w.onerror = (e) => {
      e.preventDefault();
      showFailure(`a computation worker stopped (${e.message || 'unknown error'})`);
      startWorkers();
    };
    return w;
  });
  if (wasmModule) initWorkers();
}

/** Hands the compiled module to the workers (started before it was ready on a first load). */
function initWorkers() {
  for (const w of workers) w.postMessage({ type: 'init', module: wasmModule });
}

/** How many workers a view's runs are spread over. */
function partCount(p) {
  const runs = isSweep(p) ? 6 * p.seeds : 2 * p.seeds;
  return Math.min(WORKER_COUNT, runs);
}

/** The animation and export controls act on a computed view: the page starts with them
 *  disabled (a first visit may wait at the cost guard, or fail to load the module) and enables
 *  them once, with the first view. (The chart selector follows the view kind in
 *  applyPresentation, which runs right after.) */
function enableViewControls() {
  for (const id of ['play', 'step', 'export-csv', 'export-png', 'export-svg']) $(id).disabled = false;
}

function compute() {
  jobId += 1;
  jobDone = false;
  finalGeometry = null;
  geometryIn = 0;
  geometryWaiter = null;
  afterSamples = [];
  clearTimeout(streamTimer);
  streamTimer = null;
  if (view) view.free();
  else enableViewControls();
  view = new View(state.query);
  viewJobId = jobId;
  jobStart = performance.now();
  jobTimes = { start: jobStart, posted: null, rows: null, charts: null, geometry: null, ready: null, offscreen: null, busy: [] };
  lastSpectrumDraw = 0;
  quietFor = (1000 * state.cost) / throughput >= SHORT_JOB_MS ? 0 : QUIET_MS;
  setHidden($('run-errors'), true);
  setText('run-errors', '');
  if ($('progress').value !== 0) $('progress').value = 0;
  setText('progress-text', '');
  pendingProgress = null;
  setStatus('computing');
  // The previous summary stays, unchanged, for short jobs: muting it at once would cost a frame
  // (style, paint, composite) that competes with the workers for the CPU. Longer ones mute it and
  // say so (data-slow), then show the progress bar and their growing curves.
  clearTimeout(computingNote);
  computingNote = setTimeout(() => {
    if (jobDone) return;
    document.body.dataset.slow = '';
    setText('summary', 'Computing…');
  }, afterQuiet(STREAM_DELAY));
  const count = partCount(state.params);
  parts = { count, done: Array(count).fill(false), progress: Array(count).fill(0) };
  const { query } = state;
  const id = jobId;
  const post = () => {
    markJob('posted');
    workers.forEach((w, part) => {
      if (part < count) w.postMessage({ type: 'run', id, query, part, parts: count });
      else w.postMessage({ type: 'cancel', id });
    });
  };
  if (!firstJobStarted) {
    // The first job's workers wait for the frame that shows what this job changed (and what
    // the start-up wrote before it): on a first load that frame's style, paint and commit took
    // 9, 9 and 27 ms with both workers busy — one task of 56 ms — and ~20 ms before they start.
    // A newer job (an input meanwhile) or a cancel makes the wait's post moot.
    firstJobStarted = true;
    renderedFrame().then(() => { if (id === jobId) post(); });
  } else {
    post();
  }
}

function cancel() {
  if (document.body.dataset.status !== 'computing') return;
  jobId += 1;
  jobDone = true; // no pending frame may overwrite the stopped picture
  for (const w of workers) w.postMessage({ type: 'cancel', id: jobId });
  setHidden($('progress-row'), true);
  drawAll();
  $('summary').textContent = `Stopped. ${view.summary()}`;
  setStatus('ready');
}

/** Draws the finished job (its last rows just arrived, so it is the newest input's). */
function finishJob(id) {
  if (id !== jobId || !view) return;
  // The link is written by setStatus once the picture is drawn, not here: the browser process
  // spends ~9 ms of CPU on a history write, which here competed with the drawing (2 cores).
  // The canvases' sizes are read before the summary's new text: the layout is still clean
  // then, while the first read after it forced a layout (0.6 ms per input of the default view)
  // in the middle of the drawing. The text's layout now waits for the next frame.
  canvasSizes = readCanvasSizes();
  try {
    setText('summary', view.summary());
    const later = { charts: drawAll({ onScreenOnly: true }), geometry: null };
    markJob('charts');
    if (!isSweep(state.params) && !$('geometry-figure').hidden) {
      const layer = state.params.layer ?? state.params.depth;
      if (layer === state.params.depth) {
        geometryId = jobId;
        // Computed by the job and posted right after its last rows: in view, drawn as soon as
        // every part's are in (ready then); out of view, drawn after ready like the other
        // panels below the fold, once they are in.
        const inView = onScreen($('chart-geometry'));
        if (geometryIn === parts.count) {
          if (!inView) later.geometry = finalGeometry;
          onGeometry({ id: jobId, data: finalGeometry }, { draw: inView });
        } else if (inView) {
          geometryWaiter = () => {
            onGeometry({ id, data: finalGeometry });
            settleComing(id, null); // drawn here: an earlier drawing of this job need not
          };
        } else {
          later.geometry = COMING;
          geometryWaiter = () => {
            if (geometryId !== id) return; // other samples were asked for meanwhile
            lastGeometry = finalGeometry;
            settleComing(id, finalGeometry);
          };
          markJob('geometry');
          if (document.body.dataset.status !== 'error') setStatus('ready');
        }
      } else {
        requestGeometry(); // ready once the samples are drawn too
      }
    } else if (document.body.dataset.status !== 'error') {
      setStatus('ready');
    }
    drawOffscreenLater(later);
  } finally {
    canvasSizes = null; // any later drawing reads the layout of its own moment
  }
}

/** Whether any of the element's box is inside the viewport (from the sizes read for this
 *  drawing when there are: no extra layout). */
function onScreen(el) {
  const r = canvasSizes?.get(el) ?? el.getBoundingClientRect();
  return r.bottom > 0 && r.right > 0 && r.top < window.innerHeight && r.left < window.innerWidth;
}

/**
 * Draws the finished job's panels that were outside the viewport, in the task after the one
 * that made the page ready: the visible picture no longer waits for them. (At 1280 × 900 the
 * samples' panel and the scale chart: not drawing them at all took the default view's input →
 * ready from 31.5 to 28.8 ms; drawing them after ready measured 28.4 against 27.0 ms, faster in
 * 6 of 8 rounds of bench/page_ab.mjs.) A newer input before that task makes them stale: its own
 * job draws them, so they are skipped. body[data-offscreen] is set meanwhile.
 */
function drawOffscreenLater({ charts, geometry }) {
  if (offscreen) {
    // The same job drawn again (a view-only change) before the last ones were: both lists.
    clearTimeout(offscreen.timer);
    if (offscreen.id === jobId) {
      charts = [...new Set([...offscreen.charts, ...charts])];
      geometry = geometry ?? offscreen.geometry;
    }
    offscreen = null;
  }
  if (charts.length === 0 && !geometry) {
    delete document.body.dataset.offscreen;
    return;
  }
  document.body.dataset.offscreen = 'pending';
  offscreen = { id: jobId, charts, geometry, timer: setTimeout(drawOffscreen, 0) };
}

/** The finished job `id`'s samples are in: the pending drawing of the panels out of view draws
 *  `samples` (null: nothing) where it waited for them. */
function settleComing(id, samples) {
  if (offscreen?.id !== id || offscreen.geometry !== COMING) return;
  offscreen.geometry = samples;
  clearTimeout(offscreen.timer);
  offscreen.timer = setTimeout(drawOffscreen, 0);
}

/** Draws one of the pending panels, then schedules the next: each in a task of its own (on a
 *  first load they run cold — the scale chart and the samples' panel took 21–62 ms together).
 *  The samples may still be on their way (COMING): then it waits for settleComing. */
function drawOffscreen() {
  const pending = offscreen;
  const finish = () => {
    offscreen = null;
    delete document.body.dataset.offscreen;
  };
  if (pending.id !== jobId || !view || document.body.dataset.status === 'error') {
    finish();
    return;
  }
  if (pending.charts.length === 0 && pending.geometry === COMING) return;
  try {
    if (pending.charts.length > 0) {
      drawChart(pending.charts.shift());
    } else {
      // Unless other samples were drawn meanwhile (the layer slider asks the worker for them).
      if (pending.geometry === lastGeometry) drawGeometry(pending.geometry);
      pending.geometry = null;
    }
  } catch (err) {
    finish();
    showFailure(err.message || String(err));
    return;
  }
  if (pending.charts.length > 0 || pending.geometry) {
    pending.timer = setTimeout(drawOffscreen, 0);
    return;
  }
  finish();
  markJob('offscreen');
}

/** The CSS boxes of the page's canvases, read at once (one layout at most). */
function readCanvasSizes() {
  const sizes = new Map();
  for (const canvas of document.querySelectorAll('canvas')) sizes.set(canvas, canvas.getBoundingClientRect());
  return sizes;
}

function requestGeometry() {
  geometryId = jobId;
  const layer = Math.min(Number($('layer').value), state.params.depth);
  workers[0].postMessage({ type: 'geometry', id: jobId, query: state.query, layer });
}

function drawGeometry(data) {
  const canvas = $('chart-geometry');
  view.draw_geometry(canvas, fitCanvas(canvas), data);
}

/** The samples of the current job arrived: drawn (unless `draw` is false: the panel is off
 *  screen and drawOffscreenLater has them), then the page is ready. */
function onGeometry(msg, { draw = true } = {}) {
  if (msg.id !== jobId || msg.id !== geometryId) return;
  try {
    if (draw) drawGeometry(msg.data);
    lastGeometry = msg.data;
    markJob('geometry');
  } catch (err) {
    showFailure(err.message || String(err));
    return;
  }
  if (document.body.dataset.status !== 'error') setStatus('ready');
}

/** A part's samples at the last layer (posted right after its last rows). Each part reports the
 *  first seed's runs it holds: the main run's from one, the twin's from another. Once every
 *  part's are in, the finished job's waiter (if any) shows them. */
function onPartGeometry(msg) {
  finalGeometry = {
    main: finalGeometry?.main ?? msg.geometry.main,
    twin: finalGeometry?.twin ?? msg.geometry.twin,
    errors: [...(finalGeometry?.errors ?? []), ...msg.geometry.errors],
  };
  geometryIn += 1;
  if (geometryIn < parts.count || !geometryWaiter) return;
  const waiter = geometryWaiter;
  geometryWaiter = null;
  waiter();
  for (const f of afterSamples.splice(0)) f();
}

function onWorkerMessage(event) {
  const msg = event.data;
  if (msg.type === 'geometry') {
    onGeometry(msg);
    return;
  }
  if (msg.id !== jobId) return; // a stale job: never shown
  if (msg.type === 'error') {
    showFailure(msg.message);
    startWorkers(); // a panic leaves the module unusable; the next input gets fresh ones
    return;
  }
  if (msg.type === 'job-geometry') {
    onPartGeometry(msg);
    return;
  }
  try {
    view.push(msg.batch);
    for (const e of msg.errors) {
      view.add_error(e);
      const line = $('run-errors');
      line.hidden = false;
      line.textContent = (line.textContent ? `${line.textContent} ` : '') + `Run stopped early: ${e}`;
    }
  } catch (err) {
    showFailure(err.message || String(err));
    return;
  }
  const elapsed = performance.now() - jobStart;
  const part = msg.part ?? 0;
  parts.progress[part] = msg.progress;
  parts.done[part] = msg.done;
  const progress = parts.progress.reduce((a, b) => a + b, 0) / parts.count;
  if (msg.done) jobTimes.busy.push(msg.busy);
  if (parts.done.every(Boolean)) {
    jobDone = true;
    jobTimes.rows = elapsed;
    if (elapsed > 300) {
      // Measured speed of this machine, smoothed, for the next cost estimate.
      throughput = 0.5 * throughput + 0.5 * (state.cost / (elapsed / 1000));
    }
    setHidden($('progress-row'), true);
    finishJob(msg.id);
    return;
  }
  // Shown with the next streaming frame (below), not at each message: every change to the page
  // costs a frame, and rows arrive from each worker every 40 ms.
  if (elapsed > afterQuiet(PROGRESS_DELAY)) pendingProgress = progress;
  // A short job is drawn once, finished; a longer one shows its curves growing.
  const streamAfter = afterQuiet(STREAM_DELAY);
  if (elapsed > streamAfter) scheduleDraw();
  else if (!streamTimer) {
    streamTimer = setTimeout(() => { streamTimer = null; if (!jobDone) scheduleDraw(); }, streamAfter - elapsed);
  }
}

// ---------- drawing ----------

/** Sizes the canvas buffer to its CSS size × devicePixelRatio; returns the scale. */
function fitCanvas(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const rect = canvasSizes?.get(canvas) ?? canvas.getBoundingClientRect();
  const w = Math.max(1, Math.round(rect.width * dpr));
  const h = Math.max(1, Math.round(rect.height * dpr));
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  // Charts are laid out for ~900 CSS px; narrower screens get proportionally smaller type.
  const fit = Math.min(1, Math.max(0.6, rect.width / 900));
  return dpr * chartFontScale * fit;
}

function drawChart(name) {
  if (drawLog.length >= 5000) drawLog.splice(0, 2500);
  drawLog.push([viewJobId, jobId, name, performance.now() - jobStart]);
  const canvas = $(`chart-${name}`);
  const scale = fitCanvas(canvas);
  view.draw(name, canvas, scale);
}

function visibleCharts() {
  return CHARTS.filter((name) => !$(`chart-${name}`).closest('figure').hidden);
}

/** The shown charts with any of their box inside the viewport. */
function chartsInView() {
  return visibleCharts().filter((name) => onScreen($(`chart-${name}`)));
}

/** Draws every shown chart, or with `onScreenOnly` those in the viewport; returns the charts
 *  it left undrawn. */
function drawAll({ onScreenOnly = false } = {}) {
  if (!view) return [];
  const left = [];
  try {
    for (const name of visibleCharts()) {
      if (onScreenOnly && !onScreen($(`chart-${name}`))) left.push(name);
      else drawChart(name);
    }
    if (!jobDone) setText('summary', view.summary());
  } catch (err) {
    showFailure(err.message || String(err));
  }
  return left;
}

/** The progress the last rows reported, shown in the next streaming frame (null: nothing new). */
let pendingProgress = null;

function showProgress() {
  if (pendingProgress === null) return;
  setHidden($('progress-row'), false);
  $('progress').value = pendingProgress;
  setText('progress-text', `${Math.floor(pendingProgress * 100)}%`);
  pendingProgress = null;
}

/**
 * Draws the growing curves of a running job, and shows its progress, at most every
 * STREAM_INTERVAL ms: only the charts in view (one scrolled to shows at the next frame; the rest
 * are drawn when the job ends), and the spectrum in a task of its own. Why: a fresh page's first
 * drawing runs the chart code cold (compiled on first call, then in V8's baseline tier) while
 * the workers still compute its first job — drawing everything in one task made a 100–185 ms
 * main-thread task there (the rank chart 66–90 ms, the spectrum 18–29, the scale chart below the
 * fold 14–17). The progress bar waits for these frames: written at each message of rows, it cost
 * a frame per message (see showProgress).
 */
function scheduleDraw() {
  if (drawPending) return;
  drawPending = true;
  const wait = Math.max(0, lastStreamDraw + STREAM_INTERVAL - performance.now());
  setTimeout(() => requestAnimationFrame(() => {
    drawPending = false;
    if (jobDone || !view) return;
    lastStreamDraw = performance.now();
    try {
      const charts = chartsInView();
      for (const name of charts) if (name !== 'spectrum') drawChart(name);
      setText('summary', view.summary());
      showProgress();
      const now = performance.now();
      if (charts.includes('spectrum') && now - lastSpectrumDraw > SPECTRUM_INTERVAL) {
        lastSpectrumDraw = now;
        const streaming = view;
        setTimeout(() => {
          if (jobDone || view !== streaming) return;
          try {
            drawChart('spectrum');
          } catch (err) {
            showFailure(err.message || String(err));
          }
        }, 0);
      }
    } catch (err) {
      showFailure(err.message || String(err));
    }
  }), wait);
}

function wireHover(name) {
  const canvas = $(`chart-${name}`);
  const tip = $(`tip-${name}`);
  canvas.addEventListener('pointermove', (e) => {
    if (!view) return;
    const x = e.offsetX * (canvas.width / canvas.clientWidth);
    let text;
    try {
      text = view.hover(name, x);
    } catch {
      text = undefined;
    }
    if (!text) {
      tip.hidden = true;
      return;
    }
    tip.textContent = text;
    tip.hidden = false;
    const left = Math.min(e.offsetX + 14, canvas.clientWidth - tip.offsetWidth - 4);
    tip.style.left = `${Math.max(0, left)}px`;
    tip.style.top = `${Math.max(0, e.offsetY - 34)}px`;
  });
  canvas.addEventListener('pointerleave', () => { tip.hidden = true; });
}

// ---------- events ----------

function onSliderInput(e) {
  if (e.target.id === 'depth') depth = sliderToDepth(Number(e.target.value));
  showValues();
  // The first input of a drag makes a history entry; later ones replace it.
  fromControls(dragging ? 'replace' : 'push');
  dragging = true;
}

/** Each control explains itself on hover too: its help line becomes its tooltip. */
function addTooltips() {
  for (const el of document.querySelectorAll('#controls [aria-describedby]')) {
    const help = document.getElementById(el.getAttribute('aria-describedby'));
    if (help && !el.title) el.title = help.textContent;
  }
}

function wireControls() {
  addTooltips();
  for (const id of ['depth', 'width', 'batch', 'seeds']) {
    $(id).addEventListener('input', onSliderInput);
    $(id).addEventListener('change', () => { dragging = false; });
  }
  for (const id of ['act', 'init', 'gamma', 'input', 'metric', 'xaxis', 'yaxis', 'detail', 'view', 'tau', 'every', 'seed']) {
    $(id).addEventListener('change', () => fromControls('push'));
  }
  $('layer').addEventListener('input', () => { showValues(); });
  $('layer').addEventListener('change', () => {
    const parsed = parse_query(`${state.query.replace(/(^|&)layer=[^&]*/, '')}&layer=${$('layer').value}`);
    showNotice(parsed.errors, 'Not applied — please correct:');
    if (parsed.errors.length === 0) apply(parsed, 'push');
  });
  $('preset').addEventListener('change', () => {
    const name = $('preset').value;
    if (!name) return;
    const keep = state.params;
    const extra = [keep.fs !== 1 ? `&fs=${keep.fs}` : '', keep.embed ? '&embed=1' : '',
      keep.hide.length ? `&hide=${keep.hide.join(',')}` : ''].join('');
    const parsed = parse_query(`preset=${encodeURIComponent(name)}${extra}`);
    showNotice(parsed.errors, 'Not applied:');
    apply(parsed, 'push');
  });
  $('play').addEventListener('click', togglePlay);
  $('step').addEventListener('click', stepAnimation);
  $('present').addEventListener('click', togglePresentation);
  $('fullscreen').addEventListener('click', toggleFullscreen);
  $('help').addEventListener('click', () => $('shortcuts').showModal());
  $('export-csv').addEventListener('click', exportCsv);
  $('export-png').addEventListener('click', exportPng);
  $('export-svg').addEventListener('click', exportSvg);
  $('copy-cli').addEventListener('click', () => copyText(cliCommand(), 'CLI command copied.'));
  document.addEventListener('keydown', onKey);
  $('norm').addEventListener('change', () => {
    if ($('norm').value !== 'none') lastNormKind = $('norm').value;
    fromControls('push');
  });
  $('bn').addEventListener('change', () => {
    $('norm').value = $('bn').checked ? lastNormKind : 'none';
    fromControls('push');
  });
  $('new-seed').addEventListener('click', () => {
    try {
      $('seed').value = fresh_seed();
    } catch (err) {
      showFailure(err.message || String(err));
      return;
    }
    fromControls('push');
  });
  $('cancel').addEventListener('click', cancel);
  $('copy-link').addEventListener('click', copyLink);
  $('controls').addEventListener('submit', (e) => e.preventDefault());
  window.addEventListener('popstate', () => {
    const parsed = parse_query(location.search);
    showNotice(parsed.errors, 'Some settings in this link were ignored:');
    apply(parsed, 'none');
  });
  new ResizeObserver(() => { if (view && document.body.dataset.status !== 'computing') drawAll(); })
    .observe(document.querySelector('.plots'));
  for (const name of CHARTS) wireHover(name);
}

async function copyText(text, done) {
  const status = $('copy-status');
  try {
    await navigator.clipboard.writeText(text);
    status.textContent = done;
  } catch {
    status.textContent = `Copy this: ${text}`;
  }
  setTimeout(() => { status.textContent = ''; }, 4000);
}

function copyLink() {
  flushURL();
  return copyText(location.href, 'Link copied.');
}

// ---------- presentation, full screen, keyboard ----------

function togglePresentation() {
  const fs = state.params.fs > 1 ? 1 : 2;
  const parsed = parse_query(state.query.replace(/(^|&)fs=[^&]*/, '') + (fs === 1 ? '' : `&fs=${fs}`));
  apply(parsed, 'push');
}

function toggleFullscreen() {
  if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
  else document.documentElement.requestFullscreen().catch((err) => {
    $('copy-status').textContent = `Full screen is not available here (${err.message}).`;
  });
}

function typingIn(target) {
  return target instanceof HTMLInputElement && target.type !== 'range' && target.type !== 'checkbox'
    || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement;
}

function nudgeDepth(direction) {
  const slider = $('depth');
  slider.value = String(Math.min(1000, Math.max(0, Number(slider.value) + direction * 40)));
  depth = sliderToDepth(Number(slider.value));
  showValues();
  fromControls('push');
}

function onKey(e) {
  if (e.ctrlKey || e.metaKey || e.altKey || typingIn(e.target) || $('shortcuts').open) return;
  const onSlider = e.target instanceof HTMLInputElement && e.target.type === 'range';
  switch (e.key) {
    case '?': $('shortcuts').showModal(); break;
    case ' ':
      if (e.target instanceof HTMLButtonElement) return; // the button's own activation
      togglePlay();
      break;
    case '.': stepAnimation(); break;
    case 'ArrowRight': if (onSlider) return; nudgeDepth(1); break;
    case 'ArrowLeft': if (onSlider) return; nudgeDepth(-1); break;
    case 'b': $('bn').click(); break;
    case 'n': $('new-seed').click(); break;
    case 'c': copyLink(); break;
    case 'p': togglePresentation(); break;
    case 'f': toggleFullscreen(); break;
    default: return;
  }
  e.preventDefault();
}

// ---------- animation ----------

const reducedMotion = () => window.matchMedia('(prefers-reduced-motion: reduce)').matches;

function stopAnimation() {
  if (!anim) return;
  anim.playing = false;
  anim = null;
  $('play').textContent = '▶ Play';
  $('play').setAttribute('aria-pressed', 'false');
  if (view) view.set_cutoff(undefined);
}

function showCutoff() {
  view.set_cutoff(anim.cutoff >= state.params.depth ? undefined : Math.floor(anim.cutoff));
  drawAll();
  setText('summary', view.summary());
}

function togglePlay() {
  if (!view || !jobDone || isSweep(state.params)) return;
  if (anim && anim.playing) {
    anim.playing = false;
    $('play').textContent = '▶ Play';
    $('play').setAttribute('aria-pressed', 'false');
    return;
  }
  if (!anim || anim.cutoff >= state.params.depth) anim = { cutoff: 0 };
  anim.playing = true;
  anim.last = performance.now();
  $('play').textContent = '❚❚ Pause';
  $('play').setAttribute('aria-pressed', 'true');
  const seconds = Number($('speed').value);
  const frame = (now) => {
    if (!anim || !anim.playing) return;
    const depthNow = state.params.depth;
    if (reducedMotion()) {
      // No smooth motion: ten discrete steps, one every 0.1 × duration.
      if (now - anim.last < (seconds * 1000) / 10) { requestAnimationFrame(frame); return; }
      anim.cutoff += depthNow / 10;
    } else {
      anim.cutoff += (depthNow * (now - anim.last)) / (seconds * 1000);
    }
    anim.last = now;
    if (anim.cutoff >= depthNow) {
      anim.cutoff = depthNow;
      showCutoff();
      stopAnimation();
      return;
    }
    showCutoff();
    requestAnimationFrame(frame);
  };
  showCutoff();
  requestAnimationFrame(frame);
}

function stepAnimation() {
  if (!view || !jobDone || isSweep(state.params)) return;
  if (!anim) anim = { cutoff: 0, playing: false };
  if (anim.playing) togglePlay();
  anim.cutoff = Math.min(state.params.depth, Math.floor(anim.cutoff) + Math.max(1, Math.ceil(state.params.depth / 50)));
  showCutoff();
  if (anim.cutoff >= state.params.depth) stopAnimation();
}

// ---------- exports ----------

function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function fileStem() {
  const p = state.params;
  if (p.preset) return `rankscope-${p.preset}`;
  if (p.view === 'sweep_fixed_n') return `rankscope-sweep-n${p.batch}-L${p.depth}-${p.norm}`;
  return p.view === 'sweep' ? `rankscope-sweep-L${p.depth}-${p.norm}` : `rankscope-d${p.width}-n${p.batch}-L${p.depth}-${p.norm}`;
}

function exportCsv() {
  if (!view) return;
  download(new Blob([view.csv()], { type: 'text/csv' }), `${fileStem()}.csv`);
}

/** Whether the finished job's samples are a moment away (posted after its rows): then the
 *  export `retry` of the samples' panel runs again once they are in. */
function samplesComing(retry) {
  if (!geometryWaiter) return false;
  afterSamples.push(retry);
  return true;
}

/** The chosen chart at 2400 px wide (slides), drawn by the same code on an offscreen canvas. */
function exportPng() {
  if (!view) return;
  const name = exportedChart();
  const onScreen = $(`chart-${name}`);
  const canvas = document.createElement('canvas');
  canvas.width = 2400;
  canvas.height = Math.round(2400 * (onScreen.clientHeight / Math.max(1, onScreen.clientWidth)) || 1200);
  try {
    if (name === 'geometry') {
      if (samplesComing(exportPng)) return;
      if (!lastGeometry) return;
      view.draw_geometry(canvas, 2400 / 900, lastGeometry);
    } else {
      view.draw(name, canvas, 2400 / 900);
      if (!onScreen.closest('figure').hidden) drawChart(name); // the on-screen frame (hover) again
    }
  } catch (err) {
    showFailure(err.message || String(err));
    return;
  }
  canvas.toBlob((blob) => download(blob, `${fileStem()}-${name}.png`), 'image/png');
}

function exportSvg() {
  if (!view) return;
  const name = exportedChart();
  const canvas = $(`chart-${name}`);
  const h = Math.round(1200 * (canvas.clientHeight / Math.max(1, canvas.clientWidth)) || 600);
  if (name === 'geometry' && samplesComing(exportSvg)) return;
  try {
    const svg = name === 'geometry'
      ? (lastGeometry ? view.geometry_svg(lastGeometry, 1200, h, 1.3) : null)
      : view.svg(name, 1200, h, 1.3);
    if (svg) download(new Blob([svg], { type: 'image/svg+xml' }), `${fileStem()}-${name}.svg`);
  } catch (err) {
    showFailure(err.message || String(err));
  }
}

/** Hooks for the browser tests: force a worker panic; read the draw log and memory sizes. */
window.rankscopeTestHooks = {
  drawLog: () => drawLog.slice(),
  /** The current view's table, as the CSV export would save it. */
  csv: () => (view ? view.csv() : ''),
  wasmBytes: () => (wasmMemory ? wasmMemory.buffer.byteLength : 0),
  /** Where the last job's time went: see `jobTimes`. */
  jobTimes: () => (jobTimes ? { ...jobTimes, busy: jobTimes.busy.slice() } : null),
  /**
   * Draws a chart (or the geometry panel) with the page's batched backend and with plain
   * plotters-canvas on two off-screen canvases of the on-screen size, and counts the pixels
   * that differ: {pixels, differing, maxDiff, inked} (inked: pixels of the reference that are
   * not white).
   */
  compareWithReference(name) {
    const onScreen = $(`chart-${name}`);
    const scale = fitCanvas(onScreen);
    const make = () => {
      const c = document.createElement('canvas');
      c.width = onScreen.width;
      c.height = onScreen.height;
      return c;
    };
    const batched = make();
    const reference = make();
    if (name === 'geometry') {
      view.draw_geometry(batched, scale, lastGeometry);
      view.reference_draw_geometry(reference, scale, lastGeometry);
    } else {
      view.draw(name, batched, scale);
      view.reference_draw(name, reference, scale);
      drawChart(name); // the hover frames of the on-screen chart again
    }
    const a = batched.getContext('2d').getImageData(0, 0, batched.width, batched.height).data;
    const b = reference.getContext('2d').getImageData(0, 0, reference.width, reference.height).data;
    let differing = 0;
    let maxDiff = 0;
    let inked = 0;
    for (let i = 0; i < a.length; i += 4) {
      const d = Math.max(Math.abs(a[i] - b[i]), Math.abs(a[i + 1] - b[i + 1]), Math.abs(a[i + 2] - b[i + 2]), Math.abs(a[i + 3] - b[i + 3]));
      if (d > 0) differing += 1;
      maxDiff = Math.max(maxDiff, d);
      if (b[i] < 250 || b[i + 1] < 250 || b[i + 2] < 250) inked += 1;
    }
    return { pixels: a.length / 4, differing, maxDiff, inked };
  },
  /** The speed (FLOP/s) the cost estimates assume: a test makes a long job look short. */
  setThroughput(flops) {
    throughput = flops;
  },
  /** The benchmark compares one worker with the pool in the same run. */
  setWorkerCount(n) {
    WORKER_COUNT = Math.max(1, Math.min(4, Math.floor(n)));
    startWorkers();
  },
  forceWorkerPanic() {
    jobId += 1;
    setStatus('computing');
    workers[0].postMessage({ type: 'panic', id: jobId });
  },
};

/** The compiled WASM module, compiled once and handed to every worker (no recompiles). */
let wasmModule = null;

/**
 * Whether this browser runs WebAssembly relaxed SIMD: validates a tiny module whose only
 * function computes f64x2.relaxed_madd(splat 1, splat 1, splat 1). Then the page loads the build
 * with fused multiply-adds (same code and glue, ~10–20 % faster products and reductions);
 * otherwise the plain SIMD build.
 */
function relaxedSimdSupported() {
  const splatOne = [0x44, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0xfd, 0x14]; // f64.const 1; f64x2.splat
  const body = [0x00, ...splatOne, ...splatOne, ...splatOne, 0xfd, 0x87, 0x02, 0x0b];
  const bytes = new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // types: () -> v128
    0x03, 0x02, 0x01, 0x00, // one function of type 0
    0x0a, body.length + 2, 0x01, body.length, ...body, // its code
  ]);
  try {
    return WebAssembly.validate(bytes);
  } catch {
    return false;
  }
}

/** Resolves once the browser has rendered a frame (or after 100 ms: a hidden tab renders none). */
function renderedFrame() {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 100);
    requestAnimationFrame(() => setTimeout(() => { clearTimeout(timer); resolve(); }, 0));
  });
}

/** Resolves in a later task: what waits for the main thread runs in between. */
function nextTask() {
  if (globalThis.scheduler?.yield) return globalThis.scheduler.yield();
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(0);
  });
}

async function main() {
  const fma = relaxedSimdSupported();
  const wasmFile = fma ? 'rankscope_fma_bg.wasm' : 'rankscope_bg.wasm';
  document.body.dataset.wasmBuild = fma ? 'relaxed-simd' : 'simd';
  setText('wasm-build', fma ? 'SIMD with fused multiply-add' : 'SIMD');
  // The workers first: each fetches and evaluates its scripts while the module compiles here.
  startWorkers();
  try {
    wasmModule = await WebAssembly.compileStreaming(fetch(new URL(`./pkg/${wasmFile}`, import.meta.url)));
    initWorkers();
    const exports = await init({ module_or_path: wasmModule });
    wasmMemory = exports.memory;
  } catch (err) {
    for (const w of workers) w.terminate();
    workers = [];
    showFailure(`the WebAssembly module could not be loaded (${err})`);
    return;
  }
  presetList = presets();
  for (const p of presetList) {
    const opt = document.createElement('option');
    opt.value = p.name;
    opt.textContent = p.title;
    $('preset').append(opt);
  }
  // The start-up's pieces in tasks of their own (a first load's were one task of ~140 ms here:
  // the first calls into the module run cold), so the browser can render in between.
  await nextTask();
  const parsed = parse_query(location.search);
  await nextTask();
  showNotice(parsed.errors, 'Some settings in this link were ignored (defaults used instead):');
  applyPresentation(parsed.params); // the layout the link asks for, before anything is drawn
  // The link's values and texts too (apply below finds them in place). The frame that lays them
  // out is rendered before the first job's workers start (see compute).
  showLinkState(parsed);
  await drawEmptyCharts(parsed.query);
  await warmUpCurves(parsed.query);
  // Wired only now: an input during the empty charts' tasks would start a job from controls that
  // do not show the link's values yet, and the link's state below would then replace it.
  wireControls();
  wireCostGuard();
  apply(parsed, 'replace');
}

/**
 * Draws the charts in view without data (titles, axes, reference lines), each in a task of its
 * own, while the workers start. The page shows its frame at once, and the chart code's first
 * call — compiled on the spot and run in V8's baseline tier: ~45–60 ms for the main chart,
 * ~30–55 for the spectrum — happens before the first job starts instead of in the frames drawn
 * while it computes (there, one task of 61–91 ms). The spectrum goes first: most of a cold draw is code both
 * charts share, and the spectrum's own part is the smaller (twelve fresh loads each, the longer
 * of the two tasks: median 66 ms with the main chart first, 51 with the spectrum first, which
 * then takes 36–108 ms and the main chart 14–34; both together 102 → 78 ms).
 * Failing here is harmless: the job's own drawing reports errors.
 */
async function drawEmptyCharts(query) {
  let empty = null;
  try {
    empty = new View(query);
    const inView = chartsInView();
    const order = [...inView.filter((name) => name === 'spectrum'), ...inView.filter((name) => name !== 'spectrum')];
    for (const name of order) {
      await nextTask();
      const canvas = $(`chart-${name}`);
      empty.draw(name, canvas, fitCanvas(canvas));
    }
    await nextTask();
  } catch {
    // nothing to show yet
  } finally {
    empty?.free();
  }
}

/**
 * Runs the curves' drawing code once, cold, in a task of its own: a made-up view of the link on
 * a canvas never shown (see warm_up_charts in src/web.rs). The empty charts warm the frames'
 * code only, and the first job's curves, drawn cold while both workers and V8's optimising
 * compiler filled the two cores, made main-thread tasks of 50–85 ms. Failing here is harmless:
 * the job's own drawing reports errors.
 */
async function warmUpCurves(query) {
  try {
    const hidden = document.createElement('canvas');
    hidden.width = 640;
    hidden.height = 320;
    warm_up_charts(query, hidden);
  } catch {
    // nothing gained, nothing lost
  }
  await nextTask();
}

main();
