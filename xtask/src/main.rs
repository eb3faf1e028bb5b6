//! `cargo xtask`: the project's automation (setup, test, size, demo, fuzz,
//! bench; `cargo xtask --help`). `test` is the README's test command and
//! what `.ci/run` calls; its steps are in [`test_steps`].

mod bench;
mod bench_charts;
mod coldstart;
mod demo;
mod doc_sections;
mod emscripten;
mod fuzz;
mod package_readme;
mod pages;
mod programs;
mod release_checks;
mod setup;
mod threads;
mod util;
mod wasi;
mod wasmtest;

use std::time::Instant;

use anyhow::Result;
use clap::{Parser, Subcommand};

use setup::Tool;
use util::{cargo, cargo_nightly, root, run};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "wasm-tlsf automation")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Install the tools the tests need (rustup targets, Miri).
    Setup,
    /// Run setup, then every test.
    Test {
        /// Skip the Miri passes (for quick local loops; CI runs them).
        #[arg(long)]
        no_miri: bool,
        /// Run only the steps whose name contains this text (each sets up
        /// only what it uses).
        #[arg(long, value_name = "TEXT")]
        only: Option<String>,
    },
    /// The code-size report: every allocator row built the same way at
    /// opt-level z, s and 3, measured with twiggy, with and without
    /// wasm-opt; a summary table, and JSON, markdown and chart under
    /// target/size-bench.
    Size {
        /// Measure our rows only; fail if our default row exceeds a budget
        /// of size-bench/budget.json (opt-level z and 3), panic or
        /// formatting code reaches one of our rows, or the committed report
        /// is stale.
        #[arg(long)]
        check: bool,
        /// Copy the report to size-bench/results/ (what the README shows).
        #[arg(long)]
        save: bool,
        /// An earlier report.json: adds a column with each row's change.
        #[arg(long, value_name = "OLD.json")]
        baseline: Option<std::path::PathBuf>,
    },
    /// Build the demo page and serve it on 127.0.0.1 (the README's main
    /// command). Installs only Rust's wasm32 target.
    Demo {
        /// The port to serve on.
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Build the page's modules, don't serve.
        #[arg(long)]
        build_only: bool,
        /// Run the page's end-to-end test instead (needs `cargo xtask
        /// setup`'s chromium and playwright-core) and copy its screenshot
        /// to www/screenshot.png.
        #[arg(long)]
        e2e: bool,
    },
    /// Run each cargo-fuzz target (fuzz/) for a time box, from the
    /// committed seeds; prints libFuzzer's exec/s.
    Fuzz {
        /// Seconds per target.
        #[arg(long, default_value_t = 60)]
        seconds: u64,
        /// Rewrite the seed corpus fuzz/corpus/ and exit.
        #[arg(long)]
        write_seeds: bool,
    },
    /// Benchmarks against every peer: instructions per operation (fuel),
    /// memory, the constant-time bound, cold start, and the real programs.
    Bench {
        /// Every trace and allocator with small counts (what `test` runs).
        #[arg(long)]
        quick: bool,
        /// Copy the full report to bench/results/ and its
        /// section of BENCHMARKS.md.
        #[arg(long)]
        save: bool,
        /// Measure nothing: draw the saved report's markdown, charts and
        /// BENCHMARKS.md section again from its report.json (after a change
        /// to how reports are drawn).
        #[arg(long, conflicts_with_all = ["quick", "save"])]
        redraw: bool,
        /// Only the real programs (bench/programs): every allocator at
        /// opt-level 3 and "s", in node and headless Chromium.
        #[arg(long, conflicts_with = "redraw")]
        programs: bool,
        /// After `--`: options for bench/programs/run.mjs (`--help` lists
        /// them), after the plan's (`--tlsf DIR`, `--alloc`, `--rounds`...).
        #[arg(last = true)]
        run_mjs: Vec<String>,
    },
}

