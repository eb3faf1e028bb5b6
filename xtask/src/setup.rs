//! `cargo xtask setup`: installs what the tests need, idempotently, from
//! one table of tools ([`STEPS`]). Each step checks first and says
//! "present" without doing anything when it can. A command or test step
//! that needs a tool calls [`need`] with it, so that `cargo xtask size`,
//! `bench`, `demo` and `test --only TEXT` set up only what they use, from a
//! fresh clone.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Result};

use crate::util::{cargo_nightly, output, read_json, root, run};

/// The nightly toolchain of Miri, the fuzzers, docs.rs's docs and the
/// build-std threads test, pinned here only: installed under its own name,
/// so the machine's `nightly` is never changed, and a new nightly cannot
/// break the Miri steps before it is chosen here.
pub const NIGHTLY: &str = "nightly-2026-10-30";

/// The minimum supported Rust version: `rust-version` in Cargo.toml (the
/// MSRV step checks that they agree).
pub const MSRV: &str = "1.84";

/// The last wasm-bindgen whose threads transform reserves its page at
/// `__heap_base`, in the initial memory's free part: the threads test in
/// a browser runs with it too (`threads::bindgen`), beside the pinned one.
pub const OLD_BINDGEN: &str = "0.2.126";

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
    /// wasm-bindgen-cli [`OLD_BINDGEN`], apart (the wasm-bindgen threads test).
    OldBindgen,
}

use Tool::*;

