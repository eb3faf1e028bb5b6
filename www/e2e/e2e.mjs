// The demo page, end to end, in Debian's headless chromium driven by
// playwright-core. Run by `cargo xtask test` (xtask/src/demo.rs), which
// builds the page, serves it and passes: URL SCREENSHOT_DIR.
//
// It fails on any console error, page error or failed request, or a
// `.wasm` fetched more than once; checks the first state (the table
// describes the heap the map draws); runs two workloads through the
// controls, watching the first from outside while it runs (several frames
// with different figures, map and chart), and checks that the figures agree
// with the module's stats API; that the heap map has drawn used and free
// blocks; that a 100,000-step workload keeps every frame under 100 ms; and
// that freeing everything brings bytes in use to zero. It takes the README's
// screenshot (SCREENSHOT_DIR/screenshot.png) after the fragmenting workload.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import path from 'node:path';

const [url, shots] = process.argv.slice(2);
assert.ok(url && shots, 'usage: node e2e.mjs URL SCREENSHOT_DIR');

const problems = [];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-dev-shm-usage'],
});
let failed = false;
const step = async (name, f) => {
  const t = Date.now();
  try {
    await f();
    console.log(`ok   ${name} (${Date.now() - t} ms)`);
  } catch (e) {
    failed = true;
    console.log(`FAIL ${name}: ${e.message}`);
    throw e;
  }
};

