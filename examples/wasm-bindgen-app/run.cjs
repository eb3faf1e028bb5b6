// Drives the wasm-bindgen app's nodejs build: node run.cjs PKG_DIR
// (built with feature debug-checks). Exits non-zero on any mismatch.
const assert = require("node:assert");
const app = require(require("node:path").resolve(process.argv[2], "wasm_tlsf_example_bindgen.js"));

const text = "the quick brown fox jumps over the lazy dog ".repeat(2000);
assert.deepStrictEqual(Array.from(app.word_lengths(text)), [3, 5, 4]);

// A double free: the hook prints the allocator's message, then the module
// aborts (`unreachable`).
const errors = [];
const consoleError = console.error;
console.error = (...args) => errors.push(args.join(" "));
let trapped = null;
try {
  app.double_free();
} catch (e) {
  trapped = e;
} finally {
  console.error = consoleError;
}
assert.ok(trapped instanceof WebAssembly.RuntimeError, `expected an abort, got ${trapped}`);
const message = errors.find((e) => e.includes("wasm-tlsf debug-checks: double free"));
assert.ok(message, `no debug-checks message on console.error: ${JSON.stringify(errors)}`);
console.log(`wasm-bindgen app: exports work; the panic hook reported: ${message.split("\n").find((l) => l.includes("double free"))}`);
