// Times the WASM build (the same module the page loads) under Node.
// Usage: node bench/wasm_bench.mjs [--fma] [--warm] '<query>'   → seconds the run took (one line)
//        node bench/wasm_bench.mjs [--fma] --matmul N   → GFLOP/s of the N×N×N product kernel (best of 9)
// --fma loads the relaxed-SIMD build (Node 20 needs --experimental-wasm-relaxed-simd for it).
// --warm runs the query once untimed first, so the timed run is all optimised code (V8 starts a
// module in its baseline compiler and tiers functions up while they run): the page's workers
// are in this state from their second job on.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import init, { Job, bench_matmul } from '../www/pkg/rankscope.js';

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  if (i >= 0) args.splice(i, 1);
  return i >= 0;
};
const fma = flag('--fma');
const warm = flag('--warm');
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
  const run = () => {
    const t0 = performance.now();
    // false: the runs and their measures only, no twin and no samples' panel (numpy's work).
    const job = new Job(query, false, 0, 1);
    let rows = 0;
    for (;;) {
      const out = job.step(1e9);
      rows += out.rows;
      if (out.done) break;
    }
    job.free();
    if (rows === 0) throw new Error('no rows');
    return (performance.now() - t0) / 1000;
  };
  if (warm) run();
  console.log(run().toFixed(6));
}
