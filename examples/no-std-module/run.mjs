// Instantiates the no_std module with no imports and checks its exports
// against values computed here: node run.mjs FILE.wasm
import assert from "node:assert";
import { readFile } from "node:fs/promises";

const { instance } = await WebAssembly.instantiate(await readFile(process.argv[2]), {});
const { primes_below, squares_mod } = instance.exports;

assert.strictEqual(primes_below(1_000_000), 78498);
const squares = new Set();
for (let i = 0n; i < 10007n; i++) squares.add((i * i) % 10007n);
assert.strictEqual(squares_mod(10007), squares.size);
console.log(`no_std module: ${primes_below(1_000_000)} primes below 10^6, ${squares.size} squares mod 10007`);
