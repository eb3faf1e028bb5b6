// Runs the wasm32-wasip1-threads stress program (src/main.rs) in node:
// WASI from @tybys/wasm-util, threads from @emnapi/wasi-threads (each wasi
// thread a node worker instantiating the module over one shared memory).
// Usage: node run-wasi.mjs STRESS.wasm [OPS] [--pregrow PAGES]
// Exits with the program's exit code; a trap in any thread fails the run.
import { readFileSync, writeSync } from "node:fs";
import { Worker, isMainThread, workerData, parentPort } from "node:worker_threads";
import { fileURLToPath } from "node:url";
import { WASI } from "@tybys/wasm-util";
import { WASIThreads, ThreadMessageHandler } from "@emnapi/wasi-threads";
import { minPages } from "./memory.mjs";

const PAGE = 65536;

if (isMainThread) {
  const [path, ...rest] = process.argv.slice(2);
  const pregrow = rest.includes("--pregrow") ? Number(rest[rest.indexOf("--pregrow") + 1]) : 0;
  const args = rest.filter((a, i) => !a.startsWith("--") && rest[i - 1] !== "--pregrow");
  const wasm = readFileSync(path);
  const module = await WebAssembly.compile(wasm);
  const memory = new WebAssembly.Memory({ initial: minPages(wasm), maximum: 16384, shared: true });
  // Pre-growing memory before the threads start hides the stale-size trap
  // (see README, "Threads"); off by default so that the test meets it.
  if (pregrow) memory.grow(pregrow);
  const wasi = new WASI({ version: "preview1", args: ["stress", ...args], env: {}, returnOnExit: true });
  const threads = new WASIThreads({
    wasi,
    waitThreadStart: 5000,
    onCreateWorker: () => new Worker(fileURLToPath(import.meta.url), { workerData: { child: true } }),
  });
  const instance = await WebAssembly.instantiate(module, {
    env: { memory },
    wasi_snapshot_preview1: wasi.wasiImport,
    ...threads.getImportObject(),
  });
  threads.setup(instance, module, memory);
  const code = wasi.start(instance);
  threads.terminateAllThreads();
  console.log(`wasip1-threads: exit ${code}, memory ${memory.buffer.byteLength / PAGE} pages`);
  process.exit(code);
} else {
  const handler = new ThreadMessageHandler({
    async onLoad({ wasmModule, wasmMemory }) {
      const wasi = new WASI({ version: "preview1", print: out(1), printErr: out(2) });
      const threads = new WASIThreads({ wasi, childThread: true, postMessage: (m) => parentPort.postMessage(m) });
      const original = await WebAssembly.instantiate(wasmModule, {
        env: { memory: wasmMemory },
        wasi_snapshot_preview1: wasi.wasiImport,
        ...threads.getImportObject(),
      });
      return { module: wasmModule, instance: threads.initialize(original, wasmModule, wasmMemory) };
    },
    postMessage: (m) => parentPort.postMessage(m),
    // A trap in a thread: the main thread is blocked in `join` and would
    // never hear of it, so say it here and end the whole process.
    onError: (e) => {
      writeSync(2, `FAIL: trap in a thread: ${e?.stack ?? e}\n`);
      process.kill(process.pid, "SIGTERM");
    },
  });
  parentPort.on("message", (data) => handler.handle({ data }));
}

function out(fd) {
  return (s) => writeSync(fd, s.endsWith("\n") ? s : s + "\n");
}
