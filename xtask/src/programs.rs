//! Real programs (bench/programs): `run.mjs` builds one module per
//! allocator and times the programs; this module runs it, makes the report
//! from its runs (their time / ours within a round, over the rounds;
//! geometric means over the programs), checks it, writes it and saves it.

use std::collections::BTreeMap;
use std::process::Command;

use anyhow::{bail, Context, Result};
use bench_report::{ProgramRow, ProgramRuns, Programs, RowFigures};
use serde::Serialize;

use size_bench::numbers::{mean, median, median_range, min_max};

use crate::bench::OURS;
use crate::setup::Tool;
use crate::util::{read_json, root, run};

const SAVED_JSON: &str = "programs.json";
const SAVED_MD: &str = "programs.md";

/// What a full run measures (`run.mjs`'s options; the allocators are the
/// registry's `programs` ones): opt-level 3 and "s", node and Chromium.
const FULL: &str = "--profile 3,s --engine node,chromium --rounds 9 --warmup 2";

/// What `cargo xtask test` runs: ours and Rust's default at opt-level 3 in
/// node, a few rounds. It checks that every program builds, runs and agrees
/// on its checksum, that the report is complete and that the programs call
/// our allocation directly (`check_one_call`); it judges no time.
const QUICK: &str = "--alloc wasm-tlsf,std --profile 3 --engine node --rounds 2 --warmup 1";

/// `extra`: `run.mjs` options after the plan's.
pub fn programs(quick: bool, save: bool, extra: &[String]) -> Result<()> {
    if save && (quick || !extra.is_empty()) {
        bail!("--save keeps a full run's figures: run without --quick or run.mjs options");
    }
    crate::setup::need(&[Tool::WasmTarget, Tool::Debian, Tool::Playwright])?;
    let dir = crate::bench::out_dir().join("programs");
    let runs = dir.join("runs.json");
    if runs.exists() {
        std::fs::remove_file(&runs)?;
    }
    let programs = size_bench::allocators::ALLOCATORS
        .iter()
        .filter(|a| a.programs);
    let allocators = programs.map(|a| a.id).collect::<Vec<_>>().join(",");
    let mut cmd = Command::new("node");
    cmd.arg(root().join("bench/programs/run.mjs"))
        .args(["--alloc", &allocators])
        .args(if quick { QUICK } else { FULL }.split(' '))
        .arg("--target-dir")
        .arg(root().join("target/programs"))
        .arg("--out")
        .arg(&runs)
        .args(extra);
    crate::bench::serve_page(&mut cmd, dir.join("page"))?;
    run(&mut cmd).context("bench/programs/run.mjs")?;
    let report = analyse(read_json(&runs)?);
    write(&report, &dir.join(SAVED_JSON))?;
    println!("{}", std::fs::read_to_string(dir.join(SAVED_MD))?);
    check_report(&report, extra.is_empty())?;
    // The plan's modules only: options after it may build elsewhere or
    // leave ours out.
    if extra.is_empty() {
        for profile in &report.meta.profiles {
            check_one_call(profile)?;
        }
    }
    eprintln!(
        "programs: report complete ({} rows), {}",
        report.results.len(),
        dir.display()
    );
    if save {
        let saved = root().join(crate::bench::SAVED);
        for f in [SAVED_JSON, SAVED_MD] {
            std::fs::copy(dir.join(f), saved.join(f))?;
        }
        crate::doc_sections::write_section("programs", &markdown(&report))?;
    }
    Ok(())
}

/// Fails if our module built at `profile` still has the global allocator's
/// shim, `__rust_alloc`, as a function of its own: the program's
/// allocation sites should inline it and call our allocation directly (one
/// call per allocation, not two; see `Inner::alloc` in src/global.rs).
fn check_one_call(profile: &str) -> Result<()> {
    let module = root()
        .join("target/programs/modules")
        .join(profile)
        .join(format!("{OURS}.wasm"));
    let wasm = std::fs::read(&module).with_context(|| format!("reading {}", module.display()))?;
    // `__rust_alloc`, plain or v0-mangled (its identifier: 12 bytes).
    let shim = size_bench::wasm::function_names(&wasm)?
        .into_iter()
        .find(|n| n == "__rust_alloc" || n.ends_with("12___rust_alloc"));
    if let Some(shim) = shim {
        bail!(
            "{}: {shim} is a function of its own: the program's allocation sites call it, \
             which calls the allocation (two calls where one is meant)",
            module.display()
        );
    }
    Ok(())
}