/// One named test step: `test` runs them in order and stops at the first
/// failure.
type Step = (&'static str, Box<dyn Fn() -> Result<()>>);

fn step(name: &'static str, run: impl Fn() -> Result<()> + 'static) -> Step {
    (name, Box::new(run))
}

/// Every workspace's formatting: the root's, the wasm workspace's and the
/// crates kept apart from both (`--all` takes in their path dependencies:
/// size-bench/allocator with size-bench/module).
const WORKSPACES: [&str; 8] = [
    ".",
    "tests",
    "tests/wasi/p2-runner",
    "tests/wasm-bindgen-threads/bindgen-0.2.126",
    "fuzz",
    "size-bench/module",
    "bench/runner",
    "bench/programs",
];

fn formatting() -> Result<()> {
    for dir in WORKSPACES {
        run(util::cargo_in(dir, "fmt --all").args(["--", "--check"]))?;
    }
    Ok(())
}

/// `cargo ARGS` (split at spaces).
fn cargo_run(args: &'static str) -> impl Fn() -> Result<()> {
    move || run(cargo().args(args.split(' ')))
}

/// A Miri pass over the core and model tests (or `args`' test), in a
/// target directory of its own.
fn miri(dir: &'static str, args: &'static str, flags: &'static str) -> impl Fn() -> Result<()> {
    move || {
        setup::need(&[Tool::Nightly, Tool::MiriSysroots])?;
        run(cargo_nightly()
            .args(["miri", "test", "-p", "wasm-tlsf", "--target-dir", dir])
            .args(args.split(' '))
            .env("MIRIFLAGS", flags))
    }
}

fn wasm_app() -> Result<()> {
    setup::need(&[Tool::WasmTarget, Tool::Debian])?;
    let build = |features: &str, target_dir: &str, rustflags: Option<&str>| {
        let mut c = util::cargo_in("tests/wasm-app", "build --profile wasm-app");
        c.args([
            "--target",
            "wasm32-unknown-unknown",
            "--target-dir",
            target_dir,
        ])
        .args(["--features", features]);
        if let Some(flags) = rustflags {
            c.env("RUSTFLAGS", flags);
        }
        run(&mut c)?;
        Ok::<_, anyhow::Error>(
            root()
                .join(target_dir)
                .join("wasm32-unknown-unknown/wasm-app/wasm_tlsf_app.wasm"),
        )
    };
    // The collections workload must build, link and run on the allocator...
    let wasm = build("collections", "target", None)?;
    run(std::process::Command::new("node")
        .arg(root().join("tests/wasm-app/run.mjs"))
        .arg(&wasm))?;
    // ...and the allocator-only app must hold no panic or formatting code,
    // nor must the app that uses a local `Arena` through `Allocator`.
    for features in ["", "arena"] {
        let wasm = build(features, "target", None)?;
        let n = size_bench::wasm::check_no_panic_or_fmt(&wasm)?;
        let wasm = wasm.display();
        eprintln!("    {wasm} (features {features:?}): {n} functions, no panic or formatting code");
    }
    // A module built with `atomics` spelled unusually (rustc accepts it)
    // must hold the lock: build.rs reads the flags as rustc does.
    let flags = "--codegen=target_feature=+atomics -Ctarget_feature=+bulk-memory";
    let module = build("", "target/wasm-app-atomics", Some(flags))?;
    let n = size_bench::wasm::lock_instructions(&std::fs::read(&module)?)?;
    let module = module.display();
    anyhow::ensure!(
        n > 0,
        "{module}: built with atomics, but no lock instruction"
    );
    eprintln!("    {module} (--codegen=target_feature=+atomics): {n} lock instructions");
    Ok(())
}

#[rustfmt::skip]
fn test_steps() -> Vec<Step> {
    const SP: &str = "-Zmiri-strict-provenance";
    const TB: &str = "-Zmiri-tree-borrows -Zmiri-strict-provenance";
    const TESTS: &str = "--lib --tests";
    const I686: &str = "--lib --tests --target i686-unknown-linux-gnu";
    vec![
        step("formatting", formatting),
        step("clippy -D warnings (host workspace; the crate on wasm32; the other workspaces, each crate for its target)", release_checks::clippy),
        step("docs -D warnings (no features; all features, wasm32; docs.rs with doc(cfg))", release_checks::docs),
        step("minimum Rust version (rust-version) builds, host and wasm32", release_checks::msrv),
        step("package: file list, size limit, cargo publish --dry-run", release_checks::package),
        step("host tests (unit, integration, doc)", cargo_run("test --workspace")),
        step("host tests, release (model test at full speed)", cargo_run("test -p wasm-tlsf --release --tests")),
        step("miri, 64-bit, stacked borrows, strict provenance", miri("target/miri", TESTS, SP)),
        step("miri, 32-bit (i686), strict provenance", miri("target/miri", I686, SP)),
        step("miri, 64-bit, tree borrows, strict provenance", miri("target/miri", TESTS, TB)),
        step("miri, 32-bit (i686), tree borrows, strict provenance", miri("target/miri", I686, TB)),
        step("miri, debug-checks: a panic hook allocating through the faulting allocator",
            miri("target/miri-debug-checks", "--features debug-checks --test debug_checks a_panic_hook", SP)),
        step("host tests with debug-checks (misuse detection)",
            cargo_run("test -p wasm-tlsf --features debug-checks --tests")),
        step("fuzz (short time box, committed seeds)", || fuzz::fuzz(20)),
        step("wasm32 build (default, stats)", || {
            setup::need(&[Tool::WasmTarget])?;
            cargo_run("build -p wasm-tlsf --release --target wasm32-unknown-unknown")()?;
            cargo_run("build -p wasm-tlsf --release --target wasm32-unknown-unknown --features stats")()
        }),
        step("wasm app with SmallGlobalTlsf: builds, no panic/fmt, lock with an unusual atomics spelling", wasm_app),
        step("WASI suite, beside wasi-libc's malloc (wasm32-wasip1 in node:wasi, wasm32-wasip2 in wasmtime)",
            wasi::wasi_suite),
        step("Emscripten: tests/wasi's commands on wasm32-unknown-emscripten, beside its malloc (node)",
            emscripten::emscripten),
        step("custom page sizes: --page-size=1 and 64 KiB pages, small memory caps (wasmtime)", pages::pages),
        step("threads: 4 x 100,000 ops on wasm32-wasip1-threads (node, emnapi wasi-threads)", threads::wasi),
        step("threads: 4 x 100,000 ops on wasm32 +atomics, build-std (node worker_threads)", threads::atomics),
        step("threads: wasm-bindgen's threads transform, wasm-bindgen-rayon pool of 4 Web Workers (headless Chromium)",
            threads::bindgen),
        step("examples: wasm-bindgen app, WASI command, no_std module (built, run in node)", release_checks::examples),
        step("demo page end to end (headless chromium, playwright-core)", || demo::e2e(false)),
        step("benchmarks, quick (report complete and consistent)", || bench::bench(true, false)),
        step("real programs, quick (ours and Rust's default, node: checksums agree, report complete)",
            || programs::programs(true, false, &[])),
        step("size report and budget (cargo xtask size --check)", || size(true, false, None)),
        step("wasm-pack test at the crate's root (headless chrome, node)", wasmtest::root_suite),
        step("wasm-bindgen-test suites (headless chrome, node, capped memory, 4 GiB in node)", wasmtest::wasm_suites),
    ]
}

fn test(no_miri: bool, only: Option<&str>) -> Result<()> {
    // A whole run sets everything up first; `--only` leaves it to the
    // steps it runs, each of which sets up what it uses.
    if only.is_none() {
        setup::setup()?;
    }
    let mut steps = test_steps();
    steps.retain(|(name, _)| !(no_miri && name.starts_with("miri")));
    if let Some(only) = only {
        steps.retain(|(name, _)| name.contains(only));
        anyhow::ensure!(!steps.is_empty(), "no test step's name contains {only:?}");
    }
    let total = steps.len();
    let start = Instant::now();
    for (i, (name, step)) in steps.iter().enumerate() {
        let so_far = start.elapsed().as_secs_f64();
        eprintln!("\n=== [{}/{total}] {name} ({so_far:.0}s so far) ===", i + 1);
        let t = Instant::now();
        if let Err(e) = step() {
            eprintln!("\nFAILED: {name}: {e:#}");
            println!("{i} passed, 1 failed");
            std::process::exit(1);
        }
        eprintln!("--- {name} ok ({:.0}s)", t.elapsed().as_secs_f64());
    }
    eprintln!(
        "\nall {total} test steps passed in {:.0}s",
        start.elapsed().as_secs_f64()
    );
    println!("{total} passed, 0 failed");
    Ok(())
}

/// `cargo xtask size`: size-bench's report; `--save` also rewrites its
/// section of BENCHMARKS.md.
fn size(check: bool, save: bool, baseline: Option<&std::path::Path>) -> Result<()> {
    setup::need(&[Tool::WasmTarget, Tool::Twiggy, Tool::Debian])?;
    size_bench::size(check, save, baseline)?;
    if save {
        let md = std::fs::read_to_string(root().join("size-bench/results/report.md"))?;
        doc_sections::write_section("size", &md)?;
    }
    Ok(())
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Cmd::Setup => setup::setup(),
        Cmd::Test { no_miri, only } => test(no_miri, only.as_deref()),
        Cmd::Size {
            check,
            save,
            baseline,
        } => size(check, save, baseline.as_deref()),
        Cmd::Demo { e2e: true, .. } => demo::e2e(true),
        Cmd::Demo {
            port, build_only, ..
        } => demo::demo(port, build_only),
        Cmd::Fuzz {
            write_seeds: true, ..
        } => fuzz::write_seeds(),
        Cmd::Fuzz { seconds, .. } => fuzz::fuzz(seconds),
        Cmd::Bench { redraw: true, .. } => bench::redraw(),
        Cmd::Bench {
            quick,
            save,
            programs,
            run_mjs,
            ..
        } => {
            if !programs {
                bench::bench(quick, save)?;
            }
            programs::programs(quick, save, &run_mjs)
        }
    }
}
