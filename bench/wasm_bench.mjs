// Times the WASM build (the same module the page loads) under Node on one query.
// Usage: node bench/wasm_bench.mjs '<query>'   → prints the seconds taken (one line)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import init, { Job } from '../www/pkg/rankscope.js';

const here = path.dirname(fileURLToPath(import.meta.url));
await init({ module_or_path: readFileSync(path.join(here, '..', 'www', 'pkg', 'rankscope_bg.wasm')) });
const query = process.argv[2];
const t0 = performance.now();
const job = new Job(query, false, 0, 1);
let rows = 0;
for (;;) {
  const out = job.step(1e9);
  rows += out.batch.main.length;
  if (out.done) break;
}
const took = (performance.now() - t0) / 1000;
if (rows === 0) throw new Error('no rows');
console.log(took.toFixed(6));
