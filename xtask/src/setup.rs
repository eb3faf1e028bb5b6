//! `cargo xtask setup`: installs what the tests need, idempotently. Each
//! step checks first and says "present" without doing anything when it can.
//! A command or test step that needs a tool calls [`need`] with it, so that
//! `cargo xtask size`, `bench`, `demo` and `test --only TEXT` set up only
//! what they use, from a fresh clone.

use anyhow::Result;
use std::path::PathBuf;
use std::process::Command;

use crate::util::{cargo_nightly, output, probe, run};

/// The nightly toolchain of Miri, the fuzzers, docs.rs's docs and the
/// build-std threads test, pinned here only: installed under its own name,
/// so the machine's `nightly` is never changed, and a new nightly cannot
/// break the Miri steps before it is chosen here.
pub const NIGHTLY: &str = "nightly-2026-10-30";

/// Miri's sysroots (host and i686) for [`NIGHTLY`], apart from the ones a
/// `cargo +nightly miri` of the machine's builds.
pub fn miri_sysroot() -> PathBuf {
    let home = std::env::var("HOME").unwrap_or_default();
    PathBuf::from(home)
        .join(".cache/miri-sysroots")
        .join(NIGHTLY)
}

/// What a setup step provides; [`need`] installs the steps for the tools
/// asked.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    WasmTarget,
    OtherTargets,
    Clippy,
    Msrv,
    /// [`NIGHTLY`] with miri and rust-src (also cargo-fuzz's and build-std's
    /// toolchain).
    Nightly,
    MiriSysroots,
    /// node, chromium, chromedriver, wasm-opt.
    Debian,
    Twiggy,
    WasmPack,
    WasmBindgen,
    Playwright,
    ThreadsNpm,
    CargoFuzz,
    /// Debian's emscripten and node-acorn (the Emscripten suite).
    Emscripten,
    /// wasm-bindgen-cli 0.2.126, apart (the wasm-bindgen threads test).
    OldBindgen,
}

use Tool::*;

struct Step {
    tool: Tool,
    name: &'static str,
    present: fn() -> bool,
    install: fn() -> Result<()>,
}

fn rustup() -> Command {
    let mut c = Command::new("rustup");
    c.env_remove("RUSTUP_TOOLCHAIN");
    c
}

fn has_target(toolchain: &str, target: &str) -> bool {
    output(rustup().args(["target", "list", "--installed", "--toolchain", toolchain]))
        .map(|s| s.lines().any(|l| l.trim() == target))
        .unwrap_or(false)
}

fn has_component(toolchain: &str, component: &str) -> bool {
    output(rustup().args(["component", "list", "--installed", "--toolchain", toolchain]))
        .map(|s| s.lines().any(|l| l.trim().starts_with(component)))
        .unwrap_or(false)
}

/// Miri's sysroot for `target` is built (a `cargo miri setup` that has
/// nothing to do prints nothing but is still a cargo invocation; checking
/// the directory keeps the "present" path instant).
fn miri_sysroot_present(target: &str) -> bool {
    miri_sysroot().join("lib/rustlib").join(target).exists()
}

const HOST: &str = "x86_64-unknown-linux-gnu";

/// The minimum supported Rust version: `rust-version` in Cargo.toml (the
/// MSRV step checks that they agree).
pub const MSRV: &str = "1.84";
const I686: &str = "i686-unknown-linux-gnu";

/// The other stable targets the tests build for: the WASI suite
/// (`wasm32-wasip1`, `wasm32-wasip2`), the threads test
/// (`wasm32-wasip1-threads`), the `no_std` example (`wasm32v1-none`), the
/// Emscripten step (`wasm32-unknown-emscripten`).
const STABLE_TARGETS: [&str; 5] = [
    "wasm32-wasip1",
    "wasm32-wasip2",
    "wasm32-wasip1-threads",
    "wasm32v1-none",
    "wasm32-unknown-emscripten",
];

