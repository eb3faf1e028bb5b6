//! `bench-runner [--quick] [--fuel-only] OUT_DIR NAME=MODULE.wasm...`: the wasmtime half
//! of `cargo xtask bench`.
//!
//! For every allocator module (size-bench/module, `speed` profile, with its
//! `bench` feature) and every trace:
//! - wasm instructions per allocate / free / reallocate, from wasmtime's
//!   fuel metering (the fuel a call consumes);
//! - memory pages at the end and at the peak, failed requests, and the
//!   `memory.grow` calls the module made (`grows.rs`);
//! - under a cap of 256 pages: failed requests, and heap efficiency at the
//!   first failure (live bytes / memory bytes);
//! - the bound: p99 and max instructions per allocate and free while the
//!   live blocks sweep from 10 to 100,000 and the heap from 1 to 16,384
//!   pages;
//! - wall-clock nanoseconds per operation in wasmtime (no fuel), for all
//!   allocators in each round, the cost of a call (`noop`) subtracted.
//!
//! Writes OUT_DIR/runner.json and the traces as OUT_DIR/traces/*.trace for
//! node's wall-clock replay.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use serde_json::{json, Value};
use wasmtime::{Config, Engine, Instance, Memory, Module, Store, StoreLimitsBuilder, TypedFunc};

mod aligned;
mod buffer;
mod grows;
mod record;
mod trace;

use trace::{Op, Rng, Trace};

#[global_allocator]
static RECORDER: record::Recorder = record::Recorder;

const PAGE: u64 = 65536;

/// wasmtime's errors into anyhow's.
trait W<T> {
    fn w(self) -> Result<T>;
}

impl<T> W<T> for wasmtime::Result<T> {
    fn w(self) -> Result<T> {
        self.map_err(|e| anyhow::anyhow!("{e:?}"))
    }
}

struct Data {
    /// `StoreLimits`, and the module's `memory.grow` calls counted.
    limits: grows::Counting,
}

/// One instance of an allocator module.
struct Heap {
    store: Store<Data>,
    memory: Memory,
    alloc: TypedFunc<(u32, u32), u32>,
    free: TypedFunc<(u32, u32, u32), ()>,
    realloc: TypedFunc<(u32, u32, u32, u32), u32>,
    noop: TypedFunc<(), ()>,
    fuel: bool,
}

impl Heap {
    fn new(engine: &Engine, module: &Module, max_pages: Option<u64>, fuel: bool) -> Result<Heap> {
        let mut limits = StoreLimitsBuilder::new();
        if let Some(p) = max_pages {
            limits = limits.memory_size((p * PAGE) as usize);
        }
        let mut store = Store::new(
            engine,
            Data {
                limits: grows::Counting::new(limits.build()),
            },
        );
        store.limiter(|d| &mut d.limits);
        if fuel {
            store.set_fuel(u64::MAX / 2).w()?;
        }
        let instance = Instance::new(&mut store, module, &[]).w()?;
        // Creating the memory asked the limiter once: not a call.
        store.data_mut().limits.reset();
        Ok(Heap {
            memory: instance
                .get_memory(&mut store, "memory")
                .context("no memory export")?,
            alloc: instance.get_typed_func(&mut store, "allocate").w()?,
            free: instance.get_typed_func(&mut store, "deallocate").w()?,
            realloc: instance.get_typed_func(&mut store, "reallocate").w()?,
            noop: instance.get_typed_func(&mut store, "noop").w()?,
            store,
            fuel,
        })
    }

    fn fuel(&self) -> u64 {
        if self.fuel {
            self.store.get_fuel().unwrap_or(0)
        } else {
            0
        }
    }

    fn pages(&self) -> u64 {
        self.memory.data_size(&self.store) as u64 / PAGE
    }

    /// Writes the first and last byte of a block, so every allocator's
    /// memory is really used.
    fn touch(&mut self, p: u32, n: u32) {
        let m = self.memory.data_mut(&mut self.store);
        m[p as usize] = 1;
        m[(p + n.max(1) - 1) as usize] = 2;
    }
}

