// The demo page: runs the same workload on two builds of www/src/lib.rs,
// one on wasm-tlsf's SmallGlobalTlsf (with stats), one on Rust's default
// allocator (dlmalloc), paced over animation frames (a batch of steps per
// frame, on both modules) so that the figures, the heap map and the chart
// move while it runs, and draws wasm-tlsf's heap.
import initOurs, * as ours from './pkg/tlsf/wasm_tlsf_demo.js';
import initStd, * as std from './pkg/std/wasm_tlsf_demo.js';

const $ = (id) => document.getElementById(id);
const STAT = ['in_use', 'free', 'peak', 'pages', 'allocs', 'frees', 'failed', 'largest',
  'managed', 'overhead', 'reallocs'];

function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
}
const count = (n) => n.toLocaleString('en-US');

// What the page shows, and what the end-to-end test reads.
const demo = {
  ready: false,
  busy: false,
  ours,
  std,
  steps: 0,
  time: { ours: 0, std: 0 },
  history: [],
  frameGaps: [],
  frames: 0,
  firstFiguresAt: null, // ms since navigation started
  figures: {},
  map: null,
  run: null,
};
window.demo = demo;

// wasm-tlsf's module exports (its memory holds the snapshots).
let oursWasm = null;

// The figures and the blocks, read by the module at one moment into a
// static buffer (so the table and the map always describe the same heap,
// and reading it allocates nothing).
function readSnapshot() {
  const n = ours.snapshot();
  const mem = oursWasm.memory.buffer;
  const figs = new Float64Array(mem, ours.snapshot_figures(), STAT.length);
  const blocks = new Uint32Array(mem, ours.snapshot_blocks(), 3 * Math.abs(n)).slice();
  const o = {};
  STAT.forEach((k, i) => { o[k] = figs[i]; });
  o.frag = o.free > 0 ? Math.max(0, 1 - o.largest / o.free) : 0;
  o.live = ours.live_bytes();
  o.memPages = ours.memory_pages();
  o.stdPages = std.memory_pages();
  o.truncated = n < 0;
  return { figures: o, blocks };
}

function showFigures() {
  const { figures: f, blocks } = readSnapshot();
  demo.figures = f;
  const set = (id, text, value) => { const e = $(id); e.textContent = text; e.dataset.value = value; };
  set('f-in_use', bytes(f.in_use), f.in_use);
  set('f-free', bytes(f.free), f.free);
  set('f-peak', bytes(f.peak), f.peak);
  set('f-pages', `${count(f.pages)} (${bytes(f.pages * 65536)})`, f.pages);
  set('f-allocs', count(f.allocs), f.allocs);
  set('f-frees', count(f.frees), f.frees);
  set('f-failed', count(f.failed), f.failed);
  set('f-largest', bytes(f.largest), f.largest);
  set('f-frag', `${(f.frag * 100).toFixed(1)} %`, f.frag);
  set('f-live', bytes(f.live), f.live);
  set('c-pages-ours', count(f.memPages), f.memPages);
  set('c-pages-std', count(f.stdPages), f.stdPages);
  const per = (t) => (demo.steps ? `${(t * 1000 / demo.steps).toFixed(3)} µs` : '–');
  set('c-time-ours', per(demo.time.ours), demo.steps ? demo.time.ours / demo.steps : 0);
  set('c-time-std', per(demo.time.std), demo.steps ? demo.time.std / demo.steps : 0);
  set('c-steps', count(demo.steps), demo.steps);
  demo.history.push({
    step: demo.steps, inUse: f.in_use, free: f.free, mem: f.memPages * 65536, std: f.stdPages * 65536,
  });
  if (demo.history.length > 600) demo.history.shift();
  drawHeap(blocks);
  drawChart();
  if (demo.firstFiguresAt === null) demo.firstFiguresAt = performance.now();
}

// ---- heap map ---------------------------------------------------------------

const ROW_H = 12;
let layout = null; // blocks in drawing order, with their offsets, for the tooltip

