// Runs the wasm-bindgen threads app (src/lib.rs, after `wasm-bindgen
// --target web`) in headless Chromium, on a cross-origin isolated page
// (tests/wasm-threads/browser.mjs): the page's main thread instantiates
// the module, `initThreadPool(4)` (wasm-bindgen-rayon) starts four Web
// Workers over its shared memory, then `run(ops)` runs the workload on
// them and answers with a JSON report.
// Usage: node run.mjs PKG_DIR [OPS]
// Exits 0 only if the report lists no failure.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { withIsolatedPage } from "../wasm-threads/browser.mjs";

const [pkgArg, opsArg] = process.argv.slice(2);
const pkg = path.resolve(pkgArg);
// The main module: the package's one top-level .js file.
const mains = readdirSync(pkg).filter((f) => f.endsWith(".js"));
if (mains.length !== 1) throw new Error(`${pkg}: ${mains.length} .js files, expected one`);
const MAIN = `/pkg/${mains[0]}`;
const TYPES = { ".js": "text/javascript", ".wasm": "application/wasm" };

// The generated files under /pkg/ (the main module, its wasm, the
// snippets the workers start from), and an empty page.
function route(url) {
  if (url === "/") return ["text/html", '<!doctype html><meta charset="utf-8"><title>wasm-bindgen threads</title>'];
  if (!url.startsWith("/pkg/")) return undefined;
  const file = path.join(pkg, path.normalize(decodeURIComponent(url.slice(5))));
  const type = TYPES[path.extname(file)];
  if (!type || !file.startsWith(pkg + path.sep)) return undefined;
  try {
    return [type, readFileSync(file)];
  } catch {
    return undefined;
  }
}

// In the page.
async function main({ main, ops }) {
  window.stage = "loading the module";
  const m = await import(main);
  await m.default();
  window.stage = "starting the workers (initThreadPool)";
  await m.initThreadPool(4);
  window.stage = "running the workload (the page's main thread is busy)";
  return JSON.parse(m.run(ops));
}

const timeoutMs = Number(process.env.STRESS_TIMEOUT_MS ?? 120000);
const status = await withIsolatedPage(route, async (page, browser, firstError) => {
  const answer = page.evaluate(main, { main: MAIN, ops: opsArg ? Number(opsArg) : 0 });
  answer.catch(() => {}); // after a timeout, closing the browser rejects it
  // A worker that traps leaves the others (and the page, in rayon) waiting
  // for it: its error ends the run.
  const trap = firstError.then((message) => ({ trap: message }));
  const r = await Promise.race([
    answer,
    trap,
    new Promise((resolve) => setTimeout(() => resolve(null), timeoutMs)),
  ]);
  if (r && r.trap) {
    console.error(`FAIL: trap: ${r.trap}`);
    return 1;
  }
  if (!r) {
    // The page answers only while its main thread is not in the module.
    const stage = await Promise.race([
      page.evaluate(() => window.stage),
      new Promise((resolve) => setTimeout(() => resolve("running the workload (the page's main thread is busy)"), 2000)),
    ]).catch(() => "unknown");
    console.error(`FAIL: no answer in ${timeoutMs / 1000} s (a thread hangs), while ${stage}`);
    return 1;
  }
  for (const f of r.failures) console.error(`FAIL: ${f}`);
  console.log(
    `wasm-bindgen threads, headless Chromium ${browser.version()}: ${r.workers} workers (wasm-bindgen-rayon) ` +
      `x ${r.ops} stress ops, ${r.rayon_blocks} rayon blocks (${r.rayon_cross_frees} freed on another worker): ` +
      `${r.failures.length ? "FAILED" : "heap sound"}; worker stacks and TLS in the heap ${r.stacks_in_heap}/${r.tls_in_heap}, ` +
      `used blocks ${r.used_before} before, ${r.used_after} after, ${r.pools} pools, ${r.pages_grown} pages grown; ` +
      `lowest block at ${r.heap[0]} (__heap_base ${r.heap[1]}, __heap_end ${r.heap[2]})`,
  );
  return r.failures.length ? 1 : 0;
});
process.exit(status);
