// The trace replay shared by wallclock.mjs (node) and coldstart.mjs (node,
// and the Chromium page, which gets these functions as their source text:
// so they use nothing from this module's scope).
//
// A trace is bench-runner's file of u32 quadruples [kind, id, a, b]: kind 0
// allocates block `id` of `a` bytes aligned to `b`, 1 frees it, 2
// reallocates it to `a` bytes.

// Per block id: its pointer, size and alignment, for `replayOps`.
export function blockArrays(ops) {
  let blocks = 0;
  for (let i = 0; i < ops.length; i += 4) if (ops[i] === 0) blocks++;
  return { ptr: new Uint32Array(blocks), size: new Uint32Array(blocks), align: new Uint32Array(blocks) };
}

// Replays `ops` through a module instance's exports `w`, touching the first
// and last byte of every block it gets (so the pages are really used).
export function replayOps(w, ops, { ptr, size, align }) {
  let mem = new Uint8Array(w.memory.buffer);
  const touch = (p, s) => {
    if (mem.buffer !== w.memory.buffer) mem = new Uint8Array(w.memory.buffer);
    mem[p] = 1;
    mem[p + Math.max(s, 1) - 1] = 2;
  };
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
}
