//! `cargo xtask fuzz`: the cargo-fuzz targets in `fuzz/` for a time box
//! each, from the committed seed corpus, reporting libFuzzer's speed.
//!
//! New inputs go to `target/fuzz-corpus/<target>` (a copy of the seeds to
//! start from); `fuzz/corpus/<target>` is passed as a second, read-only
//! corpus, so a run never dirties the repository. A crash fails the run;
//! libFuzzer leaves the input in `fuzz/artifacts/<target>/` (ignored by
//! git) and prints how to reproduce it (`cargo +nightly fuzz run
//! --features debug-checks <target> <file>`). The allocator's
//! `debug-checks` are on: the targets never misuse it, so a report from
//! them is a bug too.
//!
//! The seed corpus is written by [`write_seeds`] (`cargo xtask fuzz
//! --write-seeds`) from the typed seeds of `fuzz/input`, whose types are
//! the targets' inputs.

use anyhow::{Context, Result};

use crate::setup::Tool;
use crate::util::{cargo_nightly, root, run};

/// The fuzz targets, `fuzz/fuzz_targets/<name>.rs`.
pub const TARGETS: &[&str] = &["model", "global"];

/// `cargo +nightly fuzz build|run` options, the same for both so
/// the run reuses the build: the fuzz crate, and the allocator's misuse
/// detection on (the targets never misuse it, so any report is a bug).
const FUZZ_OPTIONS: &[&str] = &["--fuzz-dir", "fuzz", "--features", "debug-checks"];

/// Runs every target for `seconds` each. libFuzzer prints no status line
/// per new input (`-verbosity=0`), then its final statistics (executions,
/// `average_exec_per_sec`); a crash fails the run, with its report.
pub fn fuzz(seconds: u64) -> Result<()> {
    crate::setup::need(&[Tool::Nightly, Tool::CargoFuzz])?;
    // One nightly sanitizer build of every target first (the runs reuse it).
    run(cargo_nightly().args(["fuzz", "build"]).args(FUZZ_OPTIONS))?;
    for &target in TARGETS {
        let seeds = root().join("fuzz/corpus").join(target);
        let work = root().join("target/fuzz-corpus").join(target);
        std::fs::create_dir_all(&work).with_context(|| format!("creating {}", work.display()))?;
        for entry in
            std::fs::read_dir(&seeds).with_context(|| format!("reading {}", seeds.display()))?
        {
            let entry = entry?;
            std::fs::copy(entry.path(), work.join(entry.file_name()))?;
        }
        run(cargo_nightly()
            .args(["fuzz", "run"])
            .args(FUZZ_OPTIONS)
            .arg(target)
            .arg(&work)
            .arg(&seeds)
            .arg("--")
            .arg(format!("-max_total_time={seconds}"))
            .args(["-timeout=30", "-print_final_stats=1", "-verbosity=0"]))
        .with_context(|| {
            format!("fuzz target `{target}` failed; the input is in fuzz/artifacts/{target}/")
        })?;
    }
    Ok(())
}

/// Writes the seed corpus, `fuzz/corpus/<target>/<name>`, from the typed
/// seeds of `fuzz/input` (`fuzz_input::seeds`).
pub fn write_seeds() -> Result<()> {
    for (target, name, bytes) in fuzz_input::seeds::all() {
        let dir = root().join("fuzz/corpus").join(target);
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(name), &bytes)?;
        eprintln!("    {target}/{name}: {} bytes", bytes.len());
    }
    Ok(())
}
