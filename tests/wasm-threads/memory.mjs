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
