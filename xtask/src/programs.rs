//! Real programs, one wasm module per global allocator (bench/programs):
//! serde_json, regex, std collections, string formatting and sorting,
//! `Box` trees, a parser and a frame loop, each running inside wasm in one
//! exported call, timed in node and headless Chromium. `bench/programs/
//! run.mjs` builds the modules and measures; this module runs it, checks
//! that its report is complete and consistent, and saves it.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::setup::Tool;
use anyhow::{bail, Context, Result};
use serde_json::Value;

use crate::util::{root, run};

/// The saved report's files, in the bench's results folder.
const SAVED_JSON: &str = "programs.json";
const SAVED_MD: &str = "programs.md";

/// Where a run writes its report.
fn report_path() -> PathBuf {
    crate::bench::out_dir().join("programs/report.json")
}

fn runner() -> PathBuf {
    root().join("bench/programs/run.mjs")
}

/// What one run measures.
struct Plan {
    /// `None`: every allocator the registry marks `programs`.
    allocators: Option<&'static str>,
    profiles: &'static str,
    engines: &'static str,
    rounds: &'static str,
    warmup: &'static str,
}

impl Plan {
    /// The allocators, comma-separated, as the runner's `--alloc` takes them.
    fn allocators(&self) -> String {
        self.allocators.map(str::to_string).unwrap_or_else(|| {
            let ids: Vec<&str> = size_bench::allocators::ALLOCATORS
                .iter()
                .filter(|a| a.programs)
                .map(|a| a.id)
                .collect();
            ids.join(",")
        })
    }
}

/// Every allocator, opt-level 3 and "s", node and Chromium.
const FULL: Plan = Plan {
    allocators: None,
    profiles: "3,s",
    engines: "node,chromium",
    rounds: "9",
    warmup: "2",
};

/// What `cargo xtask test` runs: ours and Rust's default at opt-level 3 in
/// node, a few rounds. It checks that every program builds, runs and agrees
/// on its checksum, and that the report is complete; it judges no time.
const QUICK: Plan = Plan {
    allocators: Some("wasm-tlsf,std"),
    profiles: "3",
    engines: "node",
    rounds: "2",
    warmup: "1",
};

/// Builds the modules, runs the programs, checks the report; with `save`,
/// copies it to the bench's results folder and its section of
/// BENCHMARKS.md.
pub fn programs(quick: bool, save: bool) -> Result<()> {
    if quick && save {
        bail!("--save keeps a full run's figures: run without --quick");
    }
    crate::setup::need(&[Tool::WasmTarget, Tool::Debian, Tool::Playwright])?;
    let plan = if quick { &QUICK } else { &FULL };
    let out = report_path();
    if out.exists() {
        std::fs::remove_file(&out)?;
    }
    run(Command::new("node")
        .arg(runner())
        .args(["--alloc", &plan.allocators()])
        .args(["--profile", plan.profiles])
        .args(["--engine", plan.engines])
        .args(["--rounds", plan.rounds])
        .args(["--warmup", plan.warmup])
        .arg("--target-dir")
        .arg(root().join("target/programs"))
        .arg("--out")
        .arg(&out))
    .context("bench/programs/run.mjs")?;
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&out)?)?;
    check_report(&report, plan)?;
    eprintln!(
        "programs: report complete ({} rows), {}",
        report["results"].as_array().map_or(0, Vec::len),
        out.display()
    );
    if save {
        let saved = root().join(crate::bench::SAVED);
        std::fs::create_dir_all(&saved)?;
        std::fs::copy(&out, saved.join(SAVED_JSON))?;
        std::fs::copy(out.with_extension("md"), saved.join(SAVED_MD))?;
        write_section(&saved)?;
    }
    Ok(())
}

/// The saved report's markdown, and its section of BENCHMARKS.md, written
/// again from its JSON (`cargo xtask bench --redraw`).
pub fn redraw() -> Result<()> {
    let saved = root().join(crate::bench::SAVED);
    if !saved.join(SAVED_JSON).exists() {
        return Ok(());
    }
    run(Command::new("node")
        .arg(runner())
        .arg("--markdown")
        .arg(saved.join(SAVED_JSON))
        .stdout(std::process::Stdio::null()))?;
    write_section(&saved)
}

fn write_section(saved: &Path) -> Result<()> {
    let md = std::fs::read_to_string(saved.join(SAVED_MD))?;
    crate::doc_sections::write_section("programs", &md)
}

fn list(s: &str) -> Vec<&str> {
    s.split(',').collect()
}

