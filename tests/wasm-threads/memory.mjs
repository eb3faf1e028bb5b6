// Shared by the runners.

// The memory import's minimum, read from the module's import section (the
// JS API does not expose it).
export function minPages(bytes) {
  let i = 8;
  const leb = () => {
    let r = 0, s = 0, b;
    do { b = bytes[i++]; r |= (b & 0x7f) << s; s += 7; } while (b & 0x80);
    return r >>> 0;
  };
  const name = () => { const n = leb(); const s = new TextDecoder().decode(bytes.subarray(i, i + n)); i += n; return s; };
  while (i < bytes.length) {
    const id = bytes[i++];
    const len = leb();
    const end = i + len;
    if (id === 2) {
      for (let n = leb(); n > 0; n--) {
        name(); name();
        const kind = bytes[i++];
        if (kind === 0) leb();
        else if (kind === 1) { i++; const f = bytes[i++]; leb(); if (f & 1) leb(); }
        else if (kind === 2) { const f = bytes[i++]; const min = leb(); if (f & 1) leb(); return min; }
        else if (kind === 3) { i += 2; }
      }
    }
    i = end;
  }
  throw new Error("no memory import");
}

// Each thread's stack and TLS block, from the allocator under test (what
// wasm-bindgen's thread support does at thread start): `w` is the main
// instance's exports. Returns the threads' { id, top, tls }, or throws.
// (The browser runner also serves this function to its page as text, so
// it uses nothing from this module's scope.)
export function threadBlocks(w, stackSize) {
  const tlsSize = w.__tls_size ? w.__tls_size.value : 0;
  const tlsAlign = w.__tls_align ? w.__tls_align.value : 16;
  const threads = [];
  for (let id = 0; id < w.threads(); id++) {
    const stack = w.thread_block(stackSize, 16) >>> 0;
    const tls = tlsSize ? w.thread_block(tlsSize, tlsAlign) >>> 0 : 0;
    if (!stack || (tlsSize && !tls)) throw new Error("no memory for a thread's stack");
    threads.push({ id, top: stack + stackSize, tls });
  }
  return threads;
}
