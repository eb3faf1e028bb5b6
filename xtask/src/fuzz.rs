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

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::setup::{Tool, NIGHTLY};
use crate::util::{cargo_nightly, root, run};

/// The fuzz targets, `fuzz/fuzz_targets/<name>.rs`.
pub const TARGETS: &[&str] = &["model", "global"];

/// `cargo +nightly fuzz build|run` options, the same for both so
/// the run reuses the build: the fuzz crate, and the allocator's misuse
/// detection on (the targets never misuse it, so any report is a bug).
const FUZZ_OPTIONS: &[&str] = &["--fuzz-dir", "fuzz", "--features", "debug-checks"];

/// What libFuzzer reported at the end of one run.
#[derive(Default)]
struct Outcome {
    runs: u64,
    seconds: u64,
    /// The last status line (`#N DONE cov: ... exec/s: ...`).
    last_status: String,
}

/// Runs every target for `seconds` each.
pub fn fuzz(seconds: u64) -> Result<()> {
    crate::setup::need(&[Tool::Nightly, Tool::CargoFuzz])?;
    // One nightly sanitizer build of every target first (the runs reuse it).
    run(cargo_nightly().args(["fuzz", "build"]).args(FUZZ_OPTIONS))?;
    let mut report = Vec::new();
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
        let mut cmd = cargo_nightly();
        cmd.args(["fuzz", "run"])
            .args(FUZZ_OPTIONS)
            .arg(target)
            .arg(&work)
            .arg(&seeds)
            .arg("--")
            .arg(format!("-max_total_time={seconds}"))
            .arg("-timeout=30")
            .arg("-print_final_stats=1")
            .stderr(Stdio::piped());
        eprintln!(
            "==> cargo +{NIGHTLY} fuzz run --features debug-checks {target} {} {} -- -max_total_time={seconds}",
            work.display(),
            seeds.display()
        );
        let start = Instant::now();
        let mut child = cmd.spawn().context("could not start `cargo fuzz run`")?;
        let mut out = Outcome::default();
        let stderr = child.stderr.take().expect("piped");
        let mut in_dictionary = false;
        for line in BufReader::new(stderr).lines() {
            let line = line?;
            // Keep the log short: new coverage, reductions and the
            // recommended dictionary are noise here.
            if line.starts_with("###### ") {
                in_dictionary = line.contains("Recommended dictionary");
                continue;
            }
            let noise = in_dictionary
                || line.starts_with('#')
                    && (line.contains("\tNEW ")
                        || line.contains("\tREDUCE ")
                        || line.contains("\tpulse "));
            if !noise {
                eprintln!("{line}");
            }
            if line.starts_with('#') && line.contains(" exec/s: ") {
                out.last_status = line.clone();
            }
            // libFuzzer's closing line: "Done 123456 runs in 20 second(s)".
            if let Some(rest) = line.strip_prefix("Done ") {
                let words: Vec<&str> = rest.split_whitespace().collect();
                if let [runs, "runs", "in", secs, ..] = words[..] {
                    out.runs = runs.parse().unwrap_or(0);
                    out.seconds = secs.parse().unwrap_or(0);
                }
            }
        }
        let status = child.wait()?;
        if !status.success() {
            bail!(
                "fuzz target `{target}` failed ({status}); the input is in fuzz/artifacts/{target}/"
            );
        }
        let exec_s = out.runs / out.seconds.max(1);
        eprintln!(
            "    fuzz {target}: {} runs in {}s, {exec_s} exec/s ({:.0}s with the build check)",
            out.runs,
            out.seconds,
            start.elapsed().as_secs_f64()
        );
        report.push((target, exec_s, out));
    }
    eprintln!("\nfuzz summary ({seconds}s per target, nothing found):");
    for (target, exec_s, out) in &report {
        eprintln!("  {target:<8} {exec_s:>7} exec/s  {}", out.last_status);
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
