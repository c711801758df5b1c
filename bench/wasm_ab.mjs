// Compares one workload on two WASM builds in one Node process, alternating, so that the VM's
// drift (the same run's time changes by up to ×1.6 within seconds here) hits both alike: the
// only way this machine could tell a 5 % change from noise. Not a test: a tool for deciding
// whether a change to the core helps.
// Usage: node --experimental-wasm-relaxed-simd bench/wasm_ab.mjs DIR_A DIR_B 'query' [trials]
//          [--plain] [--warm | --same]
// Each DIR holds www/pkg built by `make wasm` (e.g. a `git worktree` of another commit, or a
// copy of www/pkg before a change). Every trial instantiates both builds afresh (a custom
// section makes each module's bytes unique, so no compiled-code cache is shared between trials)
// and times the query on each, the order alternating (AB, BA, …). --warm times a second run in
// the instance (the page's workers from their second job on); --same instantiates each build
// once, warms it up, and alternates `trials` runs call by call in the two instances (quick and
// fine-grained: a hundred trials of the default view take seconds, and a drift of the VM within
// a trial hits both builds alike); --plain uses the build without relaxed SIMD. Prints each
// build's median and the median (and quartiles) of the per-trial ratios B/A.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  if (i >= 0) args.splice(i, 1);
  return i >= 0;
};
const plain = flag('--plain');
const warm = flag('--warm');
const same = flag('--same');
const [dirA, dirB, query, trialsArg] = args;
if (!dirA || !dirB || query === undefined) {
  console.error("usage: node bench/wasm_ab.mjs DIR_A DIR_B 'query' [trials] [--plain] [--warm | --same]");
  process.exit(2);
}
const trials = Number(trialsArg ?? 12);
if (!Number.isInteger(trials) || trials < 1) {
  console.error(`trials must be a positive integer, not '${trialsArg}'`);
  process.exit(2);
}
const file = plain ? 'rankscope_bg.wasm' : 'rankscope_fma_bg.wasm';
const dirs = [dirA, dirB];
for (const d of dirs) {
  if (!existsSync(path.join(d, 'www', 'pkg', file))) {
    console.error(`wasm_ab: ${path.join(d, 'www', 'pkg', file)} not found (run \`make wasm\` there)`);
    process.exit(2);
  }
}
const bytes = dirs.map((d) => readFileSync(path.join(d, 'www', 'pkg', file)));

/** The module's bytes with a custom section naming the trial appended. */
function unique(module, trial) {
  const name = Buffer.from(`trial${trial}`);
  const body = Buffer.concat([Buffer.from([name.length]), name]);
  return Buffer.concat([module, Buffer.from([0, body.length]), body]);
}

/** Build k of the two, instantiated afresh (its bytes made unique by `tag`): a function that
 *  runs the query once and returns its time in ms. */
async function instantiate(k, tag) {
  const glue = pathToFileURL(path.resolve(dirs[k], 'www', 'pkg', 'rankscope.js'));
  const lib = await import(`${glue.href}?trial=${tag}`);
  await lib.default({ module_or_path: unique(bytes[k], tag) });
  return () => {
    const t0 = performance.now();
    const job = new lib.Job(query, false, 0, 1);
    while (!job.step(1e9).done);
    job.free();
    return performance.now() - t0;
  };
}

async function timeOnce(k, trial) {
  const run = await instantiate(k, trial);
  if (warm) run();
  return run();
}

const times = [[], []];
try {
  if (same) {
    const runs = [await instantiate(0, 'same'), await instantiate(1, 'same')];
    // Past V8's tiering (the page's workers after their first jobs).
    for (let i = 0; i < 10; i += 1) runs.forEach((run) => run());
    for (let trial = 0; trial < trials; trial += 1) {
      for (const k of trial % 2 ? [1, 0] : [0, 1]) times[k].push(runs[k]());
    }
  } else {
    for (let trial = 0; trial < trials; trial += 1) {
      for (const k of trial % 2 ? [1, 0] : [0, 1]) times[k].push(await timeOnce(k, trial));
    }
  }
} catch (err) {
  console.error(`wasm_ab: ${err.message}`);
  process.exit(1);
}
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ratios = times[1].map((b, i) => b / times[0][i]);
dirs.forEach((d, k) => console.log(`${k ? 'B' : 'A'} ${d}: median ${median(times[k]).toFixed(1)} ms`));
console.log(
  `B/A per trial: median ${median(ratios).toFixed(3)} (quartiles ${quantile(ratios, 0.25).toFixed(3)}–`
    + `${quantile(ratios, 0.75).toFixed(3)}), B faster in ${ratios.filter((r) => r < 1).length} of ${trials}`,
);
