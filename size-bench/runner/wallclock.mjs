// The node (V8) half of `cargo xtask bench`: wall-clock nanoseconds per
// operation for each allocator module on each trace written by
// bench-runner, every round running every allocator (in a rotating order),
// the cost of as many calls to `noop` subtracted. Usage:
//   node wallclock.mjs ROUNDS TRACE_DIR OUT.json NAME=MODULE.wasm...
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const [roundsArg, traceDir, outPath, ...rows] = process.argv.slice(2);
const rounds = Number(roundsArg);
const modules = rows.map((r) => {
  const [name, file] = r.split('=');
  return { name, module: new WebAssembly.Module(readFileSync(file)) };
});
const traces = readdirSync(traceDir)
  .filter((f) => f.endsWith('.trace'))
  .sort()
  .map((f) => {
    const b = readFileSync(path.join(traceDir, f));
    return { name: f.replace(/\.trace$/, ''), ops: new Uint32Array(b.buffer, b.byteOffset, b.byteLength / 4) };
  });

function replay(module, ops) {
  const w = new WebAssembly.Instance(module, {}).exports;
  const n = ops.length / 4;
  let blocks = 0;
  for (let i = 0; i < ops.length; i += 4) if (ops[i] === 0) blocks++;
  const ptr = new Uint32Array(blocks);
  const size = new Uint32Array(blocks);
  const align = new Uint32Array(blocks);
  let mem = new Uint8Array(w.memory.buffer);
  const touch = (p, s) => {
    if (mem.buffer !== w.memory.buffer) mem = new Uint8Array(w.memory.buffer);
    mem[p] = 1;
    mem[p + Math.max(s, 1) - 1] = 2;
  };
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < ops.length; i += 4) {
    const kind = ops[i]; const id = ops[i + 1];
    if (kind === 0) {
      const p = w.allocate(ops[i + 2], ops[i + 3]) >>> 0;
      if (p) { touch(p, ops[i + 2]); ptr[id] = p; size[id] = ops[i + 2]; align[id] = ops[i + 3]; }
    } else if (kind === 1) {
      if (ptr[id]) { w.deallocate(ptr[id], size[id], align[id]); ptr[id] = 0; }
    } else if (ptr[id]) {
      const q = w.reallocate(ptr[id], size[id], align[id], ops[i + 2]) >>> 0;
      if (q) { touch(q, ops[i + 2]); ptr[id] = q; size[id] = ops[i + 2]; }
    }
  }
  const total = Number(process.hrtime.bigint() - t0);
  const t1 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) w.noop();
  const calls = Number(process.hrtime.bigint() - t1);
  return Math.max(0, total - calls) / n;
}

// Warm up V8's compiler on each module once.
for (const m of modules) replay(m.module, traces[0].ops.subarray(0, Math.min(traces[0].ops.length, 40000)));

const out = modules.map(() => traces.map(() => []));
for (let round = 0; round < rounds; round++) {
  for (let k = 0; k < modules.length; k++) {
    const a = (k + round) % modules.length;
    traces.forEach((t, ti) => out[a][ti].push(replay(modules[a].module, t.ops)));
  }
}
const result = [];
modules.forEach((m, a) => traces.forEach((t, ti) => result.push({ allocator: m.name, trace: t.name, ns_per_op: out[a][ti] })));
writeFileSync(outPath, JSON.stringify({ engine: `node ${process.version} (V8)`, rounds, wallclock: result }, null, 2));
