// Runs the WASI test commands (wasm32-wasip1) under node's built-in
// `node:wasi` (preview1; nothing to install beyond node itself):
//
//   node tests/wasi/run.mjs wasi-suite.wasm wasi-exhaust.wasm
//
// For each module: `--list` names its cases; each case then runs in a fresh
// instance (so a trap fails that case only), and finally all cases run in
// one instance, in order (the heap carries over between them). Every
// instance gets a fresh temporary directory preopened as /sandbox, HOME set
// to it, WASM_TLSF_PROBE_0..7 (values the command recomputes, 1 to 30,000
// bytes) and a 5,000-byte `--probe=` argument. Prints `N passed, N failed`
// last; exits non-zero on any failure.
//
// The WASI functions are imported through JS wrappers: called from wasm
// directly (V8's fast API path), node 20's `node:wasi` reads and writes
// through a stale view of memory once it has grown past about 32 MiB (seen
// here: a program that only grows memory and prints loses its output and
// node aborts, with Rust's default allocator too). Called from JS, every
// call looks the memory up afresh.
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { createRequire } from "node:module";

// Must match tests/wasi/src/common/mod.rs (probe_len, probe_value).
const PROBE_LENS = [1, 7, 64, 300, 1000, 4000, 12000, 30000];
const PROBE_ARG_LEN = 5000;
function probeValue(k, len) {
  let s = "";
  for (let i = 0; i < len; i++) s += String.fromCharCode(97 + ((i * 7 + k * 13) % 26));
  return s;
}

// node flags `node:wasi` as experimental when it is loaded: not news here,
// and it would print after the summary line. So it is loaded here, with
// that one warning filtered out.
const emitWarning = process.emitWarning;
process.emitWarning = (warning, ...rest) => {
  if (!String(warning).startsWith("WASI is an experimental feature")) emitWarning(warning, ...rest);
};
const { WASI } = createRequire(import.meta.url)("node:wasi");
process.emitWarning = emitWarning;

const env = { HOME: "/sandbox" };
PROBE_LENS.forEach((len, k) => (env[`WASM_TLSF_PROBE_${k}`] = probeValue(k, len)));
const probeArg = `--probe=${probeValue(PROBE_LENS.length, PROBE_ARG_LEN)}`;

// Runs `module` with `caseArgs`; returns its exit code, or a trap's message.
// `stdoutFile`: a path to capture standard output in (else inherited).
function runOnce(module, name, caseArgs, stdoutFile) {
  const dir = mkdtempSync(join(tmpdir(), "wasm-tlsf-wasi-"));
  const out = stdoutFile ? openSync(stdoutFile, "w") : 1;
  try {
    const wasi = new WASI({
      version: "preview1",
      args: [name, ...caseArgs, probeArg],
      env,
      preopens: { "/sandbox": dir },
      stdout: out,
      returnOnExit: true,
    });
    const imports = wasi.getImportObject();
    for (const ns of Object.keys(imports)) {
      const direct = imports[ns];
      imports[ns] = {};
      for (const [k, f] of Object.entries(direct)) imports[ns][k] = (...a) => f(...a);
    }
    const instance = new WebAssembly.Instance(module, imports);
    try {
      return { code: wasi.start(instance) };
    } catch (e) {
      return { trap: String(e && e.stack ? e.stack.split("\n").slice(0, 4).join("\n") : e) };
    }
  } finally {
    if (stdoutFile) closeSync(out);
    rmSync(dir, { recursive: true, force: true });
  }
}

let passed = 0;
let failed = 0;
function report(label, r, ms) {
  const ok = r.code === 0;
  if (ok) passed++;
  else failed++;
  const why = ok ? "" : r.trap !== undefined ? `: trap: ${r.trap}` : `: exit code ${r.code}`;
  console.log(`${ok ? "PASS" : "FAIL"} ${label} (${ms.toFixed(0)} ms)${why}`);
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node run.mjs MODULE.wasm...");
  process.exit(2);
}
for (const file of files) {
  const name = basename(file);
  const module = new WebAssembly.Module(readFileSync(file));
  const listDir = mkdtempSync(join(tmpdir(), "wasm-tlsf-wasi-list-"));
  const listed = runOnce(module, name, ["--list"], join(listDir, "list"));
  const cases = readFileSync(join(listDir, "list"), "utf8").split("\n").filter((l) => l.length > 0);
  rmSync(listDir, { recursive: true, force: true });
  if (listed.code !== 0 || cases.length === 0) {
    report(`${name} --list`, listed.code === 0 ? { code: 1 } : listed, 0);
    continue;
  }
  for (const c of cases) {
    console.log(`--- ${name} ${c}`);
    const t = performance.now();
    report(`${name} ${c}`, runOnce(module, name, [c]), performance.now() - t);
  }
  console.log(`--- ${name}, all cases in one instance`);
  const t = performance.now();
  report(`${name} all cases in one instance`, runOnce(module, name, cases), performance.now() - t);
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