/// Every (program, allocator, profile, engine, clock) has a row with its
/// typed figures; checksums agree across allocators; every allocator has a
/// geomean; the runner reported no problem.
fn check_report(report: &Value, plan: &Plan) -> Result<()> {
    let mut problems: Vec<String> = report["problems"]
        .as_array()
        .map(|a| a.iter().map(|p| p.to_string()).collect())
        .unwrap_or_default();
    let programs: Vec<&str> = report["meta"]["programs"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if programs.len() < 7 {
        problems.push(format!(
            "{} programs in the report, 7 expected",
            programs.len()
        ));
    }
    let rows = report["results"].as_array().map_or(&[][..], Vec::as_slice);
    let geomeans = report["geomeans"].as_array().map_or(&[][..], Vec::as_slice);
    let rounds: u64 = plan.rounds.parse()?;
    for (engine, clock) in list(plan.engines)
        .into_iter()
        .flat_map(|e| [(e, "wall"), (e, "cpu")])
    {
        for profile in list(plan.profiles) {
            for program in &programs {
                let mut checksum: Option<&str> = None;
                for alloc in list(&plan.allocators()) {
                    let what =
                        format!("{engine} ({clock}), opt-level {profile}, {program}, {alloc}");
                    let Some(r) = rows.iter().find(|r| {
                        r["engine"] == engine
                            && r["clock"] == clock
                            && r["profile"] == profile
                            && r["program"] == *program
                            && r["allocator"] == alloc
                    }) else {
                        problems.push(format!("{what}: no row"));
                        continue;
                    };
                    if let Some(e) = r["error"].as_str() {
                        // An allocator may run out of memory; ours and
                        // Rust's default must finish.
                        if alloc == "wasm-tlsf" || alloc == "std" {
                            problems.push(format!("{what}: failed: {e}"));
                        }
                        continue;
                    }
                    if r["runs"].as_u64() != Some(rounds) {
                        problems.push(format!("{what}: {} runs, {rounds} expected", r["runs"]));
                    }
                    for key in [
                        "median_ms",
                        "min_ms",
                        "max_ms",
                        "ratio_median",
                        "ratio_min",
                        "ratio_max",
                    ] {
                        if !r[key].as_f64().is_some_and(|x| x > 0.0 && x.is_finite()) {
                            problems.push(format!("{what}: {key} is {}", r[key]));
                        }
                    }
                    if !(r["ratio_min"].as_f64() <= r["ratio_median"].as_f64()
                        && r["ratio_median"].as_f64() <= r["ratio_max"].as_f64())
                    {
                        problems.push(format!("{what}: ratio range out of order"));
                    }
                    if r["pages"].as_u64().unwrap_or(0) == 0 {
                        problems.push(format!("{what}: pages is {}", r["pages"]));
                    }
                    match (r["checksum"].as_str(), checksum) {
                        (None, _) => problems.push(format!("{what}: no checksum")),
                        (Some(c), None) => checksum = Some(c),
                        (Some(c), Some(first)) if c != first => problems
                            .push(format!("{what}: checksum {c}, another allocator's {first}")),
                        _ => {}
                    }
                }
            }
            for alloc in list(&plan.allocators()) {
                let g = geomeans.iter().find(|g| {
                    g["engine"] == engine
                        && g["clock"] == clock
                        && g["profile"] == profile
                        && g["allocator"] == alloc
                });
                let ok = g.is_some_and(|g| g["geomean"].as_f64().is_some_and(|x| x > 0.0));
                let failed = rows.iter().any(|r| {
                    r["engine"] == engine
                        && r["profile"] == profile
                        && r["allocator"] == alloc
                        && !r["error"].is_null()
                });
                if !ok && !failed {
                    problems.push(format!(
                        "{engine}, opt-level {profile}, {alloc}: no geomean"
                    ));
                }
            }
        }
    }
    if !problems.is_empty() {
        bail!(
            "the real-program report is incomplete or inconsistent:\n  {}",
            problems.join("\n  ")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PROGRAMS: [&str; 7] = [
        "json",
        "regex",
        "collections",
        "strings",
        "trees",
        "parser",
        "frame",
    ];

    fn row(program: &str, alloc: &str, clock: &str, checksum: &str) -> Value {
        json!({
            "program": program, "allocator": alloc, "profile": "3", "engine": "node",
            "clock": clock, "runs": 2,
            "median_ms": 10.0, "min_ms": 9.0, "max_ms": 11.0,
            "ratio_median": 1.0, "ratio_min": 0.9, "ratio_max": 1.1,
            "pages": 20, "checksum": checksum,
        })
    }

    fn report(rows: Vec<Value>) -> Value {
        let geomeans: Vec<Value> = ["wasm-tlsf", "std"]
            .iter()
            .flat_map(|a| ["wall", "cpu"].map(|c| (a, c)))
            .map(|(a, c)| {
                json!({"allocator": a, "profile": "3", "engine": "node", "clock": c, "geomean": 1.0})
            })
            .collect();
        json!({"meta": {"programs": PROGRAMS}, "results": rows, "geomeans": geomeans, "problems": []})
    }

    fn complete() -> Vec<Value> {
        ["wall", "cpu"]
            .iter()
            .flat_map(|c| PROGRAMS.map(|p| (c, p)))
            .flat_map(|(c, p)| [row(p, "wasm-tlsf", c, "ab"), row(p, "std", c, "ab")])
            .collect()
    }

    #[test]
    fn a_complete_report_passes() {
        check_report(&report(complete()), &QUICK).unwrap();
    }

    #[test]
    fn a_differing_checksum_fails() {
        let mut rows = complete();
        rows[3]["checksum"] = json!("cd");
        let e = check_report(&report(rows), &QUICK).unwrap_err().to_string();
        assert!(e.contains("checksum cd"), "{e}");
    }

    #[test]
    fn a_missing_row_or_figure_fails() {
        let mut rows = complete();
        rows.pop();
        let e = check_report(&report(rows), &QUICK).unwrap_err().to_string();
        assert!(e.contains("(cpu), opt-level 3, frame, std: no row"), "{e}");
        let mut rows = complete();
        rows[0]["pages"] = Value::Null;
        rows[1]["ratio_median"] = json!(2.0);
        let e = check_report(&report(rows), &QUICK).unwrap_err().to_string();
        assert!(
            e.contains("pages is null") && e.contains("out of order"),
            "{e}"
        );
    }

    #[test]
    fn ours_failing_fails() {
        let mut rows = complete();
        rows[0] = json!({"program": "json", "allocator": "wasm-tlsf", "profile": "3",
            "engine": "node", "clock": "wall", "error": "unreachable"});
        let e = check_report(&report(rows), &QUICK).unwrap_err().to_string();
        assert!(e.contains("failed: unreachable"), "{e}");
    }
}