fn steps() -> Vec<Step> {
    vec![
        // First: the only step the demo page needs (`wasm_target`).
        Step {
            tool: WasmTarget,
            name: "rust target wasm32-unknown-unknown (stable)",
            present: || has_target("stable", "wasm32-unknown-unknown"),
            install: || {
                run(rustup().args([
                    "target",
                    "add",
                    "wasm32-unknown-unknown",
                    "--toolchain",
                    "stable",
                ]))
            },
        },
        Step {
            tool: OtherTargets,
            name: "rust targets (stable): WASI preview 1 and 2, WASI threads, wasm32v1-none",
            present: || STABLE_TARGETS.iter().all(|t| has_target("stable", t)),
            install: || {
                run(rustup()
                    .args(["target", "add", "--toolchain", "stable"])
                    .args(STABLE_TARGETS))
            },
        },
        Step {
            tool: Clippy,
            name: "clippy (stable)",
            present: || has_component("stable", "clippy"),
            install: || run(rustup().args(["component", "add", "clippy", "--toolchain", "stable"])),
        },
        Step {
            tool: Msrv,
            name: "MSRV toolchain (minimal, wasm32 target)",
            present: || has_target(MSRV, "wasm32-unknown-unknown"),
            install: || {
                run(rustup().args([
                    "toolchain",
                    "install",
                    MSRV,
                    "--profile",
                    "minimal",
                    "--target",
                    "wasm32-unknown-unknown",
                ]))
            },
        },
        Step {
            tool: Nightly,
            name: "pinned nightly toolchain with miri and rust-src",
            present: || has_component(NIGHTLY, "miri") && has_component(NIGHTLY, "rust-src"),
            install: || {
                run(rustup()
                    .args(["toolchain", "install", NIGHTLY, "--profile", "minimal"])
                    .args(["--component", "miri", "--component", "rust-src"]))
            },
        },
        Step {
            tool: MiriSysroots,
            name: "miri sysroot (host)",
            present: || miri_sysroot_present(HOST),
            install: || run(cargo_nightly().args(["miri", "setup"])),
        },
        Step {
            tool: MiriSysroots,
            name: "miri sysroot (i686, 32-bit)",
            present: || miri_sysroot_present(I686),
            install: || run(cargo_nightly().args(["miri", "setup", "--target", I686])),
        },
        Step {
            tool: Debian,
            name: "Debian: node, chromium, chromedriver, binaryen",
            present: || APT.iter().all(|(_, bin)| on_path(bin)),
            install: || {
                let missing: Vec<&str> = APT
                    .iter()
                    .filter(|(_, bin)| !on_path(bin))
                    .map(|(pkg, _)| *pkg)
                    .collect();
                run(Command::new("apt-get").args(["update", "-q"]))?;
                run(Command::new("apt-get")
                    .args(["install", "-y", "-q", "--no-install-recommends"])
                    .args(&missing)
                    .env("DEBIAN_FRONTEND", "noninteractive"))
            },
        },
        Step {
            tool: Emscripten,
            name: "Debian: emscripten (emcc), node-acorn (its JS optimizer's parser)",
            present: || {
                on_path("emcc")
                    && std::path::Path::new(crate::emscripten::NODE_PATH)
                        .join("acorn/package.json")
                        .exists()
            },
            install: || {
                run(Command::new("apt-get").args(["update", "-q"]))?;
                run(Command::new("apt-get")
                    .args(["install", "-y", "-q", "--no-install-recommends"])
                    .args(["emscripten", "node-acorn"])
                    .env("DEBIAN_FRONTEND", "noninteractive"))
            },
        },
        Step {
            tool: Twiggy,
            name: "twiggy (code size)",
            present: || has_version("twiggy", TWIGGY),
            install: || cargo_install("twiggy", TWIGGY, true),
        },
        Step {
            tool: WasmPack,
            name: "wasm-pack (wasm test suites)",
            present: || has_version("wasm-pack", WASM_PACK),
            install: || cargo_install("wasm-pack", WASM_PACK, true),
        },
        Step {
            tool: WasmBindgen,
            name: "wasm-bindgen-cli (the version in Cargo.lock)",
            present: || match wasm_bindgen_version() {
                Ok(Some(v)) => has_version("wasm-bindgen", &v),
                Ok(None) => true,
                Err(_) => false,
            },
            install: || match wasm_bindgen_version()? {
                // Its own lockfile wants a crate this registry lacks: no --locked.
                Some(v) => cargo_install("wasm-bindgen-cli", &v, false),
                None => Ok(()),
            },
        },
        Step {
            tool: OldBindgen,
            name:
                "wasm-bindgen-cli 0.2.126 apart (its threads transform keeps a page at __heap_base)",
            present: || {
                has_version(
                    &old_bindgen().join("bin/wasm-bindgen").to_string_lossy(),
                    OLD_BINDGEN,
                )
            },
            install: || {
                run(Command::new("cargo")
                    .env_remove("RUSTUP_TOOLCHAIN")
                    .args(["+stable", "install", "--force", "--root"])
                    .arg(old_bindgen())
                    .args(["wasm-bindgen-cli", "--version", OLD_BINDGEN]))
            },
        },
        Step {
            tool: Playwright,
            name: "playwright-core (npm; drives chromium in the demo's e2e test)",
            // `npm ci` installs exactly the locked version; playwright-core
            // downloads no browser.
            present: || npm_locked("www/e2e", &["playwright-core"]),
            install: || {
                run(Command::new("npm")
                    .args(["ci", "--no-audit", "--no-fund"])
                    .current_dir(crate::util::root().join("www/e2e")))
            },
        },
        Step {
            tool: ThreadsNpm,
            name: "wasi-threads and wasm-util (npm; run the threads test)",
            present: || {
                npm_locked(
                    "tests/wasm-threads",
                    &["@emnapi/wasi-threads", "@tybys/wasm-util"],
                )
            },
            install: || {
                run(Command::new("npm")
                    .args(["ci", "--no-audit", "--no-fund"])
                    .current_dir(crate::util::root().join("tests/wasm-threads")))
            },
        },
        Step {
            tool: CargoFuzz,
            name: "cargo-fuzz (nightly fuzz targets)",
            present: || has_version("cargo-fuzz", CARGO_FUZZ),
            install: || cargo_install("cargo-fuzz", CARGO_FUZZ, true),
        },
    ]
}