/// Writes the report's JSON (one-space indents) and its markdown next to it.
fn write(report: &Programs, json: &std::path::Path) -> Result<()> {
    let mut out = Vec::new();
    let pretty = serde_json::ser::PrettyFormatter::with_indent(b" ");
    report.serialize(&mut serde_json::Serializer::with_formatter(
        &mut out, pretty,
    ))?;
    out.push(b'\n');
    std::fs::write(json, out)?;
    std::fs::write(json.with_extension("md"), markdown(report))?;
    Ok(())
}

/// `cargo xtask bench --redraw`'s part.
pub fn redraw() -> Result<()> {
    let saved = root().join(crate::bench::SAVED);
    let report: Programs = read_json(&saved.join(SAVED_JSON))?;
    let md = markdown(&report);
    std::fs::write(saved.join(SAVED_MD), &md)?;
    crate::doc_sections::write_section("programs", &md)
}

/// `x` rounded to 3 decimals, as the report keeps it (`None`: not a
/// number).
fn r3(x: f64) -> Option<f64> {
    x.is_finite()
        .then(|| format!("{x:.3}").parse().expect("a number"))
}

/// The report's rows (per engine, clock, opt-level, program and
/// allocator) and geomeans; problems: ours failing, checksums that differ
/// (across allocators, rounds, opt-levels and engines), pages that differ
/// across engines.
fn analyse(runs: ProgramRuns) -> Programs {
    let meta = runs.meta;
    let (mut results, mut geomeans, mut problems) = (Vec::new(), Vec::new(), Vec::new());
    let label = |a: &str| size_bench::allocators::get(a).map_or(a.to_string(), |r| r.name());
    for (engine, clock) in meta.engines.iter().flat_map(|e| [(e, "wall"), (e, "cpu")]) {
        let time = |r: &bench_report::ProgramRun| {
            let t = if clock == "cpu" { r.cpu_ms } else { r.ms };
            t.unwrap_or(f64::NAN)
        };
        for profile in &meta.profiles {
            let what = format!("{engine}, opt-level {profile}");
            let mut rows = Vec::new();
            // Per allocator, per round: the log of each program's ratio.
            let mut per_round: BTreeMap<&str, Vec<Vec<f64>>> = BTreeMap::new();
            for program in &meta.programs {
                let samples = |a: &str| {
                    let s = runs.samples.iter().find(|s| {
                        (&s.engine, &s.profile, &s.program, s.allocator.as_str())
                            == (engine, profile, program, a)
                    });
                    s.map_or(&[][..], |s| &s.runs[..])
                };
                let ours = samples(OURS);
                let ours_error = ours.iter().find_map(|r| r.error.as_ref());
                for a in &meta.allocators {
                    let ss = samples(a);
                    let mut row = ProgramRow {
                        allocator: a.clone(),
                        clock: clock.into(),
                        engine: engine.clone(),
                        label: label(a),
                        profile: profile.clone(),
                        program: program.clone(),
                        runs: ss.len(),
                        ..Default::default()
                    };
                    row.error = ss.iter().find_map(|r| r.error.clone());
                    if row.error.is_some() {
                        rows.push(row);
                        continue;
                    }
                    let mut sums: Vec<&str> = Vec::new();
                    for c in ss.iter().filter_map(|r| r.checksum.as_deref()) {
                        if !sums.contains(&c) {
                            sums.push(c);
                        }
                    }
                    // Across allocators, engines and opt-levels: below.
                    if clock == "wall" && sums.len() != 1 {
                        let sums = sums.join(", ");
                        problems.push(format!("{what}, {program}: {a}'s checksums {sums} differ"));
                    }
                    let ms: Vec<f64> = ss.iter().map(|r| r.ms.unwrap_or(f64::NAN)).collect();
                    let cpu: Vec<f64> = ss.iter().filter_map(|r| r.cpu_ms).collect();
                    let (min, max) = min_max(&ms);
                    let r3n = |x| r3(x).unwrap_or(f64::NAN);
                    let mut f = RowFigures {
                        checksum: sums.first().map_or(String::new(), |s| s.to_string()),
                        max_ms: r3n(max),
                        median_cpu_ms: ss
                            .first()
                            .and_then(|r| r.cpu_ms)
                            .and_then(|_| r3(median(&cpu))),
                        median_ms: r3n(median(&ms)),
                        min_ms: r3n(min),
                        pages: ss.iter().filter_map(|r| r.pages).max().unwrap_or(0),
                        ..Default::default()
                    };
                    if ours_error.is_none() {
                        let ratios: Vec<f64> = ss
                            .iter()
                            .zip(ours)
                            .map(|(s, o)| time(s) / time(o))
                            .collect();
                        let (m, lo, hi) = median_range(&ratios);
                        (f.ratio_median, f.ratio_min, f.ratio_max) = (r3(m), r3(lo), r3(hi));
                        let logs = per_round
                            .entry(a)
                            .or_insert_with(|| vec![Vec::new(); ratios.len()]);
                        for (l, x) in logs.iter_mut().zip(&ratios) {
                            l.push(x.ln());
                        }
                    }
                    row.figures = Some(f);
                    rows.push(row);
                }
            }
            for a in &meta.allocators {
                let ok: Vec<f64> = rows
                    .iter()
                    .filter(|r| r.allocator == *a)
                    .filter_map(|r| r.figures.as_ref()?.ratio_median)
                    .collect();
                let complete = ok.len() == meta.programs.len();
                let rounds: Vec<f64> = per_round
                    .get(a.as_str())
                    .map_or(vec![], |r| r.iter().map(|l| mean(l).exp()).collect());
                let (lo, hi) = min_max(&rounds);
                let geo = ok.iter().map(|x| x.ln()).collect::<Vec<_>>();
                geomeans.push(bench_report::Geomean {
                    allocator: a.clone(),
                    clock: clock.into(),
                    engine: engine.clone(),
                    geomean: r3(mean(&geo).exp()).filter(|_| complete),
                    geomean_round_max: r3(hi).filter(|_| complete),
                    geomean_round_min: r3(lo).filter(|_| complete),
                    label: label(a),
                    profile: profile.clone(),
                    programs: ok.len(),
                });
            }
            results.extend(rows);
        }
    }
    // Checksums and pages at the end follow from the program and the
    // allocator alone (a checksum from the program alone): every engine and
    // opt-level must see the same.
    for r in results.iter().filter(|r| r.clock == "wall") {
        let Some(f) = &r.figures else { continue };
        let first = results.iter().find(|x| {
            (&x.program, &x.allocator, &x.profile) == (&r.program, &r.allocator, &r.profile)
        });
        if let Some((x, xf)) = first.and_then(|x| Some((x, x.figures.as_ref()?))) {
            if xf.pages != f.pages {
                problems.push(format!(
                    "opt-level {}, {}, {}: {} pages in {}, {} in {}",
                    r.profile, r.program, r.allocator, f.pages, r.engine, xf.pages, x.engine
                ));
            }
        }
        let sum = results
            .iter()
            .find(|x| x.program == r.program && x.figures.is_some());
        if let Some((x, xf)) = sum.and_then(|x| Some((x, x.figures.as_ref()?))) {
            let at =
                |r: &ProgramRow| format!("{}, {}, opt-level {}", r.allocator, r.engine, r.profile);
            if xf.checksum != f.checksum {
                let (p, a, b) = (&r.program, at(r), at(x));
                problems.push(format!(
                    "{p}: checksum {} ({a}), {} ({b})",
                    f.checksum, xf.checksum
                ));
            }
        }
    }
    Programs {
        geomeans,
        meta,
        problems,
        results,
    }
}

