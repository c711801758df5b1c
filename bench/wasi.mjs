// Runs a WASI build (e.g. examples/kernels.rs for wasm32-wasip1) under Node, for profiling the
// core's pieces as WebAssembly. Usage: node bench/wasi.mjs <file.wasm> [args…]
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';

const wasi = new WASI({ version: 'preview1', args: process.argv.slice(2), env: {}, preopens: {} });
const module = await WebAssembly.compile(readFileSync(process.argv[2]));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
wasi.start(instance);
