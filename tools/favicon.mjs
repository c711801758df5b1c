// Renders www/favicon.svg to a 32×32 PNG and writes it into index.html's icon link as a data:
// URL. Usage: node tools/favicon.mjs   (after editing the SVG; index.html is committed)
//
// Why not link the SVG file: the browser fetches and decodes the page's icon again whenever the
// URL changes, and rankscope rewrites its URL on every input (the link is the state). The SVG
// file cost a request and a whole SVG document decoded on the page's main thread per input
// (~3 ms in a trace); inputs back to back (bench/page_ab.mjs with no pause, six rounds of 31)
// took 60.9 ms with it against 55.2 with this data: PNG — the same as with no icon at all (48.8
// against 48.7 in the next six rounds). A PNG file still cost the request (57.8 against 58.9).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from '../tests/e2e/harness.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const svg = readFileSync(path.join(root, 'www', 'favicon.svg'), 'utf8');
const browser = await launch();
let png;
try {
  const page = await browser.newPage({ viewport: { width: 32, height: 32 }, deviceScaleFactor: 1 });
  const src = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
  await page.setContent(`<style>*{margin:0}</style><img src="${src}" width="32" height="32">`);
  await page.waitForFunction(() => document.images[0].complete);
  png = await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: 32, height: 32 } });
} finally {
  await browser.close();
}
const indexFile = path.join(root, 'index.html');
const html = readFileSync(indexFile, 'utf8');
const link = /<link rel="icon"[^>]*>/;
if (!link.test(html)) throw new Error('index.html has no <link rel="icon">');
const href = `data:image/png;base64,${png.toString('base64')}`;
writeFileSync(indexFile, html.replace(link, `<link rel="icon" href="${href}" type="image/png" sizes="32x32">`));
console.log(`index.html: icon ${png.length} bytes of PNG`);