/// How a step checks for its tool and installs it.
enum How {
    /// `rustup toolchain install` with these targets and components;
    /// present when they are installed (an installed toolchain is never
    /// updated).
    Rustup(
        &'static str,
        &'static [&'static str],
        &'static [&'static str],
    ),
    /// Debian packages, each with the program (on `PATH`) or the absolute
    /// file it provides.
    Apt(&'static [(&'static str, &'static str)]),
    /// `cargo install KRATE --version V` (`--locked` first where its own
    /// lockfile resolves here); present when `KRATE --version` names V.
    Cargo(&'static str, &'static str),
    /// `npm ci` in a directory; present when its node_modules holds these
    /// packages at their locked versions.
    Npm(&'static str, &'static [&'static str]),
    /// Miri's sysroot for a target (`None`: the host), under [`miri_sysroot`].
    MiriSysroot(Option<&'static str>),
    /// Checked and installed by hand.
    Custom(fn() -> bool, fn() -> Result<()>),
}

/// One line of the setup table: what it provides, what it says, how.
struct Install {
    tool: Tool,
    name: &'static str,
    how: How,
}

/// Every step, in order: first the only one the demo page needs.
/// binaryen's `wasm-opt` is the only wasm-opt any tool here may use (none
/// downloads one); `npm ci` installs exactly the locked versions, and
/// playwright-core downloads no browser.
#[rustfmt::skip]
const STEPS: &[Install] = &[
    step(WasmTarget, "rust target wasm32-unknown-unknown (stable)", How::Rustup("stable", WASM32, &[])),
    step(OtherTargets, "rust targets (stable): WASI preview 1 and 2, WASI threads, wasm32v1-none, Emscripten",
        How::Rustup("stable", &["wasm32-wasip1", "wasm32-wasip2", "wasm32-wasip1-threads", "wasm32v1-none",
            "wasm32-unknown-emscripten"], &[])),
    step(Clippy, "clippy (stable)", How::Rustup("stable", &[], &["clippy"])),
    step(Msrv, "MSRV toolchain (minimal, wasm32 target)", How::Rustup(MSRV, WASM32, &[])),
    step(Nightly, "pinned nightly toolchain with miri and rust-src", How::Rustup(NIGHTLY, &[], &["miri", "rust-src"])),
    step(MiriSysroots, "miri sysroot (host)", How::MiriSysroot(None)),
    step(MiriSysroots, "miri sysroot (i686, 32-bit)", How::MiriSysroot(Some("i686-unknown-linux-gnu"))),
    step(Debian, "Debian: node, chromium, chromedriver, binaryen", How::Apt(&[("nodejs", "node"),
        ("chromium", "chromium"), ("chromium-driver", "chromedriver"), ("binaryen", "wasm-opt")])),
    step(Emscripten, "Debian: emscripten (emcc), node-acorn (its JS optimizer's parser)",
        How::Apt(&[("emscripten", "emcc"), ("node-acorn", "/usr/share/nodejs/acorn/package.json")])),
    step(Twiggy, "twiggy (code size)", How::Cargo("twiggy", "0.8.0")),
    step(WasmPack, "wasm-pack (wasm test suites)", How::Cargo("wasm-pack", "0.15.1")),
    step(WasmBindgen, "wasm-bindgen-cli (the version in Cargo.lock)", How::Custom(bindgen_present, bindgen_install)),
    step(OldBindgen, "wasm-bindgen-cli 0.2.126 apart (its threads transform keeps a page at __heap_base)",
        How::Custom(old_bindgen_present, old_bindgen_install)),
    step(Playwright, "playwright-core (npm; drives chromium in the demo's e2e test)",
        How::Npm("www/e2e", &["playwright-core"])),
    step(ThreadsNpm, "wasi-threads and wasm-util (npm; run the threads test)",
        How::Npm("tests/wasm-threads", &["@emnapi/wasi-threads", "@tybys/wasm-util"])),
    step(CargoFuzz, "cargo-fuzz (nightly fuzz targets)", How::Cargo("cargo-fuzz", "0.13.2")),
];

const WASM32: &[&str] = &["wasm32-unknown-unknown"];

const fn step(tool: Tool, name: &'static str, how: How) -> Install {
    Install { tool, name, how }
}

fn bindgen_present() -> bool {
    let version = wasm_bindgen_version();
    version.is_ok_and(|v| v.is_none_or(|v| has_version("wasm-bindgen", &v)))
}

// Its own lockfile wants a crate this registry lacks: no --locked.
fn bindgen_install() -> Result<()> {
    let version = wasm_bindgen_version()?;
    version.map_or(Ok(()), |v| run(&mut cargo_install("wasm-bindgen-cli", &v)))
}

fn old_bindgen_present() -> bool {
    has_version(
        &old_bindgen().join("bin/wasm-bindgen").to_string_lossy(),
        OLD_BINDGEN,
    )
}

fn old_bindgen_install() -> Result<()> {
    run(cargo_install("wasm-bindgen-cli", OLD_BINDGEN)
        .arg("--root")
        .arg(old_bindgen()))
}

/// Miri's sysroots (host and i686) for [`NIGHTLY`], apart from the ones a
/// `cargo +nightly miri` of the machine's builds.
pub fn miri_sysroot() -> PathBuf {
    let home = std::env::var("HOME").unwrap_or_default();
    Path::new(&home).join(".cache/miri-sysroots").join(NIGHTLY)
}

/// Where wasm-bindgen-cli [`OLD_BINDGEN`] is installed (`bin/wasm-bindgen`
/// under it), apart from the pinned one on `PATH`.
pub fn old_bindgen() -> PathBuf {
    let home = std::env::var_os("CARGO_HOME").map(PathBuf::from);
    let home = home
        .unwrap_or_else(|| Path::new(&std::env::var_os("HOME").unwrap_or_default()).join(".cargo"));
    home.join(format!("wasm-bindgen-{OLD_BINDGEN}"))
}

fn rustup() -> Command {
    let mut c = Command::new("rustup");
    c.env_remove("RUSTUP_TOOLCHAIN");
    c
}

/// The lines of `rustup LIST --installed --toolchain T` (targets or
/// components).
fn installed(list: &str, toolchain: &str) -> Vec<String> {
    let out = output(rustup().args([list, "list", "--installed", "--toolchain", toolchain]));
    out.unwrap_or_default()
        .lines()
        .map(|l| l.trim().to_string())
        .collect()
}

/// A program on `PATH`, or an absolute file, exists.
fn provided(what: &str) -> bool {
    if what.starts_with('/') {
        return Path::new(what).exists();
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).any(|d| d.join(what).is_file())
}

/// `tool --version` runs and names `version`.
fn has_version(tool: &str, version: &str) -> bool {
    output(Command::new(tool).arg("--version")).is_ok_and(|s| {
        s.split_whitespace()
            .any(|w| w.trim_start_matches('v') == version)
    })
}

fn cargo_install(krate: &str, version: &str) -> Command {
    let mut c = Command::new("cargo");
    c.env_remove("RUSTUP_TOOLCHAIN");
    c.args(["+stable", "install", "--force", krate, "--version", version]);
    c
}

/// `dir`'s node_modules holds each of `packages` at its lockfile's version.
fn npm_locked(dir: &str, packages: &[&str]) -> bool {
    let dir = root().join(dir);
    let version = |path: &Path, pointer: &str| -> Option<String> {
        let v: serde_json::Value = read_json(path).ok()?;
        Some(v.pointer(pointer)?.as_str()?.to_string())
    };
    packages.iter().all(|p| {
        let lock_key = format!("/packages/node_modules~1{}/version", p.replace('/', "~1"));
        let locked = version(&dir.join("package-lock.json"), &lock_key);
        let installed = version(
            &dir.join("node_modules").join(p).join("package.json"),
            "/version",
        );
        locked.is_some() && locked == installed
    })
}

/// Lockfiles of the crates that wasm-bindgen-cli must match.
const BINDGEN_LOCKS: [&str; 2] = ["Cargo.lock", "tests/Cargo.lock"];

/// The wasm-bindgen version every lockfile that has one agrees on, or
/// `None` when no crate uses wasm-bindgen yet.
pub fn wasm_bindgen_version() -> Result<Option<String>> {
    let mut found: Option<(String, &str)> = None;
    for lock in BINDGEN_LOCKS
        .into_iter()
        .filter(|l| root().join(l).exists())
    {
        let versions = size_bench::cmd::locked_versions(lock)?;
        for v in versions.get("wasm-bindgen").into_iter().flatten() {
            match &found {
                Some((w, other)) if w != v => {
                    bail!("wasm-bindgen {v} in {lock} but {w} in {other}: pin one version")
                }
                _ => found = Some((v.clone(), lock)),
            }
        }
    }
    Ok(found.map(|(v, _)| v))
}

impl How {
    fn present(&self) -> bool {
        match *self {
            How::Rustup(toolchain, targets, components) => {
                // Targets by name; components by prefix (they end in the
                // host triple). A list is asked only when needed.
                let has = |list: &str, want: &[&str], exact: bool| {
                    want.is_empty() || {
                        let have = installed(list, toolchain);
                        want.iter()
                            .all(|x| have.iter().any(|l| l == x || !exact && l.starts_with(x)))
                    }
                };
                has("target", targets, true) && has("component", components, false)
            }
            How::Apt(packages) => packages.iter().all(|(_, what)| provided(what)),
            How::Cargo(krate, version) => has_version(krate, version),
            How::Npm(dir, packages) => npm_locked(dir, packages),
            // Checking the directory keeps the "present" path instant (a
            // `cargo miri setup` with nothing to do is still a cargo run).
            How::MiriSysroot(target) => {
                let target = target.unwrap_or("x86_64-unknown-linux-gnu");
                miri_sysroot().join("lib/rustlib").join(target).exists()
            }
            How::Custom(present, _) => present(),
        }
    }

    fn install(&self) -> Result<()> {
        match *self {
            How::Rustup(toolchain, targets, components)
                if installed("component", toolchain).is_empty() =>
            {
                let mut c = rustup();
                c.args(["toolchain", "install", toolchain, "--profile", "minimal"]);
                for t in targets {
                    c.args(["--target", t]);
                }
                for x in components {
                    c.args(["--component", x]);
                }
                run(&mut c)
            }
            How::Rustup(toolchain, targets, components) => {
                if !targets.is_empty() {
                    run(rustup()
                        .args(["target", "add", "--toolchain", toolchain])
                        .args(targets))?;
                }
                if !components.is_empty() {
                    run(rustup()
                        .args(["component", "add", "--toolchain", toolchain])
                        .args(components))?;
                }
                Ok(())
            }
            How::Apt(packages) => {
                let missing = packages
                    .iter()
                    .filter(|(_, what)| !provided(what))
                    .map(|(p, _)| *p);
                run(Command::new("apt-get").args(["update", "-q"]))?;
                run(Command::new("apt-get")
                    .args(["install", "-y", "-q", "--no-install-recommends"])
                    .args(missing)
                    .env("DEBIAN_FRONTEND", "noninteractive"))
            }
            How::Cargo(krate, version) => run(cargo_install(krate, version).arg("--locked"))
                .or_else(|_| run(&mut cargo_install(krate, version))),
            How::Npm(dir, _) => run(Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(root().join(dir))),
            How::MiriSysroot(target) => run(cargo_nightly()
                .args(["miri", "setup"])
                .args(target.map(|t| ["--target", t]).into_iter().flatten())),
            How::Custom(_, install) => install(),
        }
    }
}

fn ensure(step: &Install) -> Result<()> {
    if step.how.present() {
        eprintln!("setup: {:<48} ok (present)", step.name);
        Ok(())
    } else {
        eprintln!("setup: {:<48} installing", step.name);
        step.how.install()
    }
}

/// Sets up only `tools` (idempotent, instant when present).
pub fn need(tools: &[Tool]) -> Result<()> {
    STEPS
        .iter()
        .filter(|s| tools.contains(&s.tool))
        .try_for_each(ensure)
}

pub fn setup() -> Result<()> {
    STEPS.iter().try_for_each(ensure)?;
    // Sanity: the toolchains answer.
    if output(cargo_nightly().args(["miri", "--version"])).is_err() {
        bail!("cargo +{NIGHTLY} miri does not run after setup");
    }
    Ok(())
}
