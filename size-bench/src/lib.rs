//! size-bench: the code-size tool, and the allocator registry every report
//! reads.
//!
//! - [`allocators`]: the allocators measured, written once.
//! - [`size()`]: builds `module/` once per allocator and profile, strips it,
//!   measures it with twiggy (and after wasm-opt), writes the table, JSON
//!   and chart under `target/size-bench/`, and checks the budget
//!   (`budget.json`). `cargo xtask size` calls it.
//! - [`report`]: the report's types ([`report::SizeReport`], serde) and
//!   its markdown; [`chart`]: its SVG chart.
//! - [`build`]: one build of `module/` (the benchmarks build theirs here).
//! - [`wasm`]: reading built modules (wasmparser).
//! - [`numbers`]: the reports' number formatter, table and statistics.

pub mod allocators;
pub mod chart;
pub mod numbers;
pub mod report;
mod size;
pub mod wasm;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

pub use size::{build, size};

/// The repository root (the parent of `size-bench/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("size-bench is in the repository")
        .to_path_buf()
}

/// `cargo` as invoked by the user, at the repository's root.
fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root());
    c
}

/// Runs `cmd` with the terminal; fails with the program's name on error.
fn run(cmd: &mut Command) -> Result<()> {
    let program = cmd.get_program().to_string_lossy().into_owned();
    let status = cmd
        .status()
        .with_context(|| format!("could not start {program}"))?;
    if !status.success() {
        bail!("{program} failed ({status})");
    }
    Ok(())
}

/// Runs `cmd` quietly and returns its standard output.
fn output(cmd: &mut Command) -> Result<String> {
    let program = cmd.get_program().to_string_lossy().into_owned();
    let out = cmd
        .output()
        .with_context(|| format!("could not start {program}"))?;
    if !out.status.success() {
        bail!("{program} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
