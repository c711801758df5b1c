// rankscope page: controls ⇄ URL ⇄ worker ⇄ charts.
//
// Data flow, one direction: the controls (or the URL) give a query string; Rust validates it
// (parse_query) and returns the canonical form, which goes into the URL and to the worker; the
// worker streams rows back; a View (Rust, main thread) collects them and draws with plotters.
// body[data-status] is "computing" while work is under way, "ready" once the current state is
// completely drawn, "error" after a failure.
import init, { parse_query, fresh_seed, View } from './pkg/rankscope.js';

const $ = (id) => document.getElementById(id);
const MAX_DEPTH = 50000;
const CHARTS = ['rank', 'spectrum', 'norm'];
/** Show the progress bar only for computations longer than this (ms). */
const PROGRESS_DELAY = 150;
/** Redraw the (costly) spectrum heatmap at most this often while rows stream in (ms). */
const SPECTRUM_INTERVAL = 300;

let state = null;          // {query, params, seed, errors} from parse_query
let view = null;           // the View of the current job
let worker = null;
let jobId = 0;
let jobStart = 0;
let dragging = false;      // a slider drag is under way: history entry already pushed
let lastNormKind = 'bn';   // what the BatchNorm toggle turns back on
let depth = 50;            // exact depth (the log slider cannot hit every integer)
let drawPending = false;
let lastSpectrumDraw = 0;
let jobDone = false;

// ---------- status, notices ----------

function setStatus(status) {
  document.body.dataset.status = status;
}

