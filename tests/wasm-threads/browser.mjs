// Headless Chromium on a cross-origin isolated page (the only kind that may
// share a WebAssembly.Memory), shared by the browser runners: Debian's
// /usr/bin/chromium (or $CHROMIUM), driven by playwright-core from www/e2e
// (both installed by `cargo xtask setup`); the page is served on 127.0.0.1
// only, with COOP/COEP on every response.
import { createServer } from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

// Serves `route(url)` ([content type, body], or undefined for a 404),
// opens it in headless Chromium and calls `fn(page, browser, firstError)`
// (`firstError` resolves with the message of the first uncaught error of
// the page or its workers); its result is returned once the browser and
// the server are closed. Throws if the page is not cross-origin isolated
// or a page error was raised.
export async function withIsolatedPage(route, fn) {
  let chromium;
  try {
    ({ chromium } = createRequire(path.join(here, "../../www/e2e/package.json"))("playwright-core"));
  } catch (e) {
    throw new Error(`no playwright-core in www/e2e/node_modules (\`cargo xtask setup\` installs it): ${e.message}`);
  }
  const server = createServer((req, res) => {
    const headers = {
      "Cross-Origin-Opener-Policy": "same-origin",
      "Cross-Origin-Embedder-Policy": "require-corp",
    };
    const r = route(new URL(req.url, "http://127.0.0.1").pathname);
    if (!r) {
      res.writeHead(404, headers).end();
      return;
    }
    res.writeHead(200, { ...headers, "Content-Type": r[0] }).end(r[1]);
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium" });
  try {
    const page = await browser.newPage();
    const errors = [];
    let onError;
    const firstError = new Promise((resolve) => (onError = resolve));
    page.on("pageerror", (e) => {
      errors.push(e.message);
      onError(e.message);
    });
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    if (!(await page.evaluate(() => window.crossOriginIsolated))) {
      throw new Error("the page is not cross-origin isolated: no shared memory");
    }
    const result = await fn(page, browser, firstError);
    if (errors.length) throw new Error(`page errors: ${errors.join("; ")}`);
    return result;
  } finally {
    await browser.close();
    server.close();
  }
}