try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 1200 } });
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  const wasmFetches = new Map();
  page.on('request', (r) => {
    const u = new URL(r.url()).pathname;
    if (u.endsWith('.wasm')) wasmFetches.set(u, (wasmFetches.get(u) || 0) + 1);
  });

  const figure = (id) => page.$eval(`#${id}`, (e) => Number(e.dataset.value));
  const figures = async () => Object.fromEntries(await Promise.all(
    ['in_use', 'free', 'peak', 'pages', 'allocs', 'frees', 'failed', 'largest', 'frag', 'live']
      .map(async (k) => [k, await figure(`f-${k}`)])));
  // The stats API, read directly from the module.
  const api = () => page.evaluate(() => {
    const s = window.demo.ours.stats();
    return { in_use: s[0], free: s[1], peak: s[2], pages: s[3], allocs: s[4], frees: s[5], failed: s[6], largest: s[7] };
  });
  // What the page shows now, read from its DOM and its drawing state.
  const sample = () => page.evaluate(() => ({
    busy: window.demo.busy,
    steps: Number(document.querySelector('#c-steps').dataset.value),
    allocs: Number(document.querySelector('#f-allocs').dataset.value),
    inUse: Number(document.querySelector('#f-in_use').dataset.value),
    mapBlocks: window.demo.map.blocks,
    mapUsed: window.demo.map.used,
    history: window.demo.history.length,
  }));
  // Runs a workload through the controls; with `watch`, samples the page
  // every few milliseconds while it runs and returns the samples.
  const runThroughControls = async (workload, steps, min, max, watch = false) => {
    await page.selectOption('#workload', workload);
    await page.fill('#min', String(min));
    await page.fill('#max', String(max));
    await page.fill('#steps', String(steps));
    await page.click('#run');
    await page.waitForFunction(() => window.demo.busy, null, { timeout: 5000 }).catch(() => {});
    const samples = [];
    if (watch) {
      const t = Date.now();
      for (;;) {
        const s = await sample();
        if (!s.busy || Date.now() - t > 120000) break;
        samples.push(s);
        await new Promise((r) => { setTimeout(r, 15); });
      }
    }
    await page.waitForFunction(() => !window.demo.busy, null, { timeout: 120000 });
    return samples;
  };
  const agree = async (what) => {
    const f = await figures();
    const a = await api();
    // Every figure agrees exactly: the page's reads allocate nothing, and
    // the API reads its figures before allocating the vector it returns.
    for (const k of ['in_use', 'free', 'peak', 'pages', 'allocs', 'frees', 'failed', 'largest']) {
      assert.equal(f[k], a[k], `${what}: figure ${k} on the page (${f[k]}) differs from the stats API (${a[k]})`);
    }
    return f;
  };

  await step('page loads and shows first figures within 1 s', async () => {
    await page.goto(url);
    await page.waitForFunction(() => window.demo && window.demo.ready, null, { timeout: 10000 });
    await page.waitForFunction(() => document.querySelector('#f-in_use').dataset.value !== undefined);
    // The page's own clock, from the start of navigation to the first
    // figures drawn (not the driver's round trips).
    const ms = Math.round(await page.evaluate(() => window.demo.firstFiguresAt));
    console.log(`     first figures after ${ms} ms`);
    assert.ok(ms < 1000, `first figures took ${ms} ms`);
    await page.waitForFunction(() => document.querySelector('#size-note').dataset.value !== undefined);
  });

  await step('the first state: the table describes the heap the map draws', async () => {
    const f = await figures();
    const map = await page.evaluate(() => window.demo.map);
    console.log(`     in use ${f.in_use} B, free ${f.free} B; map: ${map.blocks} blocks, ${map.used} B used, ${map.free} B free`);
    // The heap exists (it starts as the initial memory's free block), and
    // the page's reads have allocated nothing.
    assert.ok(f.free > 0 && map.blocks >= 1, `first figures: free ${f.free}, ${map.blocks} blocks`);
    assert.equal(f.in_use, 0, 'bytes in use before any workload');
    assert.equal(f.free, map.free, 'free bytes in the table and in the map');
    assert.equal(f.in_use, map.used, 'bytes in use in the table and in the map');
    assert.equal(f.largest > 0, true, 'no largest free block');
  });

  await step('each module is fetched once', async () => {
    const counts = Object.fromEntries(wasmFetches);
    console.log(`     ${JSON.stringify(counts)}`);
    assert.equal(wasmFetches.size, 2, `wasm fetches: ${JSON.stringify(counts)}`);
    for (const [u, n] of wasmFetches) assert.equal(n, 1, `${u} fetched ${n} times`);
  });

  let before;
  await step('the page says how much smaller our module is', async () => {
    const ours = await figure('c-size-ours');
    const std = await figure('c-size-std');
    const note = await page.textContent('#size-note');
    console.log(`     module bytes: wasm-tlsf ${ours}, dlmalloc ${std}: ${note}`);
    assert.ok(ours < std, `our module (${ours} B) is not smaller than dlmalloc's (${std} B)`);
    assert.match(note, new RegExp(`${(std - ours).toLocaleString('en-US')} bytes`));
    before = await figures();
  });

  await step('random workload through the controls: paced over frames, figures change and agree with the API', async () => {
    const samples = await runThroughControls('random', 20000, 8, 4096, true);
    // Seen from outside while it ran: the figures, the map and the chart
    // moved through several intermediate states.
    const mid = samples.filter((s) => s.steps > 0 && s.steps < 20000);
    const distinct = (k) => new Set(mid.map((s) => s[k])).size;
    const frames = await page.evaluate(() => window.demo.frames);
    console.log(`     ${frames} frames; ${samples.length} samples while running: ${distinct('steps')} step counts, ${distinct('allocs')} allocation counts, ${distinct('mapUsed')} maps, ${distinct('history')} chart lengths`);
    assert.ok(frames >= 10, `the run took ${frames} frames`);
    for (const k of ['steps', 'allocs', 'mapUsed', 'history']) {
      assert.ok(distinct(k) >= 5, `only ${distinct(k)} intermediate values of ${k} seen while running`);
    }
    const f = await agree('after random');
    assert.ok(f.allocs > before.allocs + 5000, `allocations ${before.allocs} -> ${f.allocs}`);
    assert.ok(f.frees > before.frees, 'no frees counted');
    assert.ok(f.in_use > 0 && f.free > 0, `in use ${f.in_use}, free ${f.free}`);
    assert.ok(f.peak >= f.in_use, 'peak below in use');
    assert.ok(f.live > 0 && f.live <= f.in_use, `held ${f.live} vs in use ${f.in_use}`);
    assert.equal(await figure('c-steps'), 20000);
    for (const id of ['c-time-ours', 'c-time-std', 'c-pages-ours', 'c-pages-std']) {
      assert.ok((await figure(id)) > 0, `${id} is not positive`);
    }
    await page.screenshot({ path: path.join(shots, 'demo-random.png'), fullPage: true });
  });

  await step('fragmenting workload: figures change, the heap map shows used and free blocks', async () => {
    const a = await figures();
    await runThroughControls('fragment', 5000, 16, 2048);
    const f = await agree('after fragment');
    assert.ok(f.allocs >= a.allocs + 5000, `allocations ${a.allocs} -> ${f.allocs}`);
    assert.ok(f.frag > 0, `fragmentation ${f.frag}`);
    const colours = await page.evaluate(() => {
      const c = document.getElementById('heap');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      const css = getComputedStyle(document.documentElement);
      const rgb = (v) => { const h = v.trim().slice(1); return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)); };
      const used = rgb(css.getPropertyValue('--used'));
      const free = rgb(css.getPropertyValue('--free'));
      let u = 0; let fr = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i] === used[0] && d[i + 1] === used[1] && d[i + 2] === used[2]) u++;
        if (d[i] === free[0] && d[i + 1] === free[1] && d[i + 2] === free[2]) fr++;
      }
      return { used: u, free: fr, blocks: window.demo.ours.blocks().length / 3 };
    });
    console.log(`     heap map: ${colours.blocks} blocks, ${colours.used} used px, ${colours.free} free px`);
    assert.ok(colours.used > 1000 && colours.free > 100, `heap map pixels ${JSON.stringify(colours)}`);
    // The tooltip names a block.
    const box = await page.$eval('#heap', (c) => { const r = c.getBoundingClientRect(); return { x: r.x, y: r.y }; });
    await page.mouse.move(box.x + 20, box.y + 5);
    const tip = await page.textContent('#tooltip');
    assert.match(tip, /^0x[0-9a-f]{8} +[\d,]+ B +(used|free) +pool \d+$/, `tooltip "${tip}"`);
    await page.mouse.move(0, 0);
    await page.screenshot({ path: path.join(shots, 'screenshot.png'), fullPage: true });
  });

  await step('a 100,000-step workload keeps every frame under 100 ms', async () => {
    await runThroughControls('random', 100000, 8, 1024);
    const gaps = await page.evaluate(() => window.demo.frameGaps.slice(1));
    const worst = Math.max(...gaps);
    console.log(`     ${gaps.length} frames, longest ${worst.toFixed(1)} ms`);
    assert.ok(worst < 100, `a frame took ${worst.toFixed(1)} ms`);
    await agree('after 100,000 steps');
  });

  await step('freeing everything brings in-use to zero', async () => {
    await page.click('#free');
    const f = await agree('after free');
    assert.equal(f.in_use, 0, `in use after freeing everything: ${f.in_use}`);
    assert.equal(f.live, 0);
    assert.equal(f.allocs, f.frees, 'allocations and frees differ with nothing in use');
    await page.screenshot({ path: path.join(shots, 'demo-freed.png'), fullPage: true });
  });

  await step('no console errors, page errors or failed requests', async () => {
    assert.deepEqual(problems, []);
  });
} catch (e) {
  failed = true;
  if (problems.length) console.log(problems.join('\n'));
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
