// Replays seeded allocation traces on instrumented modules (see
// `wasm-count`) and reports the wasm instructions executed per allocate,
// free and realloc, plus memory pages. Usage:
//   node bench.mjs [--steps N] NAME=PATH.wasm ...
import { readFileSync } from "node:fs";

const args = process.argv.slice(2);
let steps = 100000;
const rows = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--steps") steps = Number(args[++i]);
  else rows.push(args[i].split("="));
}

// mulberry32: a small deterministic PRNG.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function stats(xs) {
  if (xs.length === 0) return { n: 0, mean: 0, p50: 0, p99: 0, max: 0 };
  const s = Float64Array.from(xs).sort();
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { n: s.length, mean: xs.reduce((a, b) => a + b, 0) / s.length, p50: q(0.5), p99: q(0.99), max: s[s.length - 1] };
}

async function load(path) {
  const { instance } = await WebAssembly.instantiate(readFileSync(path), {});
  const w = instance.exports;
  const count = () => Number(w.__icount.value);
  return { w, count };
}

// Random actions: sizes log-uniform in 1 B..64 KiB, mostly 8-byte aligned,
// about `live` blocks live; allocate, free or reallocate at random.
async function randomActions(path, { live: target, maxSize, seed }) {
  const { w, count } = await load(path);
  const r = rng(seed);
  const size = () => Math.max(1, Math.floor(Math.pow(2, r() * Math.log2(maxSize))));
  const align = () => (r() < 0.9 ? 8 : 2 ** (4 + Math.floor(r() * 9)));
  const live = [];
  const out = { alloc: [], free: [], realloc: [], failed: 0 };
  const touch = (p, n) => {
    const m = new Uint8Array(w.memory.buffer);
    m[p] = 1;
    m[p + n - 1] = 2;
  };
  const doAlloc = () => {
    const s = size(), a = align();
    const c0 = count();
    const p = w.allocate(s, a) >>> 0;
    out.alloc.push(count() - c0);
    if (p === 0) out.failed++;
    else { touch(p, s); live.push([p, s, a]); }
  };
  for (let i = 0; i < target; i++) doAlloc();
  for (let i = 0; i < steps; i++) {
    const x = r();
    const bias = live.length < target ? 0.4 : 0.3;
    if (x < bias || live.length === 0) doAlloc();
    else if (x < 0.7) {
      const j = Math.floor(r() * live.length);
      const [p, s, a] = live[j];
      live[j] = live[live.length - 1];
      live.pop();
      const c0 = count();
      w.deallocate(p, s, a);
      out.free.push(count() - c0);
    } else {
      const j = Math.floor(r() * live.length);
      const [p, s, a] = live[j];
      const n = size();
      const c0 = count();
      const q = w.reallocate(p, s, a, n) >>> 0;
      out.realloc.push(count() - c0);
      if (q === 0) out.failed++;
      else { touch(q, n); live[j] = [q, n, a]; }
    }
  }
  let liveBytes = 0;
  for (const [, s] of live) liveBytes += s;
  const figures = w.stat
    ? { inUse: w.stat(0), free: w.stat(1), overhead: w.stat(2), managed: w.stat(3), largestFree: w.stat(4), peak: w.stat(6) }
    : undefined;
  return { ...out, pages: w.memory.buffer.byteLength / 65536, liveBytes, figures };
}

const fmt = (s) => `${s.mean.toFixed(0)} / ${s.p50} / ${s.p99} / ${s.max}`;
const results = {};
console.log(`random actions, 1 B..64 KiB, ~5000 live, ${steps} steps (instructions: mean / p50 / p99 / max)\n`);
console.log("| allocator | allocate | free | realloc | pages at end | failed |");
console.log("|---|---|---|---|---|---|");
for (const [name, path] of rows) {
  const o = await randomActions(path, { live: 5000, maxSize: 65536, seed: 42 });
  const a = stats(o.alloc), f = stats(o.free), re = stats(o.realloc);
  results[name] = { alloc: a, free: f, realloc: re, pages: o.pages, failed: o.failed, liveBytes: o.liveBytes, figures: o.figures };
  console.log(`| ${name} | ${fmt(a)} | ${fmt(f)} | ${fmt(re)} | ${o.pages} | ${o.failed} |`);
}
for (const [name, r] of Object.entries(results)) {
  if (r.figures) {
    const f = r.figures;
    console.log(
      `\n${name} at the end: live payload ${r.liveBytes} B; in use ${f.inUse} B, free ${f.free} B, ` +
        `largest free ${f.largestFree} B, managed ${f.managed} B; peak in use ${f.peak} B`,
    );
  }
}
if (process.env.BENCH_JSON) {
  const { writeFileSync } = await import("node:fs");
  writeFileSync(process.env.BENCH_JSON, JSON.stringify(results, null, 2));
}
