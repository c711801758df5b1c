// rankscope compute worker: runs the WASM simulation in slices of a few milliseconds and posts
// the rows as they are computed. A newer job cancels the running one between slices, so a
// slider drag never queues stale work. Drawing happens on the main thread (plotters measures
// text through the DOM, which a worker does not have).
import init, { Job, force_panic, last_panic, geometry_at } from './pkg/rankscope.js';

/** Milliseconds of computation per slice before yielding to incoming messages. */
const SLICE_MS = 8;
/** Rows go to the page at most this often (ms), and when the job ends: each message costs the
 *  page's main thread a task (~0.3 ms), and the page draws growing curves only every 50 ms
 *  after the first 80 ms anyway, so a short job (the default view: ~25 ms) posts once. */
const POST_MS = 40;

// The page sends the module it compiled; the worker instantiates it (no second compile).
let initialise;
const ready = new Promise((resolve, reject) => { initialise = { resolve, reject }; });
let latest = 0;

// A zero-delay yield: setTimeout is clamped to 4 ms after nesting, a MessageChannel is not.
const channel = new MessageChannel();
let wake = null;
channel.port1.onmessage = () => { const w = wake; wake = null; if (w) w(); };
const yieldToMessages = () => new Promise((resolve) => { wake = resolve; channel.port2.postMessage(0); });

function fail(id, err) {
  let message = err instanceof Error ? err.message : String(err);
  // A Rust panic traps as "unreachable"; its real message was kept by the panic hook.
  let detail = null;
  try { detail = last_panic(); } catch { /* the module may be unusable */ }
  if (detail) message = `internal error (${detail})`;
  postMessage({ type: 'error', id, message });
}

async function run(id, query, part, parts) {
  try {
    await ready;
  } catch (err) {
    fail(id, new Error(`the WebAssembly module could not be loaded: ${err}`));
    return;
  }
  if (id !== latest) return;
  let job;
  try {
    job = new Job(query, true, part, parts);
  } catch (err) {
    fail(id, err);
    return;
  }
  try {
    let held = null; // rows computed since the last post
    let lastPost = performance.now();
    let busy = 0; // ms inside the steps (the page's benchmark reports it)
    while (id === latest) {
      const t0 = performance.now();
      const out = job.step(SLICE_MS);
      busy += performance.now() - t0;
      held = held ? merge(held, out) : out;
      if (out.done || performance.now() - lastPost >= POST_MS) {
        postMessage({ type: 'rows', id, part, batch: held.batch, done: out.done, progress: out.progress, errors: held.errors, busy });
        held = null;
        lastPost = performance.now();
      }
      if (out.done) {
        // The samples at the last layer, measured after the last rows are on their way: the
        // page draws the charts meanwhile, and needs these only with the samples' panel in view.
        const samples = job.geometry();
        if (samples) postMessage({ type: 'job-geometry', id, part, geometry: samples });
        break;
      }
      await yieldToMessages();
    }
  } catch (err) {
    // A panic leaves the module unusable: report it; the page restarts this worker.
    fail(id, err);
    return;
  }
  job.free();
}

/** Two byte strings as one. */
function concatBytes(a, b) {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Two slices' output as one: rows and errors appended, in order. A run kind's rows are one
 *  byte string of self-delimiting records (src/wire.rs), so appending is concatenating. */
function merge(a, b) {
  return {
    batch: {
      main: concatBytes(a.batch.main, b.batch.main),
      twin: concatBytes(a.batch.twin, b.batch.twin),
      sweep: a.batch.sweep.concat(b.batch.sweep),
    },
    errors: a.errors.concat(b.errors),
  };
}

let pendingGeometry = null;

/** Computes the samples' geometry for the newest request only (a drag sends many). */
async function geometry(msg) {
  pendingGeometry = msg;
  await ready;
  await yieldToMessages();
  if (pendingGeometry !== msg) return;
  pendingGeometry = null;
  try {
    postMessage({ type: 'geometry', id: msg.id, data: geometry_at(msg.query, msg.layer) });
  } catch (err) {
    fail(msg.id, err);
  }
}

self.onmessage = (event) => {
  const msg = event.data;
  if (msg.type === 'init') {
    init({ module_or_path: msg.module }).then(initialise.resolve, initialise.reject);
  } else if (msg.type === 'run') {
    latest = msg.id;
    run(msg.id, msg.query, msg.part ?? 0, msg.parts ?? 1);
  } else if (msg.type === 'geometry') {
    geometry(msg);
  } else if (msg.type === 'cancel') {
    latest = msg.id;
  } else if (msg.type === 'panic') {
    // Test hook: a real Rust panic inside the worker's WASM.
    latest = msg.id;
    ready.then(() => force_panic()).catch((err) => fail(msg.id, err));
  }
};
