// Runs the stress module built for wasm32-unknown-unknown with +atomics
// (src/lib.rs) in node: the main thread instantiates it over a shared
// memory, gives each worker a stack and a TLS block from the allocator
// under test (what wasm-bindgen's thread support does at thread start),
// and each of the four node workers instantiates the same module over the
// same memory and runs the workload. Usage: node run-workers.mjs M.wasm [OPS]
// Exits 0 only if every worker and the final heap check report 0.
import { readFileSync } from "node:fs";
import { Worker, isMainThread, workerData, parentPort } from "node:worker_threads";
import { fileURLToPath } from "node:url";
import { minPages, threadBlocks } from "./memory.mjs";

const PAGE = 65536;
const STACK = 1 << 20;
const CODES = { 1: "null", 2: "misaligned", 3: "corrupt byte", 4: "zeroed block not zero", 5: "heap checker", 6: "blocks leaked" };

if (isMainThread) {
  const [path, opsArg] = process.argv.slice(2);
  const bytes = readFileSync(path);
  const module = await WebAssembly.compile(bytes);
  const memory = new WebAssembly.Memory({ initial: minPages(bytes), maximum: 16384, shared: true });
  const { exports: w } = await WebAssembly.instantiate(module, { env: { memory } });
  const ops = opsArg ? Number(opsArg) : w.default_ops();
  const n = w.threads();
  const threads = threadBlocks(w, STACK);
  const timer = setTimeout(() => {
    console.error("FAIL: timeout (a thread hangs)");
    process.exit(2);
  }, Number(process.env.STRESS_TIMEOUT_MS ?? 120000));
  if (w.start() !== 0) throw new Error("unsound heap before the threads");
  const codes = await Promise.all(
    threads.map(
      (t) =>
        new Promise((resolve) => {
          const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { module, memory, ops, ...t } });
          worker.on("message", resolve);
          worker.on("error", (e) => {
            console.error(`FAIL: trap in thread ${t.id}: ${e.stack ?? e}`);
            process.exit(3);
          });
        }),
    ),
  );
  clearTimeout(timer);
  const fin = w.finish();
  let failed = false;
  for (const code of [...codes, fin]) {
    if (code !== 0) {
      failed = true;
      const [c, thread, op, addr] = [0, 1, 2, 3].map((i) => w.failure(i) >>> 0);
      console.error(`FAIL: ${CODES[code] ?? code} (first: ${CODES[c] ?? c} in thread ${thread} at op ${op}, address ${addr})`);
      break;
    }
  }
  console.log(
    `+atomics, node workers: ${n} threads x ${ops} ops: ${failed ? "FAILED" : "heap sound"}, ` +
      `${w.pages_grown()} pages grown, memory ${memory.buffer.byteLength / PAGE} pages; ` +
      `a block from another thread beyond the taker's view of memory ${w.view_refreshes()} times`,
  );
  process.exit(failed ? 1 : 0);
} else {
  const { module, memory, ops, id, top, tls } = workerData;
  const { exports: w } = await WebAssembly.instantiate(module, { env: { memory } });
  w.__stack_pointer.value = top;
  if (tls) w.__wasm_init_tls(tls);
  parentPort.postMessage(w.run(id, ops));
}
