// The node (V8) half of `cargo xtask bench`: wall-clock nanoseconds per
// operation for each allocator module on each trace written by
// bench-runner, every round running every allocator (in a rotating order),
// the cost of as many calls to `noop` subtracted. Usage:
//   node wallclock.mjs ROUNDS TRACE_DIR OUT.json NAME=MODULE.wasm...
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { blockArrays, replayOps } from './replay.mjs';

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
  const blocks = blockArrays(ops);
  const t0 = process.hrtime.bigint();
  replayOps(w, ops, blocks);
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
