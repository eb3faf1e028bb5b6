// Cold start, for `cargo xtask bench`: the wall-clock of a fresh instance
// with an empty heap replaying a whole trace written by bench-runner, from
// instantiation to the last operation, in node (V8) or in headless
// Chromium (Debian's /usr/bin/chromium driven by playwright-core from
// www/e2e, the page served by `cargo xtask bench` on 127.0.0.1). This is where the cost of each
// `memory.grow` shows: a warm instance's heap has grown already.
//
// Each module is compiled once and replays each trace once untimed first
// (so the rounds time V8's optimised code, not its compiler); every timed
// run is a new instance, after a full garbage collection. Every round runs
// every allocator on every trace, in an order that rotates by round, so
// allocators' runs pair up by round. Usage:
//   node --expose-gc coldstart.mjs node|chromium ROUNDS TRACE_DIR OUT.json TRACES NAME=MODULE.wasm...
// TRACES: comma-separated trace names (TRACE_DIR/NAME.trace).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { blockArrays, replayOps } from './replay.mjs';

const [engine, roundsArg, traceDir, outPath, traceList, ...rows] = process.argv.slice(2);
const rounds = Number(roundsArg);
const traceNames = traceList.split(',');
const modules = rows.map((r) => {
  const i = r.indexOf('=');
  return { name: r.slice(0, i), bytes: readFileSync(r.slice(i + 1)) };
});
const traceBytes = Object.fromEntries(traceNames.map((t) => [t, readFileSync(path.join(traceDir, `${t}.trace`))]));

// One cold run: instantiate, replay `ops` (replay.mjs, as wallclock.mjs
// does). Returns the milliseconds from before instantiation to after the
// last operation, and the memory's pages at the end. Runs in node and, as
// its source text, in the page.
function coldRun(module, ops, now) {
  const blocks = blockArrays(ops);
  const t0 = now();
  const w = new WebAssembly.Instance(module, {}).exports;
  replayOps(w, ops, blocks);
  const ms = now() - t0;
  return { ms, pages: w.memory.buffer.byteLength / 65536 };
}

// The engine's side: `setup()` once, then `run(module index, trace name)`.
let label, run, close;
if (engine === 'node') {
  if (typeof globalThis.gc !== 'function') throw new Error('run node with --expose-gc');
  const compiled = modules.map((m) => new WebAssembly.Module(m.bytes));
  const ops = Object.fromEntries(traceNames.map((t) => {
    const b = traceBytes[t];
    return [t, new Uint32Array(b.buffer, b.byteOffset, b.byteLength / 4)];
  }));
  const now = () => performance.now();
  label = `node ${process.version} (V8 ${process.versions.v8})`;
  run = async (k, t) => { globalThis.gc(); return coldRun(compiled[k], ops[t], now); };
  close = async () => {};
} else if (engine === 'chromium') {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  let chromium;
  try {
    ({ chromium } = createRequire(path.join(root, 'www/e2e/package.json'))('playwright-core'));
  } catch (e) {
    throw new Error(`no playwright-core in www/e2e/node_modules (\`cargo xtask setup\` installs it): ${e.message}`);
  }
  // The page, its script, the modules and the traces, written to the
  // directory that `cargo xtask bench` serves (its static server, on
  // 127.0.0.1, cross-origin isolated for the browser's finest timer).
  const [pageDir, url] = [process.env.COLD_PAGE_DIR, process.env.COLD_PAGE_URL];
  if (!pageDir || !url) throw new Error('COLD_PAGE_DIR and COLD_PAGE_URL: run through `cargo xtask bench`');
  mkdirSync(path.join(pageDir, 'm'), { recursive: true });
  mkdirSync(path.join(pageDir, 't'), { recursive: true });
  writeFileSync(path.join(pageDir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>cold start</title><script src="cold.js"></script>');
  writeFileSync(path.join(pageDir, 'cold.js'), [blockArrays, replayOps, coldRun].map(String).join('\n') + '\nwindow.coldRun = coldRun;');
  modules.forEach((m, k) => writeFileSync(path.join(pageDir, 'm', `${k}.wasm`), m.bytes));
  for (const t of traceNames) writeFileSync(path.join(pageDir, 't', `${t}.trace`), traceBytes[t]);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--js-flags=--expose-gc'],
  });
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.evaluate(async ({ n, traces }) => {
    window.mods = [];
    for (let k = 0; k < n; k++) {
      window.mods.push(await WebAssembly.compile(await (await fetch(`m/${k}.wasm`)).arrayBuffer()));
    }
    window.traces = {};
    for (const t of traces) window.traces[t] = new Uint32Array(await (await fetch(`t/${t}.trace`)).arrayBuffer());
    if (typeof window.gc !== 'function') throw new Error('no gc(): --js-flags=--expose-gc was not taken');
  }, { n: modules.length, traces: traceNames });
  const isolated = await page.evaluate(() => window.crossOriginIsolated);
  label = `headless Chromium ${browser.version()}${isolated ? '' : ' (not cross-origin isolated: coarse timer)'}`;
  run = async (k, t) => {
    const r = await page.evaluate(([k, t]) => {
      window.gc();
      return window.coldRun(window.mods[k], window.traces[t], () => performance.now());
    }, [k, t]);
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    return r;
  };
  close = async () => { await browser.close(); };
} else {
  throw new Error(`engine: node or chromium, not ${engine}`);
}

try {
  // Untimed: each module on each trace once.
  for (let k = 0; k < modules.length; k++) for (const t of traceNames) await run(k, t);
  const ms = modules.map(() => traceNames.map(() => []));
  const pages = modules.map(() => traceNames.map(() => []));
  for (let round = 0; round < rounds; round++) {
    for (const [ti, t] of traceNames.entries()) {
      for (let j = 0; j < modules.length; j++) {
        const k = (j + round) % modules.length;
        const r = await run(k, t);
        ms[k][ti].push(r.ms);
        pages[k][ti].push(r.pages);
      }
    }
  }
  const runs = [];
  modules.forEach((m, k) => traceNames.forEach((t, ti) => runs.push({ allocator: m.name, trace: t, ms: ms[k][ti], pages: pages[k][ti] })));
  writeFileSync(outPath, JSON.stringify({ engine: label, rounds, runs }, null, 2));
} finally {
  await close();
}
