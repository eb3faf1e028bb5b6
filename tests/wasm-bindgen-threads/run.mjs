// Runs the wasm-bindgen threads app (src/lib.rs, after `wasm-bindgen
// --target web`) in headless Chromium, on a cross-origin isolated page
// (tests/wasm-threads/browser.mjs): the page's main thread instantiates
// the module, `initThreadPool(4)` (wasm-bindgen-rayon) starts four Web
// Workers over its shared memory, then `run(ops)` runs the workload on
// them and answers with a JSON report.
// Usage: node run.mjs PKG_DIR [OPS]
// Exits 0 only if the report lists no failure.
import { readFileSync } from "node:fs";
import path from "node:path";
import { withIsolatedPage } from "../wasm-threads/browser.mjs";

const [pkgArg, opsArg] = process.argv.slice(2);
const pkg = path.resolve(pkgArg);
const MAIN = "/pkg/wasm_tlsf_bindgen_threads.js";
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
  const m = await import(main);
  await m.default();
  await m.initThreadPool(4);
  const heap = Array.from(m.heap_start());
  return { ...JSON.parse(m.run(ops)), heap };
}

const timeoutMs = Number(process.env.STRESS_TIMEOUT_MS ?? 120000);
const status = await withIsolatedPage(route, async (page, browser) => {
  const answer = page.evaluate(main, { main: MAIN, ops: opsArg ? Number(opsArg) : 0 });
  answer.catch(() => {}); // after a timeout, closing the browser rejects it
  const r = await Promise.race([
    answer,
    new Promise((resolve) => setTimeout(() => resolve(null), timeoutMs)),
  ]);
  if (!r) {
    console.error(`FAIL: no answer in ${timeoutMs / 1000} s (a thread hangs)`);
    return 1;
  }
  for (const f of r.failures) console.error(`FAIL: ${f}`);
  console.log(
    `wasm-bindgen threads, headless Chromium ${browser.version()}: ${r.workers} workers (wasm-bindgen-rayon) ` +
      `x ${r.ops} stress ops, ${r.rayon_blocks} rayon blocks (${r.rayon_cross_frees} freed on another worker): ` +
      `${r.failures.length ? "FAILED" : "heap sound"}; worker stacks and TLS in the heap ${r.stacks_in_heap}/${r.tls_in_heap}, ` +
      `used blocks ${r.used_before} before, ${r.used_after} after, ${r.pools} pools, ${r.pages_grown} pages grown; ` +
      `heap starts at ${r.heap[0]} (__heap_base ${r.heap[1]})`,
  );
  return r.failures.length ? 1 : 0;
});
process.exit(status);
