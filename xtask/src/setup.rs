//! `cargo xtask setup`: installs what the tests need, idempotently. Each
//! step checks first and says "present" without doing anything when it can.

use anyhow::Result;
use std::process::Command;

use crate::util::{cargo_nightly, output, probe, run};

struct Step {
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
/// the cache directory keeps the "present" path instant).
fn miri_sysroot_present(target: &str) -> bool {
    let home = std::env::var("HOME").unwrap_or_default();
    let cache = std::env::var("MIRI_SYSROOT")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::path::Path::new(&home).join(".cache/miri"));
    cache.join("lib/rustlib").join(target).exists()
}

const HOST: &str = "x86_64-unknown-linux-gnu";
const I686: &str = "i686-unknown-linux-gnu";

fn steps() -> Vec<Step> {
    vec![
        Step {
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
            name: "nightly toolchain with miri and rust-src",
            present: || has_component("nightly", "miri") && has_component("nightly", "rust-src"),
            install: || {
                run(rustup().args(["toolchain", "install", "nightly", "--profile", "minimal"]))?;
                run(rustup().args([
                    "component",
                    "add",
                    "miri",
                    "rust-src",
                    "--toolchain",
                    "nightly",
                ]))
            },
        },
        Step {
            name: "miri sysroot (host)",
            present: || miri_sysroot_present(HOST),
            install: || run(cargo_nightly().args(["miri", "setup"])),
        },
        Step {
            name: "miri sysroot (i686, 32-bit)",
            present: || miri_sysroot_present(I686),
            install: || run(cargo_nightly().args(["miri", "setup", "--target", I686])),
        },
        Step {
            name: "node (runs the wasm app in V8)",
            present: || probe(Command::new("node").arg("--version")),
            install: || {
                run(Command::new("apt-get").args(["update", "-q"]))?;
                run(Command::new("apt-get").args(["install", "-y", "-q", "nodejs"]))
            },
        },
    ]
}

pub fn setup() -> Result<()> {
    for step in steps() {
        if (step.present)() {
            eprintln!("setup: {:<48} ok (present)", step.name);
        } else {
            eprintln!("setup: {:<48} installing", step.name);
            (step.install)()?;
        }
    }
    // Sanity: the toolchains answer.
    if !probe(Command::new("cargo").args(["+nightly", "miri", "--version"])) {
        anyhow::bail!("cargo +nightly miri does not run after setup");
    }
    Ok(())
}