#[derive(Default)]
struct Samples {
    alloc: Vec<u64>,
    free: Vec<u64>,
    realloc: Vec<u64>,
    /// Per allocate and per realloc: whether memory grew during the call.
    alloc_grew: Vec<bool>,
    realloc_grew: Vec<bool>,
}

/// `summary` of `xs`, plus how many of the calls grew memory and the
/// largest instruction count among those that did not: a maximum set by a
/// `memory.grow` says something else than one reached in a steady heap.
fn summary_growth(xs: &[u64], grew: &[bool]) -> Value {
    let mut v = summary(xs);
    if !xs.is_empty() {
        v["grew"] = json!(grew.iter().filter(|&&g| g).count());
        // The largest count among the calls `keep` takes (by position, and
        // whether it grew memory), 0 if none.
        let max_of = |keep: &dyn Fn(usize, bool) -> bool| {
            xs.iter()
                .zip(grew)
                .enumerate()
                .filter(|&(i, (_, &g))| keep(i, g))
                .map(|(_, (&x, _))| x)
                .max()
                .unwrap_or(0)
        };
        v["max_without_growth"] = json!(max_of(&|_, g| !g));
        // The first call sets the heap up: for most allocators that is a
        // `memory.grow`, counted above; for one that starts in the initial
        // memory (ours) it grows nothing, so it is given apart, and the
        // steady maximum leaves it out along with the growing calls.
        v["first"] = json!(xs[0]);
        v["max_steady"] = json!(max_of(&|i, g| i > 0 && !g));
        v["max_growing"] = json!(max_of(&|_, g| g));
    }
    v
}

fn summary(xs: &[u64]) -> Value {
    if xs.is_empty() {
        return json!({"n": 0});
    }
    let mut s = xs.to_vec();
    s.sort_unstable();
    let q = |p: f64| s[((p * s.len() as f64) as usize).min(s.len() - 1)];
    json!({
        "n": s.len(),
        "mean": s.iter().sum::<u64>() as f64 / s.len() as f64,
        "median": q(0.5),
        "p99": q(0.99),
        "max": s[s.len() - 1],
    })
}

/// The state of one replay: each block id's pointer (0 = not live or
/// failed), size and alignment.
struct Replay {
    slots: Vec<(u32, u32, u32)>,
    live_bytes: u64,
    failed: u64,
    peak_pages: u64,
    /// (op index, live bytes, memory bytes) at the first failure.
    first_failure: Option<(usize, u64, u64)>,
}

impl Replay {
    fn new(trace: &Trace) -> Self {
        Replay {
            slots: vec![(0, 0, 0); trace.blocks()],
            live_bytes: 0,
            failed: 0,
            peak_pages: 0,
            first_failure: None,
        }
    }

    fn fail(&mut self, i: usize, h: &Heap) {
        self.failed += 1;
        if self.first_failure.is_none() {
            self.first_failure = Some((i, self.live_bytes, h.pages() * PAGE));
        }
    }

    /// Runs op `i`, returning (kind, instructions, whether memory grew):
    /// kind 0 alloc, 1 free, 2 realloc; `None` if it was skipped (its block
    /// had failed). (Wall-clock runs do not look at memory: always false.)
    fn step(&mut self, h: &mut Heap, i: usize, op: Op) -> Result<Option<(u8, u64, bool)>> {
        let pages_before = if h.fuel { h.pages() } else { 0 };
        let before = h.fuel();
        let kind = match op {
            Op::Alloc { id, size, align } => {
                let p = h.alloc.call(&mut h.store, (size, align)).w()?;
                if p == 0 {
                    self.fail(i, h);
                } else {
                    h.touch(p, size);
                    self.slots[id as usize] = (p, size, align);
                    self.live_bytes += size as u64;
                }
                0
            }
            Op::Free { id } => {
                let (p, size, align) = self.slots[id as usize];
                if p == 0 {
                    return Ok(None);
                }
                h.free.call(&mut h.store, (p, size, align)).w()?;
                self.slots[id as usize].0 = 0;
                self.live_bytes -= size as u64;
                1
            }
            Op::Realloc { id, size: n } => {
                let (p, size, align) = self.slots[id as usize];
                if p == 0 {
                    return Ok(None);
                }
                let q = h.realloc.call(&mut h.store, (p, size, align, n)).w()?;
                if q == 0 {
                    self.fail(i, h);
                } else {
                    h.touch(q, n);
                    self.slots[id as usize] = (q, n, align);
                    self.live_bytes = self.live_bytes - size as u64 + n as u64;
                }
                2
            }
        };
        let spent = before - h.fuel();
        // Measured runs only: wall-clock runs keep their loop to the calls.
        let mut grew = false;
        if h.fuel {
            let pages = h.pages();
            grew = pages > pages_before;
            self.peak_pages = self.peak_pages.max(pages);
        }
        Ok(Some((kind, spent, grew)))
    }
}

