// The demo page, end to end, in Debian's headless chromium driven by
// playwright-core. Run by `cargo xtask test` (xtask/src/demo.rs), which
// builds the page, serves it and passes: URL SCREENSHOT_DIR.
//
// It fails on any console error, page error or failed request; runs two
// workloads through the controls and checks that the figures change and
// agree with the module's stats API; that the heap map has drawn used and
// free blocks; that a 100,000-step workload keeps every frame under 100 ms;
// and that freeing everything brings bytes in use to zero.
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

  const figure = (id) => page.$eval(`#${id}`, (e) => Number(e.dataset.value));
  const figures = async () => Object.fromEntries(await Promise.all(
    ['in_use', 'free', 'peak', 'pages', 'allocs', 'frees', 'failed', 'largest', 'frag', 'live']
      .map(async (k) => [k, await figure(`f-${k}`)])));
  // The stats API, read directly from the module.
  const api = () => page.evaluate(() => {
    const s = window.demo.ours.stats();
    return { in_use: s[0], free: s[1], peak: s[2], pages: s[3], allocs: s[4], frees: s[5], failed: s[6], largest: s[7] };
  });
  const runThroughControls = async (workload, steps, min, max) => {
    await page.selectOption('#workload', workload);
    await page.fill('#min', String(min));
    await page.fill('#max', String(max));
    await page.fill('#steps', String(steps));
    await page.click('#run');
    await page.waitForFunction(() => window.demo.busy, null, { timeout: 5000 }).catch(() => {});
    await page.waitForFunction(() => !window.demo.busy, null, { timeout: 120000 });
  };
  const agree = async (what) => {
    const f = await figures();
    const a = await api();
    // Bytes and pages must agree exactly. The counts may run ahead by the
    // page's own reads since it drew the figures (the stats and blocks
    // vectors are allocated and freed), never behind.
    for (const k of ['in_use', 'free', 'peak', 'pages', 'failed', 'largest']) {
      assert.equal(f[k], a[k], `${what}: figure ${k} on the page (${f[k]}) differs from the stats API (${a[k]})`);
    }
    for (const k of ['allocs', 'frees']) {
      const d = a[k] - f[k];
      assert.ok(d >= 0 && d <= 4, `${what}: figure ${k} on the page (${f[k]}) vs the stats API (${a[k]})`);
    }
    return f;
  };

  await step('page loads and shows first figures within 1 s', async () => {
    const t = Date.now();
    await page.goto(url);
    await page.waitForFunction(() => window.demo && window.demo.ready, null, { timeout: 10000 });
    await page.waitForFunction(() => document.querySelector('#f-in_use').dataset.value !== undefined);
    const ms = Date.now() - t;
    console.log(`     first figures after ${ms} ms`);
    assert.ok(ms < 1000, `first figures took ${ms} ms`);
    await page.waitForFunction(() => document.querySelector('#size-note').dataset.value !== undefined);
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

  await step('random workload through the controls: figures change and agree with the API', async () => {
    await runThroughControls('random', 20000, 8, 4096);
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
    await page.screenshot({ path: path.join(shots, 'demo-fragment.png'), fullPage: true });
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