// `flat`: the snapshot's blocks, triples of address, size, flags (bit 0
// free, bit 1 first block of its pool).
function drawHeap(flat) {
  const canvas = $('heap');
  const ctx = canvas.getContext('2d');
  const W = canvas.width;
  const rows = Math.floor(canvas.height / ROW_H);
  // Group into pools (a pool starts at a block flagged first-in-pool), in
  // address order.
  const pools = [];
  for (let i = 0; i < flat.length; i += 3) {
    const b = { addr: flat[i], size: flat[i + 1], free: (flat[i + 2] & 1) !== 0 };
    if (flat[i + 2] & 2 || pools.length === 0) pools.push([]);
    pools[pools.length - 1].push(b);
  }
  pools.sort((a, b) => a[0].addr - b[0].addr);
  const blocks = pools.flatMap((p, k) => p.map((b, j) => ({ ...b, pool: k, first: j === 0 })));
  const total = blocks.reduce((s, b) => s + b.size, 0);
  // What the map shows, in bytes (the end-to-end test compares it with the
  // table).
  demo.map = {
    blocks: blocks.length,
    free: blocks.reduce((s, b) => s + (b.free ? b.size : 0), 0),
    used: blocks.reduce((s, b) => s + (b.free ? 0 : b.size), 0),
  };
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (total === 0) { layout = null; return; }
  const scale = (W * rows) / total; // pixels per byte along the wrapped strip
  const css = getComputedStyle(document.documentElement);
  const colour = { used: css.getPropertyValue('--used'), free: css.getPropertyValue('--free') };
  let off = 0;
  for (const b of blocks) {
    b.offset = off;
    const start = off * scale;
    const end = (off + b.size) * scale;
    ctx.fillStyle = b.free ? colour.free : colour.used;
    for (let p = start; p < end;) {
      const row = Math.floor(p / W);
      const x = p - row * W;
      const len = Math.min(end - p, W - x);
      ctx.fillRect(x, row * ROW_H, Math.max(len, 0.5), ROW_H - 2);
      p += len;
    }
    if (b.first && b.pool > 0) {
      const row = Math.floor(start / W);
      ctx.fillStyle = css.getPropertyValue('--pool');
      ctx.fillRect(start - row * W - 1, row * ROW_H - 1, 3, ROW_H + 1);
    }
    off += b.size;
  }
  layout = { blocks, scale, W, rows };
}

function blockAt(x, y) {
  if (!layout) return null;
  const row = Math.floor(y / ROW_H);
  const off = (row * layout.W + x) / layout.scale;
  const bs = layout.blocks;
  let lo = 0; let hi = bs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (bs[mid].offset <= off) lo = mid; else hi = mid - 1;
  }
  const b = bs[lo];
  return b && off < b.offset + b.size ? b : null;
}

$('heap').addEventListener('mousemove', (e) => {
  const c = $('heap');
  const r = c.getBoundingClientRect();
  const x = (e.clientX - r.left) * (c.width / r.width);
  const y = (e.clientY - r.top) * (c.height / r.height);
  const b = blockAt(x, y);
  const tip = $('tooltip');
  if (!b) { tip.hidden = true; return; }
  tip.hidden = false;
  tip.textContent = `0x${b.addr.toString(16).padStart(8, '0')}  ${count(b.size)} B  ${b.free ? 'free' : 'used'}  pool ${b.pool}`;
  tip.style.left = `${e.clientX - $('map').getBoundingClientRect().left + 12}px`;
  tip.style.top = `${e.clientY - $('map').getBoundingClientRect().top + 12}px`;
});
$('heap').addEventListener('mouseleave', () => { $('tooltip').hidden = true; });

// ---- chart over time --------------------------------------------------------