/// Replays `trace` with fuel: instructions per operation and memory.
fn measure(engine: &Engine, module: &Module, trace: &Trace, cap: Option<u64>) -> Result<Value> {
    let mut h = Heap::new(engine, module, cap, true)?;
    let mut r = Replay::new(trace);
    let mut s = Samples::default();
    for (i, &op) in trace.ops.iter().enumerate() {
        if let Some((kind, n, grew)) = r.step(&mut h, i, op)? {
            match kind {
                0 => {
                    s.alloc.push(n);
                    s.alloc_grew.push(grew);
                }
                1 => s.free.push(n),
                _ => {
                    s.realloc.push(n);
                    s.realloc_grew.push(grew);
                }
            }
        }
    }
    let mut v = json!({
        "instructions": {
            "alloc": summary_growth(&s.alloc, &s.alloc_grew),
            "free": summary(&s.free),
            "realloc": summary_growth(&s.realloc, &s.realloc_grew),
        },
        "failed": r.failed,
        "pages_end": h.pages(),
        "pages_peak": r.peak_pages,
        "live_bytes_end": r.live_bytes,
        "memory_grow_calls": h.store.data().limits.calls,
        "memory_grow_pages": h.store.data().limits.pages,
    });
    if let Some((i, live, mem)) = r.first_failure {
        v["first_failure"] = json!({
            "op": i,
            "live_bytes": live,
            "memory_bytes": mem,
            "efficiency": live as f64 / mem as f64,
        });
    }
    Ok(v)
}

/// The bound: p99 and max instructions per allocate and free with `live`
/// blocks of `lo..=hi` bytes live (after churning half of them, so the heap
/// is fragmented), over `ops` measured operations that keep the count
/// steady.
fn bound_point(
    engine: &Engine,
    module: &Module,
    live: usize,
    lo: u32,
    hi: u32,
    ops: usize,
) -> Result<Value> {
    let mut h = Heap::new(engine, module, None, true)?;
    let mut r = Rng::new(live as u64 ^ hi as u64);
    let mut blocks: Vec<(u32, u32)> = Vec::with_capacity(live);
    let mut failed = 0u64;
    // An allocation: (pointer, size, instructions, whether memory grew), or
    // None if the allocator refused it (counted).
    #[allow(clippy::type_complexity)]
    let mut alloc = |h: &mut Heap, r: &mut Rng| -> Result<Option<(u32, u32, u64, bool)>> {
        let size = r.log_size(lo, hi);
        let pages = h.pages();
        let f = h.fuel();
        let p = h.alloc.call(&mut h.store, (size, 8)).w()?;
        let spent = f - h.fuel();
        if p == 0 {
            failed += 1;
            return Ok(None);
        }
        h.touch(p, size);
        Ok(Some((p, size, spent, h.pages() > pages)))
    };
    let free = |h: &mut Heap, (p, size): (u32, u32)| -> Result<u64> {
        let f = h.fuel();
        h.free.call(&mut h.store, (p, size, 8)).w()?;
        Ok(f - h.fuel())
    };
    for _ in 0..live {
        if let Some((p, s, _, _)) = alloc(&mut h, &mut r)? {
            blocks.push((p, s));
        }
    }
    // Fragment: free a random half, allocate it back.
    for _ in 0..live / 2 {
        let i = r.range(0, blocks.len() as u64 - 1) as usize;
        free(&mut h, blocks.swap_remove(i))?;
    }
    for _ in 0..live - live / 2 {
        if let Some((p, s, _, _)) = alloc(&mut h, &mut r)? {
            blocks.push((p, s));
        }
    }
    let mut s = Samples::default();
    for _ in 0..ops {
        if blocks.is_empty() {
            break;
        }
        let i = r.range(0, blocks.len() as u64 - 1) as usize;
        s.free.push(free(&mut h, blocks.swap_remove(i))?);
        if let Some((p, sz, n, grew)) = alloc(&mut h, &mut r)? {
            s.alloc.push(n);
            s.alloc_grew.push(grew);
            blocks.push((p, sz));
        }
    }
    let (a, f) = (summary_growth(&s.alloc, &s.alloc_grew), summary(&s.free));
    Ok(json!({
        "live": live,
        "pages": h.pages(),
        "failed": failed,
        "alloc": {
            "p99": a["p99"],
            "max": a["max"],
            "grew": a["grew"],
            "max_without_growth": a["max_without_growth"],
        },
        "free": {"p99": f["p99"], "max": f["max"]},
    }))
}

