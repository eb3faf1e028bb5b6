// Runs the stress module built for wasm32-unknown-unknown with +atomics
// (src/lib.rs) in headless Chromium: what run-workers.mjs does in node,
// with Web Workers in a cross-origin isolated page (the only kind that may
// share a WebAssembly.Memory). The page's main thread instantiates the
// module over a shared memory and gives each worker a stack and a TLS
// block from the allocator under test; each of the four workers
// instantiates the same module over the same memory and runs the workload.
// The browser and the page's server: browser.mjs.
// Usage: node run-browser.mjs M.wasm [OPS]
// Exits 0 only if every worker and the final heap check report 0.
import { readFileSync } from "node:fs";
import { withIsolatedPage } from "./browser.mjs";
import { minPages, threadBlocks } from "./memory.mjs";

const [wasmPath, opsArg] = process.argv.slice(2);
const bytes = readFileSync(wasmPath);
const initial = minPages(bytes);

// The worker: instantiates the module over the shared memory, sets its own
// stack and TLS, runs the workload and posts the result code.
const worker = `
onmessage = async ({ data: { module, memory, ops, id, top, tls } }) => {
  try {
    const { exports: w } = await WebAssembly.instantiate(module, { env: { memory } });
    w.__stack_pointer.value = top;
    if (tls) w.__wasm_init_tls(tls);
    postMessage({ code: w.run(id, ops) });
  } catch (e) {
    postMessage({ trap: String(e && e.stack || e) });
  }
};`;

// The page's part: everything run-workers.mjs's main thread does (the
// threads' stacks from memory.mjs's `threadBlocks`, served as /setup.js).
async function main({ initial, ops, timeoutMs }) {
  const STACK = 1 << 20;
  const module = await WebAssembly.compile(await (await fetch("/m.wasm")).arrayBuffer());
  const memory = new WebAssembly.Memory({ initial, maximum: 16384, shared: true });
  const { exports: w } = await WebAssembly.instantiate(module, { env: { memory } });
  ops = ops || w.default_ops();
  const n = w.threads();
  let threads;
  try {
    threads = window.threadBlocks(w, STACK);
  } catch (e) {
    return { error: e.message };
  }
  if (w.start() !== 0) return { error: "unsound heap before the threads" };
  const results = await Promise.race([
    Promise.all(
      threads.map(
        (t) =>
          new Promise((resolve) => {
            const wk = new Worker("/worker.js");
            wk.onmessage = ({ data }) => { resolve(data); wk.terminate(); };
            wk.onerror = (e) => resolve({ trap: e.message });
            wk.postMessage({ module, memory, ops, ...t });
          }),
      ),
    ),
    new Promise((resolve) => setTimeout(() => resolve(null), timeoutMs)),
  ]);
  if (!results) return { error: "timeout (a thread hangs)" };
  const trap = results.find((r) => r.trap);
  if (trap) return { error: `trap in a worker: ${trap.trap}` };
  return {
    codes: results.map((r) => r.code),
    fin: w.finish(),
    failure: [0, 1, 2, 3].map((i) => w.failure(i) >>> 0),
    grown: w.pages_grown(),
    pages: memory.buffer.byteLength / 65536,
    refreshes: w.view_refreshes(),
    n,
    ops,
  };
}

const routes = {
  "/": ["text/html", '<!doctype html><meta charset="utf-8"><title>threads</title><script src="/setup.js"></script>'],
  "/setup.js": ["text/javascript", `${threadBlocks.toString()}\nwindow.threadBlocks = threadBlocks;`],
  "/worker.js": ["text/javascript", worker],
  "/m.wasm": ["application/wasm", bytes],
};
const status = await withIsolatedPage((url) => routes[url], async (page, browser) => {
  const timeoutMs = Number(process.env.STRESS_TIMEOUT_MS ?? 120000);
  const r = await page.evaluate(main, { initial, ops: opsArg ? Number(opsArg) : 0, timeoutMs });
  if (r.error) {
    console.error(`FAIL: ${r.error}`);
    return 1;
  }
  const CODES = { 1: "null", 2: "misaligned", 3: "corrupt byte", 4: "zeroed block not zero", 5: "heap checker", 6: "blocks leaked" };
  const bad = [...r.codes, r.fin].find((c) => c !== 0);
  if (bad !== undefined) {
    const [c, thread, op, addr] = r.failure;
    console.error(`FAIL: ${CODES[bad] ?? bad} (first: ${CODES[c] ?? c} in thread ${thread} at op ${op}, address ${addr})`);
  }
  console.log(
    `+atomics, headless Chromium ${browser.version()} workers: ${r.n} threads x ${r.ops} ops: ` +
      `${bad !== undefined ? "FAILED" : "heap sound"}, ${r.grown} pages grown, memory ${r.pages} pages; ` +
      `a block from another thread beyond the taker's view of memory ${r.refreshes} times`,
  );
  return bad !== undefined ? 1 : 0;
});
process.exit(status);
