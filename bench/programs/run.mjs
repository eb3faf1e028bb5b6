// Real programs, one wasm module per global allocator: builds the modules
// and times every program in node and/or headless Chromium; writes every
// run (bench_report::ProgramRuns), from which `cargo xtask bench
// --programs` makes the report: their time / ours, checked, as JSON and a
// markdown table.
//
// Each timed run is one exported call (`run(program, seed, scale)`) on a
// fresh instance, so no JavaScript runs between allocator calls. Rounds
// are interleaved: round r runs every program under every allocator once,
// the allocators in an order rotated by r; the first `--warmup` rounds
// (V8 tiers the code up) are not timed.
//
// Usage: node bench/programs/run.mjs [options] (Chromium: through
// `cargo xtask bench --programs -- [options]`, which serves its page)
//   --alloc a,b,...     allocators (features of module/Cargo.toml); default: all
//   --profile 3,s       opt-levels (cargo profiles release, release-s); default: 3
//   --engine node,chromium                                    default: node
//   --rounds N          timed rounds (default 7); --warmup N (default 2)
//   --programs a,b,...  subset of the programs (default: all)
//   --scale F           multiply every program's size by F (default 1)
//   --seed N            the programs' seed (default 12345)
//   --tlsf DIR          build wasm-tlsf from DIR (another checkout) instead of
//                       the repository this folder sits in
//   --target-dir DIR    cargo's target directory (default: target/programs in
//                       the checkout wasm-tlsf is built from)
//   --out FILE          the runs (default: <target-dir>/runs.json)
//   --no-build          reuse the modules of the last build
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import v8 from "node:v8";
import vm from "node:vm";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { openPage } from "../browser.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../..");

// Every allocator: module/Cargo.toml's features, the registry's ids
// (size_bench::allocators, which also names them in the report).
const ALLOCATORS = readFileSync(path.join(here, "module/Cargo.toml"), "utf8")
  .split("\n[features]\n")[1]
  .split("\n[")[0]
  .match(/^[\w-]+(?= = )/gm);
const OURS = "wasm-tlsf";
// The programs, in the order of `PROGRAMS` in workloads/src/lib.rs, with a
// size that takes some tens of milliseconds at opt-level 3 in node.
const PROGRAMS = [
  { name: "json", scale: 5 },
  { name: "regex", scale: 4 },
  { name: "collections", scale: 30 },
  { name: "strings", scale: 2 },
  { name: "trees", scale: 12 },
  { name: "parser", scale: 8 },
  { name: "frame", scale: 100 },
];
const PROFILES = { 3: "release", s: "release-s" };

