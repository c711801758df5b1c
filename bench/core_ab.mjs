// Compares two builds of the core (examples/core_ab.rs for wasm32-wasip1, see its header) in
// one Node process, alternating whole runs call by call, so the VM's drift hits both alike.
// Usage: node --experimental-wasm-relaxed-simd bench/core_ab.mjs A.wasm B.wasm [rounds] [which…]
// which: 0 = W4's BatchNorm run (default), 1 = its twin without normalisation, 2 = W1, 3 = W2.
// Prints each build's median and 10th percentile, and the median of the paired ratios B/A.
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';

const [fileA, fileB, roundsArg, ...whichArgs] = process.argv.slice(2);
if (!fileA || !fileB) {
  console.error('usage: node --experimental-wasm-relaxed-simd bench/core_ab.mjs A.wasm B.wasm [rounds] [which…]');
  process.exit(2);
}
const rounds = Number(roundsArg ?? 100);
const which = whichArgs.length ? whichArgs.map(Number) : [0, 1];
const names = ['W4 BN', 'W4 twin', 'W1', 'W2'];
if (!Number.isInteger(rounds) || rounds < 1 || which.some((w) => !names[w])) {
  console.error(`rounds must be a whole number ≥ 1 and each which one of 0–3 (got ${roundsArg}, ${whichArgs})`);
  process.exit(2);
}

async function load(file) {
  const wasi = new WASI({ version: 'preview1', args: [], env: {}, preopens: {} });
  const module = await WebAssembly.compile(readFileSync(file));
  const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
  return instance.exports.run;
}
const runs = [await load(fileA), await load(fileB)];
// Warm both up past V8's tiering before timing.
for (let i = 0; i < 10; i++) for (const w of which) for (const run of runs) run(w, 1);

const times = which.map(() => [[], []]);
for (let i = 0; i < rounds; i++) {
  // Alternate which build goes first: the second of a pair ran slightly slower, whichever it was.
  const order = i % 2 ? [0, 1] : [1, 0];
  which.forEach((w, k) => {
    for (const b of order) {
      const start = performance.now();
      runs[b](w, 1 + (i % 5));
      times[k][b].push(performance.now() - start);
    }
  });
}
const quantile = (xs, q) => [...xs].sort((x, y) => x - y)[Math.floor(q * (xs.length - 1))];
which.forEach((w, k) => {
  const [a, b] = times[k];
  const ratios = a.map((x, i) => b[i] / x);
  const f = (x) => x.toFixed(2);
  console.log(`${names[w].padEnd(8)} A ${f(quantile(a, 0.5))} ms (p10 ${f(quantile(a, 0.1))}) · `
    + `B ${f(quantile(b, 0.5))} ms (p10 ${f(quantile(b, 0.1))}) · B/A ${quantile(ratios, 0.5).toFixed(3)} `
    + `(quartiles ${quantile(ratios, 0.25).toFixed(3)}–${quantile(ratios, 0.75).toFixed(3)})`);
});