/// `x` with 2 decimals, a tie rounded up as JavaScript's `toFixed` does
/// (the tables were first written by it; Rust's `{:.2}` rounds a tie to
/// even).
fn f2(x: f64) -> String {
    let exact = format!("{x:.60}");
    let tail = &exact[exact.find('.').map_or(exact.len(), |i| i + 3)..];
    let tie = tail.starts_with('5') && tail[1..].bytes().all(|b| b == b'0');
    format!("{:.2}", if tie { x + x.signum() * 0.0005 } else { x })
}

/// A table row's cells: `cell` of each program's figures for allocator
/// `a` in `rows`, "fails" where a run failed, empty where there is no row.
fn cells(
    programs: &[String],
    rows: &[&ProgramRow],
    a: &str,
    cell: impl Fn(&RowFigures) -> String,
) -> String {
    let row = |p: &String| rows.iter().find(|r| &r.program == p && r.allocator == a);
    let cells = programs.iter().map(|p| match row(p) {
        None => String::new(),
        Some(r) => r.figures.as_ref().map_or("fails".into(), &cell),
    });
    cells.collect::<Vec<_>>().join(" | ")
}
fn markdown(report: &Programs) -> String {
    let o = &report.meta;
    let mut md = format!(
        "Their time / ours: the median over {} interleaved rounds ({} warm-up rounds untimed) \
         of the ratio within a round, with its range; above 1: wasm-tlsf is faster. \
         Geomean: over the {} programs (range: the per-round geomeans). \
         Wall-clock, and CPU time (node's process, Chromium's renderer main thread), which leaves out the time other processes hold the CPU. \
         A fresh instance per run, one exported call per run.\n\n",
        o.rounds,
        o.warmup,
        o.programs.len()
    );
    let label = |a: &str| {
        let r = report.results.iter().find(|r| r.allocator == a);
        r.map_or(a.to_string(), |r| r.label.clone())
    };
    let opt = |p: &str| {
        if p == "3" {
            "3".to_string()
        } else {
            format!("\"{p}\"")
        }
    };
    let cols = vec!["--:"; o.programs.len()].join("|");
    for (engine, clock) in o.engines.iter().flat_map(|e| [(e, "wall"), (e, "cpu")]) {
        for profile in &o.profiles {
            let rows: Vec<&ProgramRow> = report
                .results
                .iter()
                .filter(|r| (&r.engine, r.clock.as_str(), &r.profile) == (engine, clock, profile))
                .collect();
            if rows.is_empty() {
                continue;
            }
            let ver = if engine == "node" {
                format!("node {}", o.node)
            } else {
                format!(
                    "headless Chromium {}",
                    o.chromium.as_deref().unwrap_or("null")
                )
            };
            let cpu = if clock == "cpu" { ", CPU time" } else { "" };
            md += &format!("#### {ver}{cpu}, opt-level {}\n\n", opt(profile));
            md += &format!(
                "| their time / ours | {} | geomean |\n|---|{cols}|--:|\n",
                o.programs.join(" | ")
            );
            for a in &o.allocators {
                let cells = cells(&o.programs, &rows, a, |f| {
                    if a != OURS {
                        let [m, lo, hi] = [f.ratio_median, f.ratio_min, f.ratio_max]
                            .map(|x| f2(x.unwrap_or(f64::NAN)));
                        return format!("{m} ({lo}-{hi})");
                    }
                    let cpu = f.median_cpu_ms.unwrap_or(f64::NAN);
                    format!("{} ms", f2(if clock == "cpu" { cpu } else { f.median_ms }))
                });
                let g = report.geomeans.iter().find(|g| {
                    (&g.engine, &g.profile, g.clock.as_str(), &g.allocator)
                        == (engine, profile, clock, a)
                });
                let gc = match g.and_then(|g| Some((g.geomean?, g))) {
                    _ if a == OURS => "1".to_string(),
                    Some((x, g)) => format!(
                        "**{}** ({}-{})",
                        f2(x),
                        f2(g.geomean_round_min.unwrap_or(f64::NAN)),
                        f2(g.geomean_round_max.unwrap_or(f64::NAN))
                    ),
                    None => String::new(),
                };
                md += &format!("| {} | {cells} | {gc} |\n", label(a));
            }
            md += "\n";
        }
    }
    // Pages at the end: the same in every engine run; the first one's.
    for profile in &o.profiles {
        let rows: Vec<&ProgramRow> = report
            .results
            .iter()
            .filter(|r| {
                Some(&r.engine) == o.engines.first() && &r.profile == profile && r.clock == "wall"
            })
            .collect();
        md += &format!(
            "#### Linear memory at the end of a run (64 KiB pages), opt-level {}\n\n| pages | {} |\n|---|{cols}|\n",
            opt(profile),
            o.programs.join(" | ")
        );
        for a in &o.allocators {
            let cells = cells(&o.programs, &rows, a, |f| f.pages.to_string());
            md += &format!("| {} | {cells} |\n", label(a));
        }
        md += "\n";
    }
    let loads = |l: &[f64]| l.iter().map(|x| f2(*x)).collect::<Vec<_>>().join(" ");
    let dirty = o.tlsf_dirty.then_some(" (with uncommitted changes)");
    let commit = match &o.tlsf_commit {
        Some(c) => format!(" at {}{}", &c[..c.len().min(10)], dirty.unwrap_or("")),
        None => String::new(),
    };
    md += &format!(
        "Load average (1 min) before / after: {} / {} on {} CPUs; wasm-tlsf from {}{commit}.\n",
        loads(&o.load_before),
        loads(&o.load_after),
        o.cpus,
        o.tlsf_dir
    );
    md
}