function parseArgs(argv) {
  const o = {
    alloc: ALLOCATORS,
    profile: ["3"],
    engine: ["node"],
    rounds: 7,
    warmup: 2,
    programs: PROGRAMS.map((p) => p.name),
    scale: 1,
    seed: 12345,
    tlsf: null,
    targetDir: null,
    out: null,
    build: true,
  };
  const list = (s) => s.split(",").map((x) => x.trim()).filter(Boolean);
  // --option: [key in `o`, parser].
  const options = {
    alloc: ["alloc", list], profile: ["profile", list], engine: ["engine", list], programs: ["programs", list],
    rounds: ["rounds", Number], warmup: ["warmup", Number], scale: ["scale", Number], seed: ["seed", Number],
    tlsf: ["tlsf", path.resolve], "target-dir": ["targetDir", path.resolve], out: ["out", path.resolve],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const opt = a.startsWith("--") && Object.hasOwn(options, a.slice(2)) && options[a.slice(2)];
    if (opt) {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      o[opt[0]] = opt[1](argv[++i]);
    } else if (a === "--no-build") o.build = false;
    else if (a === "--help" || a === "-h") {
      console.log(readFileSync(fileURLToPath(import.meta.url), "utf8").split("\nimport")[0]);
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  for (const a of o.alloc) if (!ALLOCATORS.includes(a)) throw new Error(`unknown allocator ${a}`);
  if (!o.alloc.includes(OURS)) o.alloc.unshift(OURS);
  for (const p of o.profile) if (!(p in PROFILES)) throw new Error(`unknown profile ${p} (3 or s)`);
  for (const e of o.engine) if (!["node", "chromium"].includes(e)) throw new Error(`unknown engine ${e}`);
  o.progs = o.programs.map((name) => {
    const id = PROGRAMS.findIndex((p) => p.name === name);
    if (id < 0) throw new Error(`unknown program ${name}`);
    return { id, name, scale: Math.max(1, Math.round(PROGRAMS[id].scale * o.scale)) };
  });
  if (!(o.rounds >= 1) || !(o.warmup >= 0) || !(o.scale > 0)) throw new Error("bad --rounds/--warmup/--scale");
  // Another checkout's build goes to its own target directory, so that two
  // runs from different checkouts never share (and overwrite) modules.
  o.targetDir ??= path.join(o.tlsf ?? repo, "target/programs");
  o.out ??= path.join(o.targetDir, "runs.json");
  return o;
}

const log = (...a) => console.error(...a);

// The crate folder to build: this one, or a copy whose allocators
// (size-bench/allocator, copied next to it) take wasm-tlsf from `tlsf`
// (another checkout's root).
function sourceDir(o) {
  if (!o.tlsf) return here;
  if (!existsSync(path.join(o.tlsf, "Cargo.toml")) || !existsSync(path.join(o.tlsf, "src"))) {
    throw new Error(`--tlsf ${o.tlsf}: no Cargo.toml and src/ there`);
  }
  const dir = path.join(o.targetDir, "src-" + o.tlsf.replace(/[^A-Za-z0-9]+/g, "_"));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const copy = (from, to) => cpSync(from, path.join(dir, to), { recursive: true, filter: (s) => !s.includes("/target") });
  for (const f of ["Cargo.toml", "Cargo.lock", "workloads", "module"]) {
    if (existsSync(path.join(here, f))) copy(path.join(here, f), f);
  }
  copy(path.join(repo, "size-bench/allocator"), "allocator");
  const repoint = (file, from, to) => {
    const text = readFileSync(path.join(dir, file), "utf8");
    const patched = text.replace(from, to);
    if (patched === text) throw new Error(`${file}: no ${from} to repoint`);
    writeFileSync(path.join(dir, file), patched);
  };
  repoint("module/Cargo.toml", `path = "../../../size-bench/allocator"`, `path = "../allocator"`);
  repoint("allocator/Cargo.toml", `wasm-tlsf = { path = "../.."`, `wasm-tlsf = { path = ${JSON.stringify(o.tlsf)}`);
  // Inside the copy it is a member of the copy's workspace, not a root.
  repoint("allocator/Cargo.toml", /^\[workspace\]$/m, "");
  return dir;
}

function git(dir, ...args) {
  const r = spawnSync("git", ["-C", dir, ...args], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
}

// Builds one module per (profile, allocator); the workloads and their
// crates compile once per profile, each allocator only relinks the module.
function build(o) {
  const src = sourceDir(o);
  const builds = [];
  for (const profile of o.profile) {
    const outDir = path.join(o.targetDir, "modules", profile);
    mkdirSync(outDir, { recursive: true });
    for (const alloc of o.alloc) {
      const t0 = performance.now();
      const args = ["build", "--manifest-path", path.join(src, "Cargo.toml"), "-p", "realbench-module",
        "--target", "wasm32-unknown-unknown", "--profile", PROFILES[profile], "--features", alloc,
        "--target-dir", o.targetDir];
      log(`build: opt-level ${profile}, ${alloc}`);
      const r = spawnSync("cargo", args, { stdio: ["ignore", "inherit", "inherit"] });
      if (r.status !== 0) throw new Error(`cargo ${args.join(" ")} failed`);
      const wasm = path.join(o.targetDir, "wasm32-unknown-unknown", PROFILES[profile], "realbench_module.wasm");
      cpSync(wasm, path.join(outDir, `${alloc}.wasm`));
      builds.push({ profile, allocator: alloc, seconds: +((performance.now() - t0) / 1000).toFixed(1) });
    }
  }
  return builds;
}

// The page's part (and node's): compiled modules, a fresh instance, one
// timed call. Self-contained, as the page gets it as source text.
function engineSide() {
  const mods = {};
  let current = null;
  return {
    async load(profile, alloc, bytes, programCount) {
      const m = await WebAssembly.compile(bytes);
      const n = (await WebAssembly.instantiate(m, {})).exports.programs();
      if (n !== programCount) throw new Error(`${alloc}: the module has ${n} programs, the runner knows ${programCount}`);
      mods[`${profile}/${alloc}`] = m;
    },
    // The last run's instance is garbage: collected now rather than during
    // the next timed call.
    async fresh(profile, alloc) {
      current = null;
      if (typeof gc === "function") gc();
      current = (await WebAssembly.instantiate(mods[`${profile}/${alloc}`], {})).exports;
    },
    // One exported call: the whole program, no JavaScript inside.
    run(id, seed, scale) {
      const w = current;
      const cpu = typeof process === "object" ? process.cpuUsage() : null;
      const t0 = performance.now();
      const c = w.run(id, seed, scale);
      const ms = performance.now() - t0;
      const used = cpu && process.cpuUsage(cpu);
      return {
        ms,
        cpu_ms: used ? (used.user + used.system) / 1000 : null,
        checksum: BigInt.asUintN(64, c).toString(16),
        pages: w.memory.buffer.byteLength / 65536,
      };
    },
  };
}

// The rounds: round r runs every program under every allocator once, the
// allocators in an order rotated by r. `side` loads modules, makes a fresh
// instance and times one run (in node, or in the page). Returns, per
// profile, program and allocator, one run per timed round
// (bench_report::ProgramSamples).
async function measure(o, engine, side) {
  const out = [];
  for (const profile of o.profile) {
    for (const a of o.alloc) await side.load(profile, a);
    const entries = o.progs.map((p) =>
      o.alloc.map((a) => ({ engine, profile, program: p.name, allocator: a, runs: [] })),
    );
    for (let r = 0; r < o.warmup + o.rounds; r++) {
      for (const [pi, p] of o.progs.entries()) {
        for (let i = 0; i < o.alloc.length; i++) {
          const ai = (i + r) % o.alloc.length;
          let s;
          try {
            await side.fresh(profile, o.alloc[ai]);
            s = await side.run(p);
          } catch (e) {
            s = { error: String((e && e.message) || e) };
          }
          if (r >= o.warmup) entries[pi][ai].runs.push(s);
        }
      }
      log(`${engine}: opt-level ${profile}: round ${r + 1}/${o.warmup + o.rounds}${r < o.warmup ? " (warm-up)" : ""}`);
    }
    out.push(...entries.flat());
  }
  return out;
}

const moduleBytes = (o, profile, a) => readFileSync(path.join(o.targetDir, "modules", profile, `${a}.wasm`));

function measureNode(o) {
  if (typeof globalThis.gc !== "function") {
    v8.setFlagsFromString("--expose-gc");
    globalThis.gc = vm.runInNewContext("gc");
  }
  const s = engineSide();
  return measure(o, "node", {
    load: (profile, a) => s.load(profile, a, moduleBytes(o, profile, a), PROGRAMS.length),
    fresh: (profile, a) => s.fresh(profile, a),
    run: (p) => s.run(p.id, o.seed, p.scale),
  });
}

// Headless Chromium (bench/browser.mjs); node drives the rounds, one page
// call per step; a run's CPU time is the renderer main thread's (the
// DevTools protocol's ThreadTime) around the call that runs the program.
async function measureChromium(o) {
  const files = {};
  for (const profile of o.profile) for (const a of o.alloc) files[`m/${profile}/${a}.wasm`] = moduleBytes(o, profile, a);
  const browser = await openPage(files, [repo, o.tlsf].filter(Boolean));
  const page = browser.page;
  try {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Performance.enable");
    const threadTime = async () => (await cdp.send("Performance.getMetrics")).metrics.find((m) => m.name === "ThreadTime")?.value;
    await page.evaluate((src) => {
      window.side = (0, eval)(`(${src})`)();
    }, engineSide.toString());
    // What a page call costs the thread by itself (the protocol's messages):
    // the median of 31 empty calls, taken off every run's CPU time.
    const empty = [];
    for (let i = 0; i < 31; i++) {
      const before = await threadTime();
      await page.evaluate(({ x }) => x, { x: i });
      empty.push(((await threadTime()) - before) * 1000);
    }
    const overhead = empty.sort((a, b) => a - b)[15];
    const samples = await measure(o, "chromium", {
      load: (profile, a) =>
        page.evaluate(
          async ({ profile, a, n }) => window.side.load(profile, a, await (await fetch(`m/${profile}/${a}.wasm`)).arrayBuffer(), n),
          { profile, a, n: PROGRAMS.length },
        ),
      fresh: (profile, a) => page.evaluate(({ profile, a }) => window.side.fresh(profile, a), { profile, a }),
      run: async (p) => {
        const before = await threadTime();
        const s = await page.evaluate(({ id, seed, scale }) => window.side.run(id, seed, scale), { id: p.id, seed: o.seed, scale: p.scale });
        const after = await threadTime();
        s.cpu_ms = before != null && after != null ? Math.max(0, (after - before) * 1000 - overhead) : null;
        return s;
      },
    });
    browser.check();
    return { version: browser.version, samples, overhead };
  } finally {
    await browser.close();
  }
}

const round = (x, d) => (x == null ? null : Number(x.toFixed(d)));

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const load_before = os.loadavg();
  mkdirSync(o.targetDir, { recursive: true });
  const builds = o.build ? build(o) : [];
  const buildSeconds = (performance.now() - started) / 1000;
  const runStarted = performance.now();
  const samples = [];
  let chromium = null;
  for (const engine of o.engine) {
    if (engine === "node") samples.push(...(await measureNode(o)));
    else samples.push(...(chromium = await measureChromium(o)).samples);
  }
  const tlsfDir = o.tlsf ?? repo;
  const meta = {
    date: new Date().toISOString(),
    allocators: o.alloc,
    programs: o.programs,
    scales: o.progs.map((p) => ({ program: p.name, scale: p.scale })),
    profiles: o.profile,
    engines: o.engine,
    rounds: o.rounds,
    warmup: o.warmup,
    seed: o.seed,
    node: process.versions.node,
    rustc: spawnSync("rustc", ["--version"], { encoding: "utf8" }).stdout?.trim() ?? null,
    chromium: chromium?.version ?? null,
    chromium_call_cpu_ms: round(chromium?.overhead, 3),
    cpus: os.cpus().length,
    load_before,
    load_after: os.loadavg(),
    tlsf_dir: tlsfDir,
    tlsf_commit: git(tlsfDir, "rev-parse", "HEAD"),
    tlsf_dirty: (git(tlsfDir, "status", "--porcelain", "--", "src", "Cargo.toml") ?? "") !== "",
    build_seconds: round(buildSeconds, 1),
    run_seconds: round((performance.now() - runStarted) / 1000, 1),
    builds,
  };
  mkdirSync(path.dirname(o.out), { recursive: true });
  writeFileSync(o.out, JSON.stringify({ meta, samples }, null, 1) + "\n");
  log(`runs: ${o.out} (build ${meta.build_seconds} s, runs ${meta.run_seconds} s)`);
}

main().catch((e) => {
  console.error(e.stack || e);
  process.exit(1);
});
