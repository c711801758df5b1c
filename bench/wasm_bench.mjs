// Times the WASM build (the same module the page loads) under Node.
// Usage: node bench/wasm_bench.mjs [--fma] '<query>'   → seconds the run took (one line)
//        node bench/wasm_bench.mjs [--fma] --matmul N   → GFLOP/s of the N×N×N product kernel (best of 9)
// --fma loads the relaxed-SIMD build (Node 20 needs --experimental-wasm-relaxed-simd for it).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import init, { Job, bench_matmul } from '../www/pkg/rankscope.js';

const args = process.argv.slice(2);
const fma = args[0] === '--fma';
if (fma) args.shift();
const here = path.dirname(fileURLToPath(import.meta.url));
const file = fma ? 'rankscope_fma_bg.wasm' : 'rankscope_bg.wasm';
await init({ module_or_path: readFileSync(path.join(here, '..', 'www', 'pkg', file)) });

if (args[0] === '--matmul') {
  const n = Number(args[1] ?? 256);
  let best = Infinity;
  bench_matmul(n); // warm-up (tier-up to optimised code)
  for (let i = 0; i < 9; i += 1) {
    const t0 = performance.now();
    bench_matmul(n);
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  console.log((2 * n ** 3 / best / 1e9).toFixed(3));
} else {
  const query = args[0];
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
}