/// Every (program, allocator, profile, engine, clock) has its runs and
/// figures (so every allocator that finished every program has its
/// geomean); the runs found no problem. `all`: every program ran (no
/// `run.mjs` options given).
fn check_report(report: &Programs, all: bool) -> Result<()> {
    let mut problems = report.problems.clone();
    let meta = &report.meta;
    if all && meta.programs.len() < 7 {
        problems.push(format!(
            "{} programs in the report, 7 expected",
            meta.programs.len()
        ));
    }
    for r in &report.results {
        let what = format!(
            "{} ({}), opt-level {}, {}, {}",
            r.engine, r.clock, r.profile, r.program, r.allocator
        );
        let Some(f) = &r.figures else {
            // An allocator may run out of memory; ours and Rust's default
            // must finish.
            if r.allocator == OURS || r.allocator == "std" {
                problems.push(format!(
                    "{what}: failed: {}",
                    r.error.as_deref().unwrap_or("?")
                ));
            }
            continue;
        };
        if r.runs != meta.rounds {
            problems.push(format!("{what}: {} runs, {} expected", r.runs, meta.rounds));
        }
        // The medians lie between these.
        let figures = [
            ("min_ms", Some(f.min_ms)),
            ("max_ms", Some(f.max_ms)),
            ("ratio_min", f.ratio_min),
            ("ratio_max", f.ratio_max),
        ];
        for (key, x) in figures {
            if !x.is_some_and(|x| x > 0.0 && x.is_finite()) {
                problems.push(format!("{what}: {key} is {x:?}"));
            }
        }
        if f.pages == 0 {
            problems.push(format!("{what}: pages is 0"));
        }
    }
    crate::util::no_problems(
        "the real-program report is incomplete or inconsistent",
        &problems,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use bench_report::{ProgramRun, ProgramSamples, ProgramsMeta};

    /// Runs of every program by ours and Rust's default, node, opt-level
    /// 3: ours takes `ms` per run, the other twice as long.
    fn runs(rounds: usize) -> ProgramRuns {
        let meta = ProgramsMeta {
            allocators: vec![OURS.into(), "std".into()],
            engines: vec!["node".into()],
            profiles: vec!["3".into()],
            programs: (0..7).map(|p| format!("program {p}")).collect(),
            rounds,
            ..Default::default()
        };
        let samples = meta
            .programs
            .iter()
            .flat_map(|p| [(p, OURS, 1.0), (p, "std", 2.0)])
            .map(|(p, a, k)| ProgramSamples {
                allocator: a.into(),
                engine: "node".into(),
                profile: "3".into(),
                program: p.clone(),
                runs: (0..rounds)
                    .map(|r| ProgramRun {
                        checksum: Some("ab".into()),
                        cpu_ms: Some(k * (10.0 + r as f64)),
                        error: None,
                        ms: Some(k * (10.0 + r as f64)),
                        pages: Some(20),
                    })
                    .collect(),
            })
            .collect();
        ProgramRuns { meta, samples }
    }

    #[test]
    fn complete_runs_make_a_complete_report() {
        let report = analyse(runs(2));
        check_report(&report, true).unwrap();
        assert_eq!(report.results.len(), 28);
        let g = report
            .geomeans
            .iter()
            .find(|g| g.allocator == "std")
            .unwrap();
        assert_eq!(g.geomean, Some(2.0));
        assert!(
            markdown(&report).contains("| Rust's default (dlmalloc in std) | 2.00 (2.00-2.00) |")
        );
    }

    #[test]
    fn a_differing_checksum_fails() {
        let mut runs = runs(2);
        runs.samples[3].runs[1].checksum = Some("cd".into());
        let e = check_report(&analyse(runs), true).unwrap_err().to_string();
        assert!(e.contains("std's checksums ab, cd differ"), "{e}");
    }

    #[test]
    fn a_missing_run_or_ours_failing_fails() {
        let mut r = runs(2);
        r.samples[13].runs.pop();
        let e = check_report(&analyse(r), true).unwrap_err().to_string();
        assert!(
            e.contains("node (wall), opt-level 3, program 6, std: 1 runs, 2 expected"),
            "{e}"
        );
        let mut r = runs(2);
        r.samples[0].runs[0].error = Some("unreachable".into());
        let e = check_report(&analyse(r), true).unwrap_err().to_string();
        assert!(
            e.contains("program 0, wasm-tlsf: failed: unreachable"),
            "{e}"
        );
    }

    /// JavaScript's rounding of ties, which the saved tables have.
    #[test]
    fn two_decimals_round_ties_up() {
        assert_eq!(f2(0.125), "0.13");
        assert_eq!(f2(0.625), "0.63");
        assert_eq!(f2(1.005), "1.00");
        assert_eq!(f2(0.874), "0.87");
    }
}
