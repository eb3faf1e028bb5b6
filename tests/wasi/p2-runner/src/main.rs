//! Runs the WASI test commands built for `wasm32-wasip2` (components) in
//! wasmtime with its WASI preview 2 host, the way `tests/wasi/run.mjs` runs
//! the `wasm32-wasip1` builds in node:
//!
//!   wasi-p2-runner wasi-suite.wasm wasi-exhaust.wasm
//!
//! For each component: `--list` names its cases; each case then runs in a
//! fresh instance (so a trap fails that case only), and finally all cases
//! run in one instance, in order (the heap carries over between them).
//! Every instance gets a fresh temporary directory preopened as /sandbox,
//! HOME set to it, WASM_TLSF_PROBE_0..7 (values the command recomputes) and
//! a 5,000-byte `--probe=` argument. Prints `N passed, N failed` last;
//! exits non-zero on any failure. Node has no preview 2 host, hence this.
//!
//! `wasi-p2-runner --pages PAGE_SIZE CAP MODULE.wasm` runs a core module
//! with custom page sizes instead (see `pages.rs`).

mod pages;

use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::p2::bindings::sync::Command;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtx, WasiCtxView, WasiView};

/// Must match tests/wasi/src/common/mod.rs (probe_len, probe_value) and
/// run.mjs.
const PROBE_LENS: [usize; 8] = [1, 7, 64, 300, 1000, 4000, 12000, 30000];
const PROBE_ARG_LEN: usize = 5000;

fn probe_value(k: usize, len: usize) -> String {
    (0..len)
        .map(|i| char::from(b'a' + ((i * 7 + k * 13) % 26) as u8))
        .collect()
}

/// wasmtime's own error type, into anyhow's.
trait W<T> {
    fn w(self) -> Result<T>;
}

impl<T> W<T> for wasmtime::Result<T> {
    fn w(self) -> Result<T> {
        self.map_err(|e| anyhow::anyhow!("{e:?}"))
    }
}

struct Host {
    ctx: WasiCtx,
    table: ResourceTable,
}

impl WasiView for Host {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.ctx,
            table: &mut self.table,
        }
    }
}

/// How one run ended: the command's exit code, or a trap's message.
enum Outcome {
    Code(i32),
    Trap(String),
}

struct Runner {
    engine: Engine,
    linker: Linker<Host>,
    env: Vec<(String, String)>,
    probe_arg: String,
}

impl Runner {
    /// Runs `component` with `case_args`; with `capture`, returns its
    /// standard output too (else it is inherited).
    fn run_once(
        &self,
        component: &Component,
        name: &str,
        case_args: &[String],
        capture: bool,
    ) -> Result<(Outcome, String)> {
        let dir = std::env::temp_dir().join(format!(
            "wasm-tlsf-wasi-p2-{}-{}",
            std::process::id(),
            next_run()
        ));
        std::fs::create_dir_all(&dir)?;
        let out = MemoryOutputPipe::new(1 << 20);
        let mut args = vec![name.to_string()];
        args.extend(case_args.iter().cloned());
        args.push(self.probe_arg.clone());
        let mut b = WasiCtx::builder();
        b.args(&args)
            .envs(&self.env)
            .inherit_stderr()
            .preopened_dir(&dir, "/sandbox", FsPerms::ReadWrite)
            .w()?;
        if capture {
            b.stdout(out.clone());
        } else {
            b.inherit_stdout();
        }
        let mut store = Store::new(
            &self.engine,
            Host {
                ctx: b.build(),
                table: ResourceTable::new(),
            },
        );
        let outcome = match Command::instantiate(&mut store, component, &self.linker)
            .and_then(|c| c.wasi_cli_run().call_run(&mut store))
        {
            Ok(Ok(())) => Outcome::Code(0),
            Ok(Err(())) => Outcome::Code(1),
            Err(e) => match e.downcast_ref::<I32Exit>() {
                Some(I32Exit(code)) => Outcome::Code(*code),
                None => Outcome::Trap(
                    format!("{e:?}")
                        .lines()
                        .take(6)
                        .collect::<Vec<_>>()
                        .join("\n"),
                ),
            },
        };
        let _ = std::fs::remove_dir_all(&dir);
        Ok((
            outcome,
            String::from_utf8_lossy(&out.contents()).into_owned(),
        ))
    }
}

/// This process's run number, for temporary directory names.
fn next_run() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

fn main() -> Result<()> {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.first().map(String::as_str) == Some("--pages") {
        return pages::run(&files[1..]);
    }
    if files.is_empty() {
        bail!("usage: wasi-p2-runner COMPONENT.wasm...");
    }
    let engine = Engine::default();
    let mut linker = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).w()?;
    let mut env = vec![("HOME".to_string(), "/sandbox".to_string())];
    for (k, &len) in PROBE_LENS.iter().enumerate() {
        env.push((format!("WASM_TLSF_PROBE_{k}"), probe_value(k, len)));
    }
    let runner = Runner {
        engine,
        linker,
        env,
        probe_arg: format!("--probe={}", probe_value(PROBE_LENS.len(), PROBE_ARG_LEN)),
    };

    let (mut passed, mut failed) = (0, 0);
    let mut report = |label: &str, outcome: &Outcome, started: Instant| {
        let ms = started.elapsed().as_millis();
        match outcome {
            Outcome::Code(0) => {
                passed += 1;
                println!("PASS {label} ({ms} ms)");
            }
            Outcome::Code(c) => {
                failed += 1;
                println!("FAIL {label} ({ms} ms): exit code {c}");
            }
            Outcome::Trap(t) => {
                failed += 1;
                println!("FAIL {label} ({ms} ms): trap: {t}");
            }
        }
    };
    for file in &files {
        let name = Path::new(file)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or(file)
            .to_string();
        let component = Component::from_file(&runner.engine, file)
            .w()
            .with_context(|| format!("{file}: not a component"))?;
        let (listed, list) = runner.run_once(&component, &name, &["--list".into()], true)?;
        let cases: Vec<String> = list
            .lines()
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect();
        if !matches!(listed, Outcome::Code(0)) || cases.is_empty() {
            let outcome = match listed {
                Outcome::Code(0) => Outcome::Code(1),
                o => o,
            };
            report(&format!("{name} --list"), &outcome, Instant::now());
            continue;
        }
        for c in &cases {
            println!("--- {name} {c}");
            let t = Instant::now();
            let (outcome, _) =
                runner.run_once(&component, &name, std::slice::from_ref(c), false)?;
            report(&format!("{name} {c}"), &outcome, t);
        }
        println!("--- {name}, all cases in one instance");
        let t = Instant::now();
        let (outcome, _) = runner.run_once(&component, &name, &cases, false)?;
        report(&format!("{name} all cases in one instance"), &outcome, t);
    }
    println!("{passed} passed, {failed} failed");
    std::process::exit(if failed == 0 { 0 } else { 1 });
}
