// Runs the wasm app (built with `--features collections`) in node's V8 and
// checks its results against the same computations done here in JS, then
// drives the exported allocator directly: alignment, growth, reuse.
import { readFileSync } from "node:fs";

const path = process.argv[2];
const { instance } = await WebAssembly.instantiate(readFileSync(path), {});
const w = instance.exports;
const page = 65536;
let failures = 0;
function check(ok, what) {
  if (!ok) {
    failures++;
    console.error(`FAIL: ${what}`);
  }
}

// sort_sum, recomputed in JS.
function sortSum(n) {
  const v = new Uint32Array(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    v[i] = x >>> 8;
  }
  v.sort();
  let acc = 0;
  for (let i = 0; i < n; i++) acc = (acc + ((v[i] ^ i) >>> 0)) >>> 0;
  return acc;
}
for (const n of [1, 100, 100000]) {
  check(w.sort_sum(n) >>> 0 === sortSum(n), `sort_sum(${n})`);
}
check(w.words(10000) === 4, "words(10000)");

// The allocator through its exports.
const pagesBefore = w.memory.buffer.byteLength / page;
const live = [];
for (let align = 1; align <= 65536; align *= 2) {
  for (const size of [1, align, 3 * align + 5]) {
    const p = w.allocate(size, align) >>> 0;
    check(p !== 0 && p % align === 0, `allocate(${size}, ${align}) = ${p}`);
    new Uint8Array(w.memory.buffer, p, size).fill(align & 0xff);
    live.push([p, size, align]);
  }
}
for (const [p, size, align] of live) {
  const bytes = new Uint8Array(w.memory.buffer, p, size);
  check(bytes.every((b) => b === (align & 0xff)), `contents of ${size}/${align} at ${p}`);
  w.deallocate(p, size, align);
}
// A growing buffer reallocated in place at the end of the heap.
let p = w.allocate(8, 8) >>> 0;
let size = 8;
const grownBefore = w.memory.buffer.byteLength / page;
while (size < 1 << 20) {
  p = w.reallocate(p, size, 8, size * 2) >>> 0;
  check(p !== 0, `reallocate to ${size * 2}`);
  size *= 2;
}
const grown = w.memory.buffer.byteLength / page - grownBefore;
check(grown <= 18, `doubling to 1 MiB grew ${grown} pages`);
w.deallocate(p, size, 8);
// Everything freed: the same work again must not grow memory.
const pagesAfterFirst = w.memory.buffer.byteLength / page;
for (let round = 0; round < 3; round++) {
  const q = w.allocate(1 << 20, 8) >>> 0;
  check(q !== 0, "reuse of freed memory");
  w.deallocate(q, 1 << 20, 8);
}
check(w.memory.buffer.byteLength / page === pagesAfterFirst, "freed memory is reused, not regrown");
console.log(
  `wasm app in node: memory ${pagesBefore} -> ${w.memory.buffer.byteLength / page} pages, ` +
    `doubling to 1 MiB grew ${grown} pages; ${failures} failures`,
);
process.exit(failures === 0 ? 0 : 1);
