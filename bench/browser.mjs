// Headless Chromium for the benchmarks (bench/runner/replay.mjs,
// bench/programs/run.mjs): Debian's /usr/bin/chromium (or $CHROMIUM) driven
// by playwright-core from www/e2e, with `gc()` exposed. The page and its
// files go to the directory `cargo xtask bench` serves
// (BENCH_PAGE_DIR at BENCH_PAGE_URL: the one static server, on 127.0.0.1,
// cross-origin isolated for the finest timer).
import { createRequire } from "node:module";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

// Writes `files` ({relative path: contents}, with an index.html added)
// to the served directory, loads the page, and returns it with the
// browser's version, `check()` (throws the page's errors) and `close()`.
// `roots`: checkouts whose www/e2e may hold playwright-core.
export async function openPage(files, roots = [repo]) {
  const [dir, url] = [process.env.BENCH_PAGE_DIR, process.env.BENCH_PAGE_URL];
  if (!dir || !url) throw new Error("BENCH_PAGE_DIR and BENCH_PAGE_URL: run through `cargo xtask bench`");
  files = { "index.html": '<!doctype html><meta charset="utf-8"><title>bench</title>', ...files };
  for (const [name, data] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), data);
  }
  let chromium;
  for (const root of roots) {
    try {
      ({ chromium } = createRequire(path.join(root, "www/e2e/package.json"))("playwright-core"));
      break;
    } catch {}
  }
  if (!chromium) throw new Error("no playwright-core in www/e2e/node_modules (`cargo xtask setup` installs it)");
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--js-flags=--expose-gc"],
  });
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(url);
  if (!(await page.evaluate(() => typeof gc === "function"))) throw new Error("no gc(): --js-flags=--expose-gc was not taken");
  return {
    page,
    version: browser.version(),
    isolated: await page.evaluate(() => window.crossOriginIsolated),
    check() {
      if (errors.length) throw new Error(`page errors: ${errors.join("; ")}`);
    },
    close: () => browser.close(),
  };
}
