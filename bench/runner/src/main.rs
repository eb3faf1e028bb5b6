//! `bench-runner [--quick] OUT_DIR NAME=MODULE.wasm...`: the wasmtime half
//! of `cargo xtask bench`.
//!
//! Every figure the wasmtime engine gives (bench/README.md says what each
//! is): instructions (fuel) per call, memory, `memory.grow` calls
//! (`grows.rs`), the capped run and the bound sweep. Writes
//! OUT_DIR/runner.json (a `bench_report::Report` without the cold start,
//! which `cargo xtask bench` adds) and the traces as
//! OUT_DIR/traces/*.trace for the cold replays.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use bench_report::{
    Allocator, BoundAlloc, BoundFree, BoundPoint, Counts, Engines, Figures, FirstFailure,
    Instructions, Report, TraceInfo,
};
use wasmtime::{Config, Engine, Instance, Memory, Module, Store, TypedFunc};

mod buffer;
mod grows;
mod record;
mod trace;

use trace::{log_size, Op, Rng, Trace};

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

/// One instance of an allocator module.
struct Heap {
    /// The store's data: the memory cap and the `memory.grow` calls counted.
    store: Store<grows::Counting>,
    memory: Memory,
    f: Exports,
}

struct Exports {
    alloc: TypedFunc<(u32, u32), u32>,
    free: TypedFunc<(u32, u32, u32), ()>,
    realloc: TypedFunc<(u32, u32, u32, u32), u32>,
}

impl Heap {
    fn new(engine: &Engine, module: &Module, max_pages: Option<u64>) -> Result<Heap> {
        let cap = max_pages.map(|p| (p * PAGE) as usize);
        let mut store = Store::new(
            engine,
            grows::Counting {
                cap,
                ..Default::default()
            },
        );
        store.limiter(|counting| counting);
        store.set_fuel(u64::MAX / 2).w()?;
        let instance = Instance::new(&mut store, module, &[]).w()?;
        // Creating the memory asked the limiter once: not a call.
        (store.data_mut().calls, store.data_mut().pages) = (0, 0);
        Ok(Heap {
            memory: instance
                .get_memory(&mut store, "memory")
                .context("no memory export")?,
            f: Exports {
                alloc: instance.get_typed_func(&mut store, "allocate").w()?,
                free: instance.get_typed_func(&mut store, "deallocate").w()?,
                realloc: instance.get_typed_func(&mut store, "reallocate").w()?,
            },
            store,
        })
    }

