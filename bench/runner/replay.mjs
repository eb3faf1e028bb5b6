// `cargo xtask bench`'s cold start: bench-runner's trace files
// (TRACE_DIR/NAME.trace, format in bench/README.md) replayed outside
// wasmtime. Usage:
//   node --expose-gc replay.mjs node|chromium ROUNDS TRACE_DIR OUT.json TRACES NAME=MODULE.wasm...
// (TRACES comma-separated; chromium through bench/browser.mjs): ms of a
// fresh instance replaying the whole trace. Each module is compiled once
// and replays each trace once untimed first; every run is a fresh instance
// after a full GC; every round runs every allocator on every trace, in an
// order rotating by round. Writes bench_report::Runs.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { openPage } from "../browser.mjs";

const [mode, roundsArg, traceDir, outPath, traceList, ...rows] = process.argv.slice(2);
const modules = rows.map((r) => {
  const i = r.indexOf("=");
  return { name: r.slice(0, i), bytes: readFileSync(r.slice(i + 1)) };
});
const traces = traceList.split(",").map((name) => ({ name, bytes: readFileSync(path.join(traceDir, `${name}.trace`)) }));

// One run on a fresh instance, touching the first and last byte of every
// block (so the pages are really used). Returns the sample (ms) and the
// pages at the end. Runs in node and, as its source text, in the page: it
// uses nothing from this module's scope.
function replay(module, ops) {
  let blocks = 0;
  for (let i = 0; i < ops.length; i += 4) if (ops[i] === 0) blocks++;
  const [ptr, size, align] = [0, 0, 0].map(() => new Uint32Array(blocks));
  const t0 = performance.now();
  const w = new WebAssembly.Instance(module, {}).exports;
  let mem = new Uint8Array(w.memory.buffer);
  const touch = (p, s) => {
    if (mem.buffer !== w.memory.buffer) mem = new Uint8Array(w.memory.buffer);
    mem[p] = 1;
    mem[p + Math.max(s, 1) - 1] = 2;
  };
  for (let i = 0; i < ops.length; i += 4) {
    const [kind, id, a, b] = [ops[i], ops[i + 1], ops[i + 2], ops[i + 3]];
    if (kind === 0) {
      const p = w.allocate(a, b) >>> 0;
      if (p) { touch(p, a); ptr[id] = p; size[id] = a; align[id] = b; }
    } else if (kind === 1) {
      if (ptr[id]) { w.deallocate(ptr[id], size[id], align[id]); ptr[id] = 0; }
    } else if (ptr[id]) {
      const q = w.reallocate(ptr[id], size[id], align[id], a) >>> 0;
      if (q) { touch(q, a); ptr[id] = q; size[id] = a; }
    }
  }
  return { sample: performance.now() - t0, pages: w.memory.buffer.byteLength / 65536 };
}

// The engine's side: `run(module index, trace index)`.
let engine, run, close = async () => {};
if (mode === "node") {
  if (typeof globalThis.gc !== "function") throw new Error("run node with --expose-gc");
  const compiled = modules.map((m) => new WebAssembly.Module(m.bytes));
  const ops = traces.map(({ bytes: b }) => new Uint32Array(b.buffer, b.byteOffset, b.byteLength / 4));
  engine = `node ${process.version} (V8 ${process.versions.v8})`;
  run = async (k, t) => {
    globalThis.gc();
    return replay(compiled[k], ops[t]);
  };
} else if (mode === "chromium") {
  const files = { "replay.js": `${replay}`, "index.html": '<!doctype html><meta charset="utf-8"><script src="replay.js"></script>' };
  modules.forEach((m, k) => (files[`m/${k}.wasm`] = m.bytes));
  traces.forEach((t, k) => (files[`t/${k}.trace`] = t.bytes));
  const browser = await openPage(files);
  // One fetch at a time: the static server answers in turn.
  await browser.page.evaluate(async ({ n, m }) => {
    const get = async (f) => (await fetch(f)).arrayBuffer();
    [window.mods, window.traces] = [[], []];
    for (let k = 0; k < n; k++) window.mods.push(await WebAssembly.compile(await get(`m/${k}.wasm`)));
    for (let k = 0; k < m; k++) window.traces.push(new Uint32Array(await get(`t/${k}.trace`)));
  }, { n: modules.length, m: traces.length });
  engine = `headless Chromium ${browser.version}${browser.isolated ? "" : " (not cross-origin isolated: coarse timer)"}`;
  run = async (k, t) => {
    const r = await browser.page.evaluate(([k, t]) => {
      gc();
      return replay(window.mods[k], window.traces[t]);
    }, [k, t]);
    browser.check();
    return r;
  };
  close = browser.close;
} else {
  throw new Error(`mode: node or chromium, not ${mode}`);
}

try {
  for (let k = 0; k < modules.length; k++) for (let t = 0; t < traces.length; t++) await run(k, t);
  const runs = modules.flatMap((m) => traces.map((t) => ({ allocator: m.name, trace: t.name, samples: [], pages: [] })));
  for (let round = 0; round < Number(roundsArg); round++) {
    for (let t = 0; t < traces.length; t++) {
      for (let j = 0; j < modules.length; j++) {
        const k = (j + round) % modules.length;
        const r = await run(k, t);
        runs[k * traces.length + t].samples.push(r.sample);
        runs[k * traces.length + t].pages.push(r.pages);
      }
    }
  }
  writeFileSync(outPath, JSON.stringify({ engine, runs }, null, 1));
} finally {
  await close();
}
