// Times the core in headless Chromium: the page's own WASM instance (the build the page chose,
// relaxed SIMD with fused multiply-adds in Chromium) runs one job per query on the main thread,
// after the default view has settled, exactly like bench/wasm_bench.mjs does under Node.
// Usage: node bench/chromium_bench.mjs [--warm] '<query>' ['<query>' …]   → seconds per query, one per line,
// then the build's name on stderr. Not a test.
import { serve, launch, openPage, waitStatus } from '../tests/e2e/harness.js';

const args = process.argv.slice(2);
// --warm: each query runs once untimed first (as in bench/wasm_bench.mjs).
const warm = args.includes('--warm');
const queries = args.filter((a) => a !== '--warm');
if (queries.length === 0) {
  console.error('usage: node bench/chromium_bench.mjs <query> [<query> …]');
  process.exit(2);
}
const server = await serve();
const browser = await launch();
try {
  const page = await openPage(browser, server.url);
  await waitStatus(page);
  for (const query of queries) {
    const seconds = await page.evaluate(async ([q, warmFirst]) => {
      // The glue module the page imported, already initialised with the page's build.
      const { Job } = await import('./www/pkg/rankscope.js');
      const run = () => {
        const t0 = performance.now();
        // false: the runs and their measures only, no twin and no samples' panel (numpy's work).
        const job = new Job(q, false, 0, 1);
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
      if (warmFirst) run();
      return run();
    }, [query, warm]);
    console.log(seconds.toFixed(6));
  }
  console.error(`build: ${await page.evaluate(() => document.body.dataset.wasmBuild)}`);
  if (page.errors.length) throw new Error(page.errors.join('\n'));
} finally {
  await browser.close();
  server.stop();
}