/** Lists rejected link keys in #notice; text only, never HTML from the link. */
function showNotice(errors, intro) {
  const notice = $('notice');
  notice.replaceChildren();
  if (!errors || errors.length === 0) {
    notice.hidden = true;
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
  notice.append(p, ul);
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

/** Puts parameters into the controls (no events fired). */
function setControls(p, seedText) {
  depth = p.depth;
  $('depth').value = depthToSlider(p.depth);
  $('width').value = p.width;
  $('batch').value = p.batch;
  $('act').value = p.act;
  $('norm').value = p.norm;
  if (p.norm !== 'none') lastNormKind = p.norm;
  $('bn').checked = p.norm !== 'none';
  $('init').value = p.init;
  const gamma = p.gamma == null ? '' : String(p.gamma);
  ensureOption($('gamma'), gamma, gamma);
  $('gamma').value = gamma;
  $('input').value = p.input;
  $('metric').value = p.metric;
  $('tau').value = String(p.tau);
  $('xaxis').value = p.xaxis;
  $('every').value = p.every == null ? '' : String(p.every);
  $('seed').value = seedText;
  $('seeds').value = p.seeds;
  for (const id of ['tau', 'every', 'seed']) $(id).removeAttribute('aria-invalid');
  showValues();
}

function showValues() {
  $('depth-value').textContent = depth.toLocaleString('en-US');
  $('width-value').textContent = $('width').value;
  $('batch-value').textContent = $('batch').value;
  $('seeds-value').textContent = $('seeds').value;
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
  parts.push(['metric', $('metric').value], ['xaxis', $('xaxis').value]);
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

function writeURL(query, mode) {
  const url = `${location.pathname}?${query}`;
  if (mode === 'push') history.pushState(null, '', url);
  else if (mode === 'replace') history.replaceState(null, '', url);
}

function apply(parsed, historyMode) {
  const sameView = state && state.query === parsed.query;
  state = parsed;
  setControls(parsed.params, parsed.seed);
  writeURL(parsed.query, historyMode);
  $('cli-command').textContent = `rankscope run '${parsed.query}'`;
  if (!sameView || document.body.dataset.status === 'error') compute();
}

// ---------- worker ----------

function startWorker() {
  if (worker) worker.terminate();
  worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = onWorkerMessage;
  worker.onerror = (e) => {
    e.preventDefault();
    showFailure(`the computation worker stopped (${e.message || 'unknown error'})`);
    startWorker();
  };
}

function compute() {
  jobId += 1;
  jobDone = false;
  if (view) view.free();
  view = new View(state.query);
  jobStart = performance.now();
  lastSpectrumDraw = 0;
  $('run-errors').hidden = true;
  $('run-errors').textContent = '';
  $('progress').value = 0;
  $('progress-text').textContent = '';
  setStatus('computing');
  $('summary').textContent = 'Computing…';
  worker.postMessage({ type: 'run', id: jobId, query: state.query });
}

function cancel() {
  if (document.body.dataset.status !== 'computing') return;
  jobId += 1;
  jobDone = true; // no pending frame may overwrite the stopped picture
  worker.postMessage({ type: 'cancel', id: jobId });
  $('progress-row').hidden = true;
  drawAll();
  $('summary').textContent = `Stopped. ${view.summary()}`;
  setStatus('ready');
}

function onWorkerMessage(event) {
  const msg = event.data;
  if (msg.id !== jobId) return; // a stale job: never shown
  if (msg.type === 'error') {
    showFailure(msg.message);
    startWorker(); // a panic leaves the module unusable; the next input gets a fresh one
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
  if (msg.done) {
    jobDone = true;
    $('progress-row').hidden = true;
    drawAll();
    $('summary').textContent = view.summary();
    if (document.body.dataset.status !== 'error') setStatus('ready');
    return;
  }
  if (elapsed > PROGRESS_DELAY) {
    $('progress-row').hidden = false;
    $('progress').value = msg.progress;
    $('progress-text').textContent = `${Math.floor(msg.progress * 100)}%`;
  }
  scheduleDraw();
}

// ---------- drawing ----------

/** Sizes the canvas buffer to its CSS size × devicePixelRatio; returns the scale. */
function fitCanvas(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const rect = canvas.getBoundingClientRect();
  const w = Math.max(1, Math.round(rect.width * dpr));
  const h = Math.max(1, Math.round(rect.height * dpr));
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const fontScale = parseFloat(getComputedStyle(document.documentElement).getPropertyValue('--font-scale')) || 1;
  // Charts are laid out for ~900 CSS px; narrower screens get proportionally smaller type.
  const fit = Math.min(1, Math.max(0.6, rect.width / 900));
  return dpr * fontScale * fit;
}

function drawChart(name) {
  const canvas = $(`chart-${name}`);
  const scale = fitCanvas(canvas);
  view.draw(name, canvas, scale);
}

function drawAll() {
  if (!view) return;
  try {
    for (const name of CHARTS) drawChart(name);
    if (!jobDone) $('summary').textContent = view.summary();
  } catch (err) {
    showFailure(err.message || String(err));
  }
}

function scheduleDraw() {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(() => {
    drawPending = false;
    if (jobDone || !view) return;
    try {
      drawChart('rank');
      drawChart('norm');
      const now = performance.now();
      if (now - lastSpectrumDraw > SPECTRUM_INTERVAL) {
        drawChart('spectrum');
        lastSpectrumDraw = now;
      }
      $('summary').textContent = view.summary();
    } catch (err) {
      showFailure(err.message || String(err));
    }
  });
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

function wireControls() {
  for (const id of ['depth', 'width', 'batch', 'seeds']) {
    $(id).addEventListener('input', onSliderInput);
    $(id).addEventListener('change', () => { dragging = false; });
  }
  for (const id of ['act', 'init', 'gamma', 'input', 'metric', 'xaxis', 'tau', 'every', 'seed']) {
    $(id).addEventListener('change', () => fromControls('push'));
  }
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

async function copyLink() {
  const status = $('copy-status');
  try {
    await navigator.clipboard.writeText(location.href);
    status.textContent = 'Link copied.';
  } catch {
    status.textContent = `Copy this link: ${location.href}`;
  }
  setTimeout(() => { status.textContent = ''; }, 4000);
}

/** Test hook for the browser tests: make the worker's WASM panic mid-job. */
window.rankscopeTestHooks = {
  forceWorkerPanic() {
    jobId += 1;
    setStatus('computing');
    worker.postMessage({ type: 'panic', id: jobId });
  },
};

async function main() {
  try {
    await init();
  } catch (err) {
    showFailure(`the WebAssembly module could not be loaded (${err})`);
    return;
  }
  startWorker();
  wireControls();
  const parsed = parse_query(location.search);
  showNotice(parsed.errors, 'Some settings in this link were ignored (defaults used instead):');
  apply(parsed, 'replace');
}

main();