/// Wall-clock ns per operation for `trace` in wasmtime without fuel, the
/// cost of as many calls to `noop` subtracted.
fn wallclock(engine: &Engine, module: &Module, trace: &Trace) -> Result<f64> {
    let mut h = Heap::new(engine, module, None, false)?;
    let mut r = Replay::new(trace);
    let t = Instant::now();
    for (i, &op) in trace.ops.iter().enumerate() {
        r.step(&mut h, i, op)?;
    }
    let total = t.elapsed().as_nanos() as f64;
    let t = Instant::now();
    for _ in 0..trace.ops.len() {
        h.noop.call(&mut h.store, ()).w()?;
    }
    let calls = t.elapsed().as_nanos() as f64;
    Ok((total - calls).max(0.0) / trace.ops.len() as f64)
}

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1).peekable();
    let quick = args.peek().map(|a| a == "--quick").unwrap_or(false);
    if quick {
        args.next();
    }
    // `--fuel-only`: full-size traces, instruction counts and memory only,
    // no wall-clock rounds (for trying a change quickly; judges nothing).
    let fuel_only = args.peek().map(|a| a == "--fuel-only").unwrap_or(false);
    if fuel_only {
        args.next();
    }
    let out = PathBuf::from(
        args.next()
            .context("usage: bench-runner [--quick] [--fuel-only] OUT_DIR NAME=MODULE.wasm...")?,
    );
    let rows: Vec<(String, PathBuf)> = args
        .map(|a| {
            let (n, p) = a.split_once('=').context("NAME=MODULE.wasm")?;
            Ok((n.to_string(), PathBuf::from(p)))
        })
        .collect::<Result<_>>()?;
    std::fs::create_dir_all(out.join("traces"))?;

    let (steps, chains, doc, rounds, bound_ops) = if quick {
        (20_000, 48, 200_000, 2, 300)
    } else {
        (200_000, 400, 2_000_000, 21, 2_000)
    };
    let rounds = if fuel_only { 0 } else { rounds };
    let traces = vec![
        trace::random_actions(5000, steps, 42),
        trace::churn(1000, steps, 43),
        trace::vectors(chains, 44),
        record::serde_json_trace(doc),
        buffer::buffer(200),
        buffer::buffer_realloc(200),
        buffer::buffer_mixed(2),
        aligned::aligned(5000, steps, 46),
    ];
    let mut trace_info = serde_json::Map::new();
    for t in &traces {
        t.write(&out.join(format!("traces/{}.trace", t.name)))?;
        trace_info.insert(
            t.name.into(),
            json!({"what": t.what, "ops": t.ops.len(), "blocks": t.blocks()}),
        );
    }
    // The capped run: random actions, memory limited to 256 pages.
    let capped_trace = trace::random_actions(5000, steps, 45);

    let mut fuel_cfg = Config::new();
    fuel_cfg.consume_fuel(true);
    let fuel_engine = Engine::new(&fuel_cfg).w()?;
    let fast_engine = Engine::new(&Config::new()).w()?;

    let mut results = Vec::new();
    let mut capped = Vec::new();
    let mut bound = Vec::new();
    let mut modules = Vec::new();
    for (name, path) in &rows {
        let bytes = std::fs::read(path).with_context(|| format!("{}", path.display()))?;
        let fm = Module::new(&fuel_engine, &bytes).w()?;
        let m = Module::new(&fast_engine, &bytes).w()?;
        let started = Instant::now();
        for t in &traces {
            let v = measure(&fuel_engine, &fm, t, None)
                .with_context(|| format!("{name}: {}", t.name))?;
            results.push(json!({"allocator": name, "trace": t.name, "figures": v}));
        }
        let v = measure(&fuel_engine, &fm, &capped_trace, Some(256))
            .with_context(|| format!("{name}: capped"))?;
        capped.push(json!({"allocator": name, "figures": v}));

        // The bound. lol_alloc walks its whole free list per operation:
        // cap its sweep so the run ends in reasonable time.
        let linear = name.contains("lol_alloc");
        let lives: &[usize] = if quick {
            &[10, 100, 1000, 10_000]
        } else {
            &[10, 100, 1000, 10_000, 100_000]
        };
        for &live in lives {
            if linear && live > 10_000 {
                continue;
            }
            let v = bound_point(&fuel_engine, &fm, live, 16, 1024, bound_ops)
                .with_context(|| format!("{name}: bound, {live} live"))?;
            bound.push(json!({"allocator": name, "axis": "live", "point": v}));
        }
        // Heap size: enough blocks of 256 B..256 KiB that the heap reaches
        // about the target page count (the module's own initial memory,
        // stack and data, comes on top; the report gives the pages reached).
        let pages: &[usize] = if quick {
            &[1, 16, 256, 1024]
        } else {
            &[1, 16, 256, 4096, 16_384]
        };
        for &p in pages {
            // The mean of a log-uniform 256 B..256 KiB draw is ~38 KiB.
            let live = ((p as u64 * PAGE) / (38 << 10)).max(2) as usize;
            let v = bound_point(&fuel_engine, &fm, live, 256, 256 << 10, bound_ops)
                .with_context(|| format!("{name}: bound, {p} pages"))?;
            bound.push(json!({"allocator": name, "axis": "pages", "target_pages": p, "point": v}));
        }
        eprintln!(
            "  {name}: fuel runs {:.1}s",
            started.elapsed().as_secs_f64()
        );
        modules.push((name.clone(), m));
    }

    // Wall-clock, side by side: every round runs every allocator on every
    // trace, in a rotating order.
    let mut wall: Vec<Vec<Vec<f64>>> = vec![vec![Vec::new(); traces.len()]; modules.len()];
    for round in 0..rounds {
        for k in 0..modules.len() {
            let a = (k + round) % modules.len();
            for (ti, t) in traces.iter().enumerate() {
                wall[a][ti].push(wallclock(&fast_engine, &modules[a].1, t)?);
            }
        }
    }
    let wallclock: Vec<Value> = modules
        .iter()
        .enumerate()
        .flat_map(|(a, (name, _))| {
            let wall = &wall;
            traces.iter().enumerate().map(move |(ti, t)| {
                json!({"allocator": name, "trace": t.name, "ns_per_op": wall[a][ti]})
            })
        })
        .collect();

    let report = json!({
        "quick": quick,
        "engine": "wasmtime 48.0.8 (cranelift); instructions = fuel consumed by the call",
        "traces": trace_info,
        "capped_pages": 256,
        "results": results,
        "capped": capped,
        "bound": bound,
        "wallclock_wasmtime": wallclock,
        "rounds": rounds,
    });
    std::fs::write(
        out.join("runner.json"),
        serde_json::to_string_pretty(&report)?,
    )?;
    Ok(())
}
