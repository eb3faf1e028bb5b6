// Runs stale-view.wat (assembled by binaryen's wasm-as): 50 rounds of
// "main grows, worker fills the new page", first with memory.fill right
// after the wait (`wait_fill`), then as `lock::reach` does it
// (`wait_reach_fill`). Usage: node stale-view.mjs STALE.wasm
// Fails if the reach variant traps; reports whether the plain one does
// (it does on node 20: a stale view of the memory's size).
import { readFileSync } from "node:fs";
import { Worker, isMainThread, workerData, parentPort } from "node:worker_threads";

const ROUNDS = 50;

async function round(module, mode) {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 100, shared: true });
  const { exports: g } = await WebAssembly.instantiate(module, { env: { memory } });
  const ready = new Int32Array(memory.buffer, 4, 1);
  const worker = new Worker(new URL(import.meta.url), { workerData: { module, memory, mode } });
  return new Promise((resolve) => {
    worker.on("error", (e) => resolve(e.message));
    worker.on("message", () => resolve(null));
    let i = 0;
    const step = () => {
      if (i === ROUNDS) return;
      if (Atomics.load(ready, 0) === i + 1) {
        g.grow();
        i++;
      }
      setImmediate(step);
    };
    step();
  });
}

if (isMainThread) {
  const module = await WebAssembly.compile(readFileSync(process.argv[2]));
  const plain = await round(module, "wait_fill");
  const reached = await round(module, "wait_reach_fill");
  console.log(`memory.fill on pages another thread grew: ${plain ? `traps (${plain})` : "no trap"}`);
  console.log(`after memory.size / memory.grow(0), as the allocator does: ${reached ? `traps (${reached})` : "no trap"}`);
  process.exit(reached ? 1 : 0);
} else {
  const { module, memory, mode } = workerData;
  const { exports: w } = await WebAssembly.instantiate(module, { env: { memory } });
  const ready = new Int32Array(memory.buffer, 4, 1);
  for (let i = 0; i < ROUNDS; i++) {
    Atomics.store(ready, 0, i + 1);
    w[mode](i + 1);
  }
  parentPort.postMessage("done");
}
