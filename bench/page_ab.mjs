// Compares the default view's input → ready (W4) of two builds of the page in one headless
// Chromium, alternating, so that the VM's drift (its speed changes by up to ×1.6 within minutes)
// hits both alike. Not a test: a tool for deciding whether a change to the page helps.
// Usage: node bench/page_ab.mjs DIR_A DIR_B [rounds] [pause_ms]   (each DIR holds index.html and
// www/ with its www/pkg built, e.g. a `git worktree` of another commit after `make wasm`)
// Each round times 31 inputs on each page (100 ms after each ready, as page_bench's settled
// loop); the order within a round alternates (AB, BA, …), because the page measured second was
// ~2 ms slower whichever it was.
import { serve, launch, openPage, waitStatus } from '../tests/e2e/harness.js';
import { timeInputs } from './w4_inputs.mjs';

const [dirA, dirB, roundsArg, pauseArg] = process.argv.slice(2);
if (!dirA || !dirB) {
  console.error('usage: node bench/page_ab.mjs DIR_A DIR_B [rounds] [pause_ms]');
  process.exit(2);
}
const rounds = Number(roundsArg ?? 4);
// The pause after each ready: 100 ms (an input at a settled page) unless given; 0 times inputs
// back to back, where work that follows a ready (the frame's raster, the link's side effects)
// counts too.
const pauseMs = Number(pauseArg ?? 100);
if (!Number.isInteger(rounds) || rounds < 1 || !(pauseMs >= 0)) {
  console.error(`rounds must be a whole number ≥ 1 and pause_ms ≥ 0 (got rounds=${rounds}, pause_ms=${pauseMs})`);
  process.exit(2);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const browser = await launch();
const servers = [await serve(dirA), await serve(dirB)];
const pages = [];
for (const s of servers) {
  const page = await openPage(browser, s.url);
  await waitStatus(page);
  pages.push(page);
}

const loop = async (page, firstSeed) => (await timeInputs(page, { firstSeed, pauseMs })).times;

for (const page of pages) await loop(page, 1000); // past V8's optimising compiles
const results = [[], []];
for (let r = 0; r < rounds; r += 1) {
  const order = r % 2 === 0 ? [0, 1] : [1, 0];
  for (const k of order) results[k].push(median(await loop(pages[k], 2000 + 100 * r)));
}
[dirA, dirB].forEach((dir, k) => {
  console.log(`${dir}: W4 medians per round ${results[k].map((x) => x.toFixed(1)).join(' ')} ms; median ${median(results[k]).toFixed(1)} ms`);
});
await browser.close();
servers.forEach((s) => s.stop());