/// Debian packages and the program each provides (`nodejs` runs the wasm
/// app and the benchmarks; chromium and its driver run the browser tests;
/// binaryen's `wasm-opt` is the only wasm-opt any tool here may use: none
/// downloads one).
const APT: [(&str, &str); 4] = [
    ("nodejs", "node"),
    ("chromium", "chromium"),
    ("chromium-driver", "chromedriver"),
    ("binaryen", "wasm-opt"),
];

/// The last wasm-bindgen whose threads transform reserves its page at
/// `__heap_base`, in the initial memory's free part: the threads test in
/// a browser runs with it too (`threads::bindgen`), beside the pinned one.
pub const OLD_BINDGEN: &str = "0.2.126";

/// Where that wasm-bindgen-cli is installed (`bin/wasm-bindgen` under it),
/// apart from the pinned one on `PATH`.
pub fn old_bindgen() -> std::path::PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(&std::env::var_os("HOME").unwrap_or_default()).join(".cargo")
        });
    home.join(format!("wasm-bindgen-{OLD_BINDGEN}"))
}

/// Pinned tool versions: a tool at another version is reinstalled.
const TWIGGY: &str = "0.8.0";
const WASM_PACK: &str = "0.15.1";
const CARGO_FUZZ: &str = "0.13.2";

/// `dir`'s node_modules holds each of `packages` at its lockfile's version.
fn npm_locked(dir: &str, packages: &[&str]) -> bool {
    let dir = crate::util::root().join(dir);
    let version = |path: &std::path::Path, pointer: &str| -> Option<String> {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
        Some(v.pointer(pointer)?.as_str()?.to_string())
    };
    packages.iter().all(|p| {
        let locked = version(
            &dir.join("package-lock.json"),
            &format!("/packages/node_modules~1{}/version", p.replace('/', "~1")),
        );
        let installed = version(
            &dir.join("node_modules").join(p).join("package.json"),
            "/version",
        );
        locked.is_some() && locked == installed
    })
}

/// Lockfiles of the crates that wasm-bindgen-cli must match.
const BINDGEN_LOCKS: [&str; 7] = [
    "Cargo.lock",
    "tests/wasm-bindgen-threads/Cargo.lock",
    "tests/wasm/Cargo.lock",
    "tests/wasm-exhaust/Cargo.lock",
    "tests/wasm-top/Cargo.lock",
    "www/Cargo.lock",
    "examples/Cargo.lock",
];

fn on_path(bin: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(bin).is_file()))
        .unwrap_or(false)
}

/// `tool --version` runs and names `version`.
fn has_version(tool: &str, version: &str) -> bool {
    output(Command::new(tool).arg("--version"))
        .map(|s| {
            s.split_whitespace()
                .any(|w| w.trim_start_matches('v') == version)
        })
        .unwrap_or(false)
}

fn cargo_install(krate: &str, version: &str, locked: bool) -> Result<()> {
    let install = || {
        let mut c = Command::new("cargo");
        c.env_remove("RUSTUP_TOOLCHAIN").args([
            "+stable",
            "install",
            "--force",
            krate,
            "--version",
            version,
        ]);
        c
    };
    // `--locked` first, where the crate's own lockfile resolves here.
    if locked && run(install().arg("--locked")).is_ok() {
        return Ok(());
    }
    run(&mut install())
}

/// The wasm-bindgen version every lockfile that has one agrees on, or
/// `None` when no crate uses wasm-bindgen yet.
pub fn wasm_bindgen_version() -> Result<Option<String>> {
    let mut found: Option<(String, &str)> = None;
    for lock in BINDGEN_LOCKS {
        let Ok(text) = std::fs::read_to_string(crate::util::root().join(lock)) else {
            continue;
        };
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            if line.trim() == "name = \"wasm-bindgen\"" {
                let v = lines
                    .next()
                    .and_then(|l| l.trim().strip_prefix("version = "))
                    .map(|v| v.trim_matches('"').to_string())
                    .unwrap_or_default();
                match &found {
                    Some((w, other)) if *w != v => anyhow::bail!(
                        "wasm-bindgen {v} in {lock} but {w} in {other}: pin one version"
                    ),
                    _ => found = Some((v, lock)),
                }
            }
        }
    }
    Ok(found.map(|(v, _)| v))
}

fn ensure(step: &Step) -> Result<()> {
    if (step.present)() {
        eprintln!("setup: {:<48} ok (present)", step.name);
        Ok(())
    } else {
        eprintln!("setup: {:<48} installing", step.name);
        (step.install)()
    }
}

/// Sets up only `tools` (idempotent, instant when present).
pub fn need(tools: &[Tool]) -> Result<()> {
    for step in steps().iter().filter(|s| tools.contains(&s.tool)) {
        ensure(step)?;
    }
    Ok(())
}

pub fn setup() -> Result<()> {
    for step in steps() {
        ensure(&step)?;
    }
    // Sanity: the toolchains answer.
    if !probe(cargo_nightly().args(["miri", "--version"])) {
        anyhow::bail!("cargo +{NIGHTLY} miri does not run after setup");
    }
    Ok(())
}