// Bytes on a chart axis: whole units where they are whole ("512 KiB").
function axisBytes(n) {
  const unit = n >= 1048576 ? [1048576, 'MiB'] : n >= 1024 ? [1024, 'KiB'] : [1, 'B'];
  const v = n / unit[0];
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${unit[1]}`;
}

// A tick step near `span / n`: 1, 2 or 5 times a power of `base`'s steps
// (powers of two for bytes, of ten for counts).
function tickStep(span, n, binary) {
  const raw = Math.max(span / n, 1);
  if (binary) return 2 ** Math.ceil(Math.log2(raw));
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw);
}

// Memory over the steps run: bytes in use and free in wasm-tlsf's heap, and
// each module's linear memory. Our memory line is drawn solid and wide, and
// dlmalloc's dashed on top of it, so both show where they coincide.
function drawChart() {
  const canvas = $('chart');
  const ctx = canvas.getContext('2d');
  const { width: W, height: H } = canvas;
  const pad = { left: 70, right: 34, top: 12, bottom: 40 };
  const w = W - pad.left - pad.right;
  const h = H - pad.top - pad.bottom;
  ctx.clearRect(0, 0, W, H);
  const hist = demo.history;
  const css = getComputedStyle(document.documentElement);
  const maxY = Math.max(65536, ...hist.map((p) => Math.max(p.inUse, p.free, p.mem, p.std)));
  const x0 = hist.length ? hist[0].step : 0;
  const x1 = Math.max(x0 + 1, hist.length ? hist[hist.length - 1].step : 1);
  const yStep = tickStep(maxY, 4, true);
  const yTop = Math.ceil(maxY / yStep) * yStep;
  const xStep = tickStep(x1 - x0, 6, false);
  const X = (v) => pad.left + ((v - x0) / (x1 - x0)) * w;
  const Y = (v) => pad.top + h - (v / yTop) * h;
  // Axes, ticks and their labels.
  ctx.font = '11px sans-serif';
  ctx.fillStyle = '#555';
  ctx.strokeStyle = '#ddd';
  ctx.lineWidth = 1;
  ctx.setLineDash([]);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (let v = 0; v <= yTop; v += yStep) {
    ctx.beginPath(); ctx.moveTo(pad.left, Y(v)); ctx.lineTo(W - pad.right, Y(v)); ctx.stroke();
    ctx.fillText(v ? axisBytes(v) : '0', pad.left - 6, Y(v));
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (let v = Math.ceil(x0 / xStep) * xStep; v <= x1; v += xStep) {
    ctx.beginPath(); ctx.moveTo(X(v), pad.top + h); ctx.lineTo(X(v), pad.top + h + 4); ctx.stroke();
    ctx.fillText(count(v), X(v), pad.top + h + 6);
  }
  ctx.fillText('steps run', pad.left + w / 2, H - 14);
  ctx.save();
  ctx.translate(12, pad.top + h / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = 'middle';
  ctx.fillText('bytes', 0, 0);
  ctx.restore();
  ctx.strokeStyle = '#999';
  ctx.strokeRect(pad.left, pad.top, w, h);
  if (hist.length < 2) return;
  const line = (key, colour, width, dash) => {
    ctx.strokeStyle = colour;
    ctx.setLineDash(dash);
    ctx.lineWidth = width;
    ctx.beginPath();
    hist.forEach((p, i) => {
      if (i) ctx.lineTo(X(p.step), Y(p[key])); else ctx.moveTo(X(p.step), Y(p[key]));
    });
    ctx.stroke();
  };
  line('free', css.getPropertyValue('--free'), 2, []);
  line('inUse', css.getPropertyValue('--used'), 2, []);
  line('mem', css.getPropertyValue('--mem'), 4, []);
  line('std', css.getPropertyValue('--std'), 2, [6, 5]);
  ctx.setLineDash([]);
}

// ---- running ----------------------------------------------------------------

function setStatus(state, text) {
  const s = $('status');
  s.dataset.state = state;
  s.textContent = text;
}

// A run is spread over about this many frames (a second and a half at
// 60 Hz), however many steps it has, so that it can be watched.
const FRAMES = 90;
// A frame's work (both modules) above this many milliseconds halves the
// batch, so a slow machine gets more frames rather than long ones.
const FRAME_BUDGET_MS = 12;

// Runs `steps` steps of `workload` on both modules, one batch per animation
// frame, redrawing the figures, the map and the chart after each batch.
// Resolves when done.
function run(workload, steps, min, max) {
  if (demo.busy) return Promise.resolve(false);
  demo.busy = true;
  demo.frameGaps = [];
  demo.frames = 0;
  setStatus('running', `running ${count(steps)} steps of “${workload}”…`);
  let left = steps;
  let batch = Math.max(1, Math.ceil(steps / FRAMES));
  let last = performance.now();
  return new Promise((resolve) => {
    const frame = (now) => {
      demo.frameGaps.push(now - last);
      last = now;
      const n = Math.min(left, batch);
      const t0 = performance.now();
      ours.run(workload, n, min, max);
      const t1 = performance.now();
      std.run(workload, n, min, max);
      const t2 = performance.now();
      demo.time.ours += t1 - t0;
      demo.time.std += t2 - t1;
      demo.steps += n;
      demo.frames += 1;
      left -= n;
      if (t2 - t0 > FRAME_BUDGET_MS) batch = Math.max(1, batch >> 1);
      showFigures();
      if (left > 0) {
        setStatus('running', `running “${workload}”: ${count(steps - left)} of ${count(steps)} steps`);
        requestAnimationFrame(frame);
      } else {
        demo.busy = false;
        setStatus('ready', `done: ${count(steps)} steps of “${workload}” in ${demo.frames} frames`);
        resolve(true);
      }
    };
    requestAnimationFrame(frame);
  });
}
demo.run = run;

const num = (id) => Math.max(1, parseInt($(id).value, 10) || 1);
$('run').addEventListener('click', () => {
  run($('workload').value, num('steps'), num('min'), Math.max(num('min'), num('max')));
});
$('free').addEventListener('click', () => {
  if (demo.busy) return;
  ours.run('free', 1, 1, 1);
  std.run('free', 1, 1, 1);
  showFigures();
  setStatus('ready', 'freed everything');
});
$('reset').addEventListener('click', () => {
  if (demo.busy) return;
  ours.reset();
  std.reset();
  demo.steps = 0;
  demo.time = { ours: 0, std: 0 };
  demo.history = [];
  showFigures();
  setStatus('ready', 'reset: everything freed, the workloads start over (memory never shrinks)');
});

// ---- start ------------------------------------------------------------------

// Each module is fetched once: its bytes give the module size shown, and
// instantiate it.
async function wasmBytes(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.arrayBuffer();
}

async function start() {
  const [a, b] = await Promise.all([
    wasmBytes('./pkg/tlsf/wasm_tlsf_demo_bg.wasm'),
    wasmBytes('./pkg/std/wasm_tlsf_demo_bg.wasm'),
  ]);
  [oursWasm] = await Promise.all([initOurs({ module_or_path: a }), initStd({ module_or_path: b })]);
  showFigures();
  const [na, nb] = [a.byteLength, b.byteLength];
  $('c-size-ours').textContent = bytes(na);
  $('c-size-ours').dataset.value = na;
  $('c-size-std').textContent = bytes(nb);
  $('c-size-std').dataset.value = nb;
  const note = $('size-note');
  note.dataset.value = nb - na;
  note.textContent = nb > na
    ? `This page's module is ${count(nb - na)} bytes (${((nb - na) * 100 / nb).toFixed(1)} %) smaller on wasm-tlsf than on Rust's default allocator.`
    : `This page's module is ${count(na - nb)} bytes larger on wasm-tlsf than on Rust's default allocator.`;
  demo.ready = true;
  setStatus('ready', 'ready: pick a workload and press Run');
}

start().catch((e) => {
  setStatus('error', `failed to start: ${e}`);
  console.error(e);
});