    /// Runs `call`: its result, the instructions it took and whether it
    /// grew memory.
    fn measured<T>(
        &mut self,
        call: impl FnOnce(&Exports, &mut Store<grows::Counting>) -> wasmtime::Result<T>,
    ) -> Result<(T, u64, bool)> {
        let (pages, fuel) = (self.pages(), self.store.get_fuel().w()?);
        let r = call(&self.f, &mut self.store).w()?;
        Ok((r, fuel - self.store.get_fuel().w()?, self.pages() > pages))
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
    /// had failed).
    fn step(&mut self, h: &mut Heap, i: usize, op: Op) -> Result<Option<(u8, u64, bool)>> {
        let (kind, spent, grew) = match op {
            Op::Alloc { id, size, align } => {
                let (p, spent, grew) = h.measured(|f, s| f.alloc.call(s, (size, align)))?;
                if p == 0 {
                    self.fail(i, h);
                } else {
                    h.touch(p, size);
                    self.slots[id as usize] = (p, size, align);
                    self.live_bytes += size as u64;
                }
                (0, spent, grew)
            }
            Op::Free { id } => {
                let (p, size, align) = self.slots[id as usize];
                if p == 0 {
                    return Ok(None);
                }
                let ((), spent, grew) = h.measured(|f, s| f.free.call(s, (p, size, align)))?;
                self.slots[id as usize].0 = 0;
                self.live_bytes -= size as u64;
                (1, spent, grew)
            }
            Op::Realloc { id, size: n } => {
                let (p, size, align) = self.slots[id as usize];
                if p == 0 {
                    return Ok(None);
                }
                let (q, spent, grew) = h.measured(|f, s| f.realloc.call(s, (p, size, align, n)))?;
                if q == 0 {
                    self.fail(i, h);
                } else {
                    h.touch(q, n);
                    self.slots[id as usize] = (q, n, align);
                    self.live_bytes = self.live_bytes - size as u64 + n as u64;
                }
                (2, spent, grew)
            }
        };
        self.peak_pages = self.peak_pages.max(h.pages());
        Ok(Some((kind, spent, grew)))
    }
}

/// Replays `trace` with fuel: instructions per operation and memory.
fn measure(engine: &Engine, module: &Module, trace: &Trace, cap: Option<u64>) -> Result<Figures> {
    let mut h = Heap::new(engine, module, cap)?;
    let mut r = Replay::new(trace);
    // Per kind (alloc, free, realloc): instructions, and whether memory grew.
    let mut s: [(Vec<u64>, Vec<bool>); 3] = Default::default();
    for (i, &op) in trace.ops.iter().enumerate() {
        if let Some((kind, n, grew)) = r.step(&mut h, i, op)? {
            s[kind as usize].0.push(n);
            s[kind as usize].1.push(grew);
        }
    }
    let limits = h.store.data();
    Ok(Figures {
        failed: r.failed,
        first_failure: r.first_failure.map(|(op, live, mem)| FirstFailure {
            efficiency: live as f64 / mem as f64,
            live_bytes: live,
            memory_bytes: mem,
            op: op as u64,
        }),
        instructions: Instructions {
            alloc: Counts::of(&s[0].0, Some(&s[0].1)),
            free: Counts::of(&s[1].0, None),
            realloc: Counts::of(&s[2].0, Some(&s[2].1)),
        },
        live_bytes_end: r.live_bytes,
        memory_grow_calls: limits.calls,
        memory_grow_pages: limits.pages,
        pages_end: h.pages(),
        pages_peak: r.peak_pages,
    })
}

/// The bound: p99 and max instructions per allocate and free with `live`
/// blocks of `lo..=hi` bytes live (after churning half of them, so the heap
/// is fragmented), over `ops` measured operations that keep the count
/// steady.
fn bound_point(
    (engine, module): (&Engine, &Module),
    axis: &str,
    live: usize,
    (lo, hi): (u32, u32),
    ops: usize,
) -> Result<BoundPoint> {
    let mut h = Heap::new(engine, module, None)?;
    let mut r = Rng::new(live as u64 ^ hi as u64);
    let mut blocks: Vec<(u32, u32)> = Vec::with_capacity(live);
    let mut failed = 0u64;
    // An allocation: (pointer, size, instructions, whether memory grew), or
    // None if the allocator refused it (counted).
    #[allow(clippy::type_complexity)]
    let mut alloc = |h: &mut Heap, r: &mut Rng| -> Result<Option<(u32, u32, u64, bool)>> {
        let size = log_size(r, lo, hi);
        let (p, spent, grew) = h.measured(|f, s| f.alloc.call(s, (size, 8)))?;
        if p == 0 {
            failed += 1;
            return Ok(None);
        }
        h.touch(p, size);
        Ok(Some((p, size, spent, grew)))
    };
    let free = |h: &mut Heap, (p, size): (u32, u32)| -> Result<u64> {
        Ok(h.measured(|f, s| f.free.call(s, (p, size, 8)))?.1)
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
    let (mut allocs, mut grew, mut frees) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ops {
        if blocks.is_empty() {
            break;
        }
        let i = r.range(0, blocks.len() as u64 - 1) as usize;
        frees.push(free(&mut h, blocks.swap_remove(i))?);
        if let Some((p, sz, n, g)) = alloc(&mut h, &mut r)? {
            allocs.push(n);
            grew.push(g);
            blocks.push((p, sz));
        }
    }
    let a = Counts::of(&allocs, Some(&grew));
    let g = a.growth();
    let a = a.stats.unwrap_or_default();
    let f = Counts::of(&frees, None).stats.unwrap_or_default();
    Ok(BoundPoint {
        alloc: BoundAlloc {
            grew: g.grew,
            max: a.max,
            max_without_growth: g.max_without_growth,
            p99: a.p99,
        },
        axis: axis.into(),
        failed,
        free: BoundFree {
            max: f.max,
            p99: f.p99,
        },
        live: live as u64,
        pages: h.pages(),
    })
}

fn main() -> Result<()> {
    let usage = "usage: bench-runner [--quick] OUT_DIR NAME=MODULE.wasm...";
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.first().is_some_and(|a| a == "--quick");
    if quick {
        args.remove(0);
    }
    let out = PathBuf::from(args.first().context(usage)?);
    std::fs::create_dir_all(out.join("traces"))?;

    let (steps, chains, doc, bound_ops) = if quick {
        (20_000, 48, 200_000, 300)
    } else {
        (200_000, 400, 2_000_000, 2_000)
    };
    let traces = vec![
        trace::random_actions(5000, steps, 42, false),
        trace::churn(1000, steps, 43),
        trace::vectors(chains, 44),
        record::serde_json_trace(doc),
        buffer::buffer(200, false),
        buffer::buffer(200, true),
        buffer::buffer_mixed(2),
        trace::random_actions(5000, steps, 46, true),
    ];
    let mut trace_info = BTreeMap::new();
    for t in &traces {
        t.write(&out.join(format!("traces/{}.trace", t.name)))?;
        let (what, ops, blocks) = (t.what.clone(), t.ops.len() as u64, t.blocks() as u64);
        trace_info.insert(t.name.into(), TraceInfo { blocks, ops, what });
    }
    // The capped run: random actions, memory limited to 256 pages.
    let capped_trace = trace::random_actions(5000, steps, 45, false);

    let mut fuel_cfg = Config::new();
    fuel_cfg.consume_fuel(true);
    let fuel_engine = Engine::new(&fuel_cfg).w()?;

    let mut allocators = Vec::new();
    for row in &args[1..] {
        let (name, path) = row.split_once('=').context(usage)?;
        let bytes = std::fs::read(path).with_context(|| path.to_string())?;
        let fm = Module::new(&fuel_engine, &bytes).w()?;
        let started = Instant::now();
        let mut figures = BTreeMap::new();
        for t in &traces {
            let f = measure(&fuel_engine, &fm, t, None)
                .with_context(|| format!("{name}: {}", t.name))?;
            figures.insert(t.name.to_string(), f);
        }
        let capped = measure(&fuel_engine, &fm, &capped_trace, Some(256))
            .with_context(|| format!("{name}: capped"))?;

        // The bound: live blocks of 16 B..1 KiB (lol_alloc walks its whole
        // free list per operation: its sweep stops at 10,000), then heaps
        // of about the target pages in blocks of 256 B..256 KiB (mean ~38
        // KiB; the module's own memory comes on top, the report gives the
        // pages reached).
        let long = !quick && !name.contains("lol_alloc");
        let lives = [10, 100, 1000, 10_000, 100_000].into_iter();
        let lives = lives.filter(|&l| l < 100_000 || long);
        let pages: &[u64] = if quick {
            &[1, 16, 256, 1024]
        } else {
            &[1, 16, 256, 4096, 16_384]
        };
        let by_pages = pages
            .iter()
            .map(|p| ((p * PAGE) / (38 << 10)).max(2) as usize);
        let points = (lives.map(|l| ("live", l, (16, 1024))))
            .chain(by_pages.map(|l| ("pages", l, (256, 256 << 10))));
        let mut bound = Vec::new();
        for (axis, live, sizes) in points {
            let point = bound_point((&fuel_engine, &fm), axis, live, sizes, bound_ops)
                .with_context(|| format!("{name}: bound, {axis}, {live} live"))?;
            bound.push(point);
        }
        eprintln!(
            "  {name}: fuel runs {:.1}s",
            started.elapsed().as_secs_f64()
        );
        let (id, name, ours, traces) = (name.to_string(), String::new(), false, figures);
        allocators.push(Allocator {
            bound,
            capped,
            id,
            name,
            ours,
            traces,
        });
    }

    let report = Report {
        allocators,
        capped_pages: 256,
        cold_start: None,
        engines: Engines {
            fuel: "wasmtime 48.0.8 (cranelift); instructions = fuel consumed by the call".into(),
        },
        method: String::new(),
        quick,
        schema: 1,
        traces: trace_info,
    };
    let json = serde_json::to_string_pretty(&report)?;
    std::fs::write(out.join("runner.json"), json)?;
    Ok(())
}
