//! `wasi-p2-runner --pages PAGE_SIZE CAP MODULE.wasm`: runs the core
//! module built from `tests/pages` (no WASI) in wasmtime with custom page
//! sizes enabled, its memory capped at `CAP` bytes by a resource limiter.
//!
//! Checks that the module's memory has pages of `PAGE_SIZE` bytes (by
//! wasmtime's account and by the allocator's, the `page_size` export),
//! then runs each exported `case_*(cap)` in a fresh instance followed by
//! `heap_check()`. A case reports a failed assertion through `env.fail`
//! and traps; `env.log` prints a line. Prints `N passed, N failed` last.

use std::time::Instant;

use anyhow::{bail, Context, Result};
use wasmtime::{
    Caller, Config, Engine, Extern, Linker, Module, Store, StoreLimits, StoreLimitsBuilder,
};

use crate::W;

struct Host {
    limits: StoreLimits,
    failure: Option<String>,
}

/// The guest's `(ptr, len)` string.
fn read(caller: &mut Caller<'_, Host>, ptr: u32, len: u32) -> String {
    let Some(Extern::Memory(m)) = caller.get_export("memory") else {
        return "<no memory export>".into();
    };
    let data = m.data(&*caller);
    let (a, b) = (ptr as usize, ptr as usize + len as usize);
    String::from_utf8_lossy(data.get(a..b).unwrap_or(b"<out of bounds>")).into_owned()
}

pub fn run(args: &[String]) -> Result<()> {
    let [page, cap, file] = args else {
        bail!("usage: wasi-p2-runner --pages PAGE_SIZE CAP MODULE.wasm");
    };
    let page: u64 = page.parse().context("PAGE_SIZE")?;
    let cap: usize = cap.parse().context("CAP")?;
    let mut config = Config::new();
    config.wasm_custom_page_sizes(true);
    let engine = Engine::new(&config).w()?;
    let module = Module::from_file(&engine, file)
        .w()
        .with_context(|| format!("{file}: not a core module"))?;
    let mut linker = Linker::<Host>::new(&engine);
    linker
        .func_wrap(
            "env",
            "fail",
            |mut caller: Caller<'_, Host>, ptr: u32, len: u32| -> wasmtime::Result<()> {
                let msg = read(&mut caller, ptr, len);
                caller.data_mut().failure = Some(msg.clone());
                Err(wasmtime::Error::msg(msg))
            },
        )
        .w()?;
    linker
        .func_wrap(
            "env",
            "log",
            |mut caller: Caller<'_, Host>, ptr: u32, len: u32| {
                println!("    {}", read(&mut caller, ptr, len));
            },
        )
        .w()?;
    let cases: Vec<String> = module
        .exports()
        .filter(|e| e.name().starts_with("case_"))
        .map(|e| e.name().to_string())
        .collect();
    if cases.is_empty() {
        bail!("{file}: no case_* export");
    }
    let instance = |store: &mut Store<Host>| linker.instantiate(&mut *store, &module).w();
    let new_store = || {
        Store::new(
            &engine,
            Host {
                limits: StoreLimitsBuilder::new().memory_size(cap).build(),
                failure: None,
            },
        )
    };

    // The page size, by wasmtime's account and by the allocator's.
    let mut store = new_store();
    store.limiter(|h| &mut h.limits);
    let inst = instance(&mut store)?;
    let memory = inst
        .get_memory(&mut store, "memory")
        .context("no memory export")?;
    let (engine_page, bytes) = (memory.page_size(&store), memory.data_size(&store));
    let ours = inst
        .get_typed_func::<(), u32>(&mut store, "page_size")
        .w()?
        .call(&mut store, ())
        .w()?;
    let allocator = inst
        .get_typed_func::<(), u32>(&mut store, "allocator_bytes")
        .w()?
        .call(&mut store, ())
        .w()?;
    println!(
        "{file}: pages of {engine_page} bytes (the allocator reads {ours}), initial memory \
         {bytes} bytes, cap {cap}; the allocator's state {allocator} bytes"
    );
    if engine_page != page || u64::from(ours) != page {
        bail!("expected pages of {page} bytes: wasmtime says {engine_page}, the allocator {ours}");
    }

    let (mut passed, mut failed) = (0, 0);
    for case in &cases {
        let t = Instant::now();
        let mut store = new_store();
        store.limiter(|h| &mut h.limits);
        let outcome = instance(&mut store).and_then(|inst| {
            let run = inst.get_typed_func::<u32, ()>(&mut store, case).w()?;
            run.call(&mut store, cap as u32).w()?;
            let check = inst
                .get_typed_func::<(), ()>(&mut store, "heap_check")
                .w()?;
            check.call(&mut store, ()).w()
        });
        let ms = t.elapsed().as_millis();
        match outcome {
            Ok(()) => {
                passed += 1;
                println!("PASS {case} ({ms} ms)");
            }
            Err(e) => {
                failed += 1;
                let why = store.data().failure.clone().unwrap_or_else(|| {
                    format!("{e:?}")
                        .lines()
                        .take(6)
                        .collect::<Vec<_>>()
                        .join("\n")
                });
                println!("FAIL {case} ({ms} ms): {why}");
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed > 0 {
        bail!("{failed} of {} cases failed", cases.len());
    }
    Ok(())
}
