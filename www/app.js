// The demo page: runs the same workload on two builds of www/src/lib.rs,
// one on wasm-tlsf's SmallGlobalTlsf (with stats), one on Rust's default
// allocator (dlmalloc), in slices per animation frame so the page stays
// responsive, and draws wasm-tlsf's heap.
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
  figures: {},
  run: null,
};
window.demo = demo;

function readStats() {
  const s = ours.stats();
  const o = {};
  STAT.forEach((k, i) => { o[k] = s[i]; });
  o.frag = o.free > 0 ? Math.max(0, 1 - o.largest / o.free) : 0;
  o.live = ours.live_bytes();
  o.memPages = ours.memory_pages();
  o.stdPages = std.memory_pages();
  return o;
}

function showFigures() {
  const f = readStats();
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
  demo.history.push({ inUse: f.in_use, free: f.free, mem: f.memPages * 65536, std: f.stdPages * 65536 });
  if (demo.history.length > 600) demo.history.shift();
  drawHeap();
  drawChart();
}

// ---- heap map ---------------------------------------------------------------

const ROW_H = 12;
let layout = null; // blocks in drawing order, with their offsets, for the tooltip

function drawHeap() {
  const canvas = $('heap');
  const ctx = canvas.getContext('2d');
  const W = canvas.width;
  const rows = Math.floor(canvas.height / ROW_H);
  const flat = ours.blocks();
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

function drawChart() {
  const canvas = $('chart');
  const ctx = canvas.getContext('2d');
  const { width: W, height: H } = canvas;
  ctx.clearRect(0, 0, W, H);
  const h = demo.history;
  if (h.length < 2) return;
  const max = Math.max(1, ...h.map((p) => Math.max(p.inUse, p.free, p.mem, p.std)));
  const css = getComputedStyle(document.documentElement);
  const line = (key, colour, dash) => {
    ctx.strokeStyle = colour;
    ctx.setLineDash(dash);
    ctx.lineWidth = 2;
    ctx.beginPath();
    h.forEach((p, i) => {
      const x = 50 + (i / (h.length - 1)) * (W - 60);
      const y = H - 20 - (p[key] / max) * (H - 30);
      if (i) ctx.lineTo(x, y); else ctx.moveTo(x, y);
    });
    ctx.stroke();
  };
  ctx.fillStyle = '#555';
  ctx.font = '11px sans-serif';
  ctx.fillText(bytes(max), 2, 12);
  ctx.fillText('0', 2, H - 20);
  line('std', css.getPropertyValue('--std'), [6, 4]);
  line('mem', css.getPropertyValue('--mem'), []);
  line('free', css.getPropertyValue('--free'), []);
  line('inUse', css.getPropertyValue('--used'), []);
  ctx.setLineDash([]);
}

// ---- running ----------------------------------------------------------------

function setStatus(state, text) {
  const s = $('status');
  s.dataset.state = state;
  s.textContent = text;
}

// Runs `steps` steps of `workload` on both modules, a slice per frame; the
// slice adapts so a frame's work stays near 8 ms. Resolves when done.
function run(workload, steps, min, max) {
  if (demo.busy) return Promise.resolve(false);
  demo.busy = true;
  demo.frameGaps = [];
  setStatus('running', `running ${count(steps)} steps of “${workload}”…`);
  let left = steps;
  let slice = 200;
  let last = performance.now();
  return new Promise((resolve) => {
    const frame = (now) => {
      demo.frameGaps.push(now - last);
      last = now;
      const n = Math.min(left, slice);
      const t0 = performance.now();
      ours.run(workload, n, min, max);
      const t1 = performance.now();
      std.run(workload, n, min, max);
      const t2 = performance.now();
      demo.time.ours += t1 - t0;
      demo.time.std += t2 - t1;
      demo.steps += n;
      left -= n;
      if (t2 - t0 < 4) slice = Math.min(slice * 2, 50000);
      else if (t2 - t0 > 10) slice = Math.max(10, slice >> 1);
      showFigures();
      if (left > 0) {
        requestAnimationFrame(frame);
      } else {
        demo.busy = false;
        setStatus('ready', `done: ${count(steps)} steps of “${workload}”`);
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

async function wasmBytes(url) {
  const r = await fetch(url);
  return (await r.arrayBuffer()).byteLength;
}

async function start() {
  await Promise.all([initOurs(), initStd()]);
  showFigures();
  demo.ready = true;
  setStatus('ready', 'ready: pick a workload and press Run');
  const [a, b] = await Promise.all([
    wasmBytes('./pkg/tlsf/wasm_tlsf_demo_bg.wasm'),
    wasmBytes('./pkg/std/wasm_tlsf_demo_bg.wasm'),
  ]);
  $('c-size-ours').textContent = bytes(a);
  $('c-size-ours').dataset.value = a;
  $('c-size-std').textContent = bytes(b);
  $('c-size-std').dataset.value = b;
  const note = $('size-note');
  note.dataset.value = b - a;
  note.textContent = b > a
    ? `This page's module is ${count(b - a)} bytes (${((b - a) * 100 / b).toFixed(1)} %) smaller on wasm-tlsf than on Rust's default allocator.`
    : `This page's module is ${count(a - b)} bytes larger on wasm-tlsf than on Rust's default allocator.`;
}

start().catch((e) => {
  setStatus('error', `failed to start: ${e}`);
  console.error(e);
});
