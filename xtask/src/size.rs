//! `cargo xtask size [--check] [--baseline OLD.json]`: the code-size report.
//!
//! Builds `size-bench/module` once per row (opt-level "z", LTO, one codegen
//! unit, panic=abort; one shared target directory), removes its custom
//! sections, and measures it with twiggy:
//!
//! - **total bytes**: the sum of twiggy's items for the stripped module;
//! - **allocator bytes**: total minus the `null` row's (the program's own
//!   bytes);
//! - the same two after `wasm-opt -Oz` (Debian's binaryen);
//! - whether panic or formatting code reached the module (function names);
//! - for our rows, twiggy's per-function breakdown with the `null` row's
//!   items subtracted, so every allocator byte is named.
//!
//! Independent check: the stripped size computed by this file's own section
//! parser must equal twiggy's total, and the named items of the unstripped
//! module must add up to the same figure; otherwise the command fails.
//!
//! Writes `target/size-bench/report.md`, `report.json` (fields documented
//! in `size-bench/README.md`) and `report.svg`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use crate::util::{cargo, output, root, run};
use crate::wasmcheck;

/// One row of the report: one build of `size-bench/module`.
pub struct Row {
    /// The cargo feature of `size-bench/module` that picks the allocator;
    /// also the row's stable id in the JSON.
    pub id: &'static str,
    /// The crate the allocator comes from (its version is read from
    /// `size-bench/module/Cargo.lock`).
    pub krate: &'static str,
    /// Which of the crate's allocators, or how it is set up.
    pub variant: &'static str,
    /// A general-purpose allocator that frees memory (the baseline and the
    /// leaking bump allocator are not).
    pub frees: bool,
}

pub const ROWS: &[Row] = &[
    Row {
        id: "null",
        krate: "(none)",
        variant: "always returns null (baseline)",
        frees: false,
    },
    Row {
        id: "wasm-tlsf",
        krate: "wasm-tlsf",
        variant: "SmallGlobalTlsf",
        frees: true,
    },
    Row {
        id: "wasm-tlsf-stats",
        krate: "wasm-tlsf",
        variant: "SmallGlobalTlsf, feature stats",
        frees: true,
    },
    Row {
        id: "wasm-tlsf-debug-checks",
        krate: "wasm-tlsf",
        variant: "SmallGlobalTlsf, feature debug-checks (formats its messages)",
        frees: true,
    },
    Row {
        id: "rlsf",
        krate: "rlsf",
        variant: "SmallGlobalTlsf",
        frees: true,
    },
    Row {
        id: "rlsf-global",
        krate: "rlsf",
        variant: "GlobalTlsf",
        frees: true,
    },
    Row {
        id: "talc",
        krate: "talc",
        variant: "WasmDynamicTalc (its wasm README's set-up)",
        frees: true,
    },
    Row {
        id: "wee_alloc",
        krate: "wee_alloc",
        variant: "WeeAlloc",
        frees: true,
    },
    Row {
        id: "lol_alloc",
        krate: "lol_alloc",
        variant: "FreeListAllocator (single-threaded)",
        frees: true,
    },
    Row {
        id: "lol_alloc-leaking",
        krate: "lol_alloc",
        variant: "LeakingPageAllocator (never frees)",
        frees: false,
    },
    Row {
        id: "dlmalloc",
        krate: "dlmalloc",
        variant: "GlobalDlmalloc, used directly",
        frees: true,
    },
    Row {
        id: "std",
        krate: "std",
        variant: "default allocator (dlmalloc inside std)",
        frees: true,
    },
];

/// Our default row: the one the budget holds.
const OURS: &str = "wasm-tlsf";

/// What lol_alloc's free list gives up for its size (from its source:
/// `lol_alloc/src/free_list_allocator.rs`, 0.4.1).
const LOL_NOTE: &str = "lol_alloc's FreeListAllocator is smaller because it does less: \
    one address-sorted free list that every allocate and every free walks \
    (O(n) in free blocks, so each operation slows as the heap fragments), \
    and no realloc of its own (every resize copies).";

fn out_dir() -> PathBuf {
    root().join("target/size-bench")
}

/// Builds `size-bench/module` with `feature` (a comma-separated list) in
/// `profile` and returns a copy of the module (with its name section) under
/// `target/size-bench/modules/`.
pub fn build(feature: &str, profile: &str) -> Result<PathBuf> {
    let manifest = root().join("size-bench/module/Cargo.toml");
    run(cargo()
        .args(["build", "--quiet", "--profile", profile])
        .args(["--target", "wasm32-unknown-unknown"])
        .args(["--features", feature, "--target-dir", "target"])
        .arg("--manifest-path")
        .arg(&manifest))
    .with_context(|| format!("the `{feature}` row failed to build"))?;
    let built = root().join(format!(
        "target/wasm32-unknown-unknown/{profile}/alloc_bench_module.wasm"
    ));
    let dir = out_dir().join("modules");
    std::fs::create_dir_all(&dir)?;
    let out = dir.join(format!("{}-{profile}.wasm", feature.replace(',', "+")));
    std::fs::copy(&built, &out)?;
    Ok(out)
}

/// The module without its custom sections (names, producers, target
/// features): what a release build ships.
pub fn strip(wasm: &[u8]) -> Result<Vec<u8>> {
    if wasm.get(..8) != Some(b"\0asm\x01\0\0\0") {
        bail!("not a wasm module");
    }
    let mut out = wasm[..8].to_vec();
    let mut i = 8;
    while i < wasm.len() {
        let id = wasm[i];
        let mut j = i + 1;
        let mut len = 0usize;
        let mut shift = 0;
        loop {
            let b = *wasm.get(j).context("truncated section header")?;
            j += 1;
            len |= usize::from(b & 0x7f) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                break;
            }
        }
        let end = j + len;
        let section = wasm.get(i..end).context("truncated section")?;
        if id != 0 {
            out.extend_from_slice(section);
        }
        i = end;
    }
    Ok(out)
}

/// twiggy's items for a module: (name, bytes).
fn twiggy_items(wasm: &Path) -> Result<Vec<(String, u64)>> {
    let json = output(
        Command::new("twiggy")
            .args(["top", "-n", "1000000", "-f", "json"])
            .arg(wasm),
    )
    .context("twiggy is needed (cargo xtask setup installs it)")?;
    let items: Value = serde_json::from_str(&json).context("twiggy's JSON")?;
    items
        .as_array()
        .context("twiggy's JSON is not an array")?
        .iter()
        .map(|item| {
            Ok((
                item["name"].as_str().context("item name")?.to_string(),
                item["shallow_size"].as_u64().context("item size")?,
            ))
        })
        .collect()
}

/// Whether a twiggy item belongs to a custom section (absent once
/// stripped).
fn is_custom(name: &str) -> bool {
    // twiggy names them "custom section 'producers'", "custom section
    // 'name' headers", and the name section's parts "\"function names\"
    // subsection".
    name.starts_with("custom section ")
        || (name.starts_with('"') && name.ends_with("\" subsection"))
}

/// A twiggy item's name, made comparable across modules: types by their
/// signature (their index differs from module to module), functions
/// without the symbol hash.
fn item_key(name: &str) -> String {
    if let Some(rest) = name.strip_prefix("type[") {
        if let Some((_, sig)) = rest.split_once("]: ") {
            return format!("type {sig}");
        }
    }
    match name.rsplit_once("::h") {
        Some((path, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            path.to_string()
        }
        _ => name.to_string(),
    }
}

/// One row, measured.
struct Measured {
    row: &'static Row,
    version: String,
    total: u64,
    total_opt: u64,
    panics_or_fmt: Vec<String>,
    /// Named items of the module, custom sections left out.
    items: BTreeMap<String, u64>,
}

/// `wasm-opt -Oz`, features read from the module's `target_features`
/// section; the result stripped.
fn wasm_opt(named: &Path) -> Result<PathBuf> {
    let out = named.with_extension("opt.wasm");
    run(Command::new("wasm-opt")
        .arg("-Oz")
        .arg("--detect-features")
        .arg(named)
        .arg("-o")
        .arg(&out))
    .context("wasm-opt (Debian's binaryen; cargo xtask setup installs it)")?;
    let stripped = out.with_extension("stripped.wasm");
    std::fs::write(&stripped, strip(&std::fs::read(&out)?)?)?;
    Ok(stripped)
}

fn measure_row(row: &'static Row, versions: &BTreeMap<String, String>) -> Result<Measured> {
    let named = build(row.id, "release")?;
    let bytes = std::fs::read(&named)?;
    let stripped = named.with_extension("stripped.wasm");
    let stripped_bytes = strip(&bytes)?;
    std::fs::write(&stripped, &stripped_bytes)?;

    // twiggy on the stripped module: the figure we report.
    let total: u64 = twiggy_items(&stripped)?.iter().map(|(_, n)| n).sum();
    // The independent checks: our own section parser, and the named
    // module's items without its custom sections.
    if total != stripped_bytes.len() as u64 {
        bail!(
            "{}: twiggy counts {total} bytes, the stripped file has {}",
            row.id,
            stripped_bytes.len()
        );
    }
    let mut items = BTreeMap::new();
    for (name, n) in twiggy_items(&named)? {
        if !is_custom(&name) {
            *items.entry(item_key(&name)).or_insert(0) += n;
        }
    }
    let named_total: u64 = items.values().sum();
    if named_total != total {
        bail!(
            "{}: the named module's non-custom items add up to {named_total} bytes, \
             the stripped module to {total}",
            row.id
        );
    }

    let total_opt = std::fs::metadata(wasm_opt(&named)?)?.len();
    let panics_or_fmt = wasmcheck::forbidden_functions(&bytes)?;
    let version = match row.krate {
        "(none)" => "-".to_string(),
        "std" => output(Command::new("rustc").arg("--version"))?
            .split_whitespace()
            .nth(1)
            .unwrap_or("?")
            .to_string(),
        k => versions
            .get(k)
            .cloned()
            .with_context(|| format!("{k} is not in size-bench/module/Cargo.lock"))?,
    };
    Ok(Measured {
        row,
        version,
        total,
        total_opt,
        panics_or_fmt,
        items,
    })
}

/// Crate versions from `size-bench/module/Cargo.lock`.
fn locked_versions() -> Result<BTreeMap<String, String>> {
    let lock = std::fs::read_to_string(root().join("size-bench/module/Cargo.lock"))?;
    let mut versions = BTreeMap::new();
    let mut name = None;
    for line in lock.lines() {
        if let Some(n) = line.strip_prefix("name = ") {
            name = Some(n.trim_matches('"').to_string());
        } else if let (Some(v), Some(n)) = (line.strip_prefix("version = "), name.take()) {
            versions.insert(n, v.trim_matches('"').to_string());
        }
    }
    Ok(versions)
}

/// The budget for our default row, from `size-bench/budget.json`.
fn budget() -> Result<u64> {
    let path = root().join("size-bench/budget.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&path)?)
        .with_context(|| format!("{}", path.display()))?;
    v["allocator_bytes"]
        .as_u64()
        .with_context(|| format!("{}: no allocator_bytes", path.display()))
}

fn signed(d: i64) -> String {
    if d > 0 {
        format!("+{d}")
    } else {
        d.to_string()
    }
}

/// The committed copy of the report that the README shows.
const SAVED: &str = "size-bench/results";

pub fn size(check: bool, save: bool, baseline: Option<&Path>) -> Result<()> {
    let started = std::time::Instant::now();
    let versions = locked_versions()?;
    let mut rows = Vec::new();
    for row in ROWS {
        eprintln!("--- {}", row.id);
        rows.push(measure_row(row, &versions)?);
    }
    let null = rows
        .iter()
        .find(|m| m.row.id == "null")
        .context("null row")?;
    let (null_total, null_opt, null_items) = (null.total, null.total_opt, null.items.clone());

    let old: BTreeMap<String, i64> = match baseline {
        None => BTreeMap::new(),
        Some(p) => {
            let v: Value = serde_json::from_str(
                &std::fs::read_to_string(p).with_context(|| format!("{}", p.display()))?,
            )?;
            v["rows"]
                .as_array()
                .context("baseline: no rows")?
                .iter()
                .filter_map(|r| {
                    Some((
                        r["id"].as_str()?.to_string(),
                        r["allocator_bytes"].as_i64()?,
                    ))
                })
                .collect()
        }
    };

    // The table.
    let mut md = String::from(
        "| allocator | version | frees | module bytes | allocator bytes | after wasm-opt -Oz | panic/fmt code |",
    );
    let mut sep = String::from("|---|---|---|--:|--:|--:|---|");
    if baseline.is_some() {
        md += " change |";
        sep += "--:|";
    }
    md += "\n";
    md += &sep;
    md += "\n";
    let mut json_rows = Vec::new();
    for m in &rows {
        let alloc = m.total as i64 - null_total as i64;
        let alloc_opt = m.total_opt as i64 - null_opt as i64;
        let ours = m.row.krate == "wasm-tlsf";
        let name = format!("{} {}", m.row.krate, m.row.variant);
        let shown = if ours {
            format!("**{name}**")
        } else {
            name.clone()
        };
        md += &format!(
            "| {shown} | {} | {} | {} | {} | {} | {} |",
            m.version,
            if m.row.frees { "yes" } else { "no" },
            m.total,
            if m.row.id == "null" {
                "(baseline)".into()
            } else {
                alloc.to_string()
            },
            if m.row.id == "null" {
                "(baseline)".into()
            } else {
                alloc_opt.to_string()
            },
            if m.panics_or_fmt.is_empty() {
                "none"
            } else {
                "**yes**"
            },
        );
        if baseline.is_some() {
            md += &match old.get(m.row.id) {
                Some(&o) => format!(" {} |", signed(alloc - o)),
                None => " new |".into(),
            };
        }
        md += "\n";
        let mut r = json!({
            "id": m.row.id,
            "name": name,
            "crate": m.row.krate,
            "version": m.version,
            "variant": m.row.variant,
            "ours": ours,
            "frees": m.row.frees,
            "total_bytes": m.total,
            "allocator_bytes": alloc,
            "total_bytes_wasm_opt": m.total_opt,
            "allocator_bytes_wasm_opt": alloc_opt,
            "panics_or_fmt": !m.panics_or_fmt.is_empty(),
            "panic_fmt_functions": m.panics_or_fmt,
        });
        if let Some(&o) = old.get(m.row.id) {
            r["baseline_allocator_bytes"] = json!(o);
            r["change_bytes"] = json!(alloc - o);
        }
        if ours {
            // Every allocator byte, by twiggy item: this row's items minus
            // the baseline's.
            let mut by_item: Vec<(String, i64)> = m
                .items
                .iter()
                .map(|(k, &v)| {
                    (
                        k.clone(),
                        v as i64 - null_items.get(k).copied().unwrap_or(0) as i64,
                    )
                })
                .chain(
                    null_items
                        .iter()
                        .filter(|(k, _)| !m.items.contains_key(*k))
                        .map(|(k, &v)| (k.clone(), -(v as i64))),
                )
                .filter(|(_, d)| *d != 0)
                .collect();
            by_item.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let sum: i64 = by_item.iter().map(|(_, d)| d).sum();
            if sum != alloc {
                bail!("{}: the breakdown adds up to {sum}, not {alloc}", m.row.id);
            }
            r["breakdown"] = by_item
                .iter()
                .map(|(k, d)| json!({"item": k, "bytes": d}))
                .collect();
        }
        json_rows.push(r);
    }

    // Our rows' breakdowns.
    for r in json_rows.iter().filter(|r| r["ours"] == true) {
        md += &format!(
            "\n{} allocator bytes of **{}**, by twiggy item (this module's items minus the baseline's):\n\n| item | bytes |\n|---|--:|\n",
            r["allocator_bytes"], r["name"].as_str().unwrap_or("")
        );
        for b in r["breakdown"].as_array().into_iter().flatten() {
            md += &format!(
                "| `{}` | {} |\n",
                b["item"].as_str().unwrap_or(""),
                b["bytes"]
            );
        }
    }

    // Where we stand.
    let ours = json_rows
        .iter()
        .find(|r| r["id"] == OURS)
        .context("our row")?;
    let our_bytes = ours["allocator_bytes"].as_i64().unwrap_or(i64::MAX);
    let smaller: Vec<String> = json_rows
        .iter()
        .filter(|r| r["frees"] == true && r["ours"] == false)
        .filter(|r| r["allocator_bytes"].as_i64().unwrap_or(i64::MAX) < our_bytes)
        .map(|r| {
            format!(
                "{} ({} B)",
                r["name"].as_str().unwrap_or(""),
                r["allocator_bytes"]
            )
        })
        .collect();
    md += "\n";
    if smaller.is_empty() {
        md += &format!(
            "Our default row ({our_bytes} B) is the smallest allocator that frees memory.\n"
        );
    } else {
        md += &format!(
            "Smaller than our default row ({our_bytes} B) among allocators that free: {}.\n",
            smaller.join(", ")
        );
    }
    if smaller.iter().any(|s| s.starts_with("lol_alloc")) {
        md += &format!("\n{LOL_NOTE}\n");
    }
    let budget = budget()?;
    md += &format!(
        "\nBudget for our default row (`size-bench/budget.json`): {budget} B; measured {our_bytes} B.\n"
    );

    println!("{md}");
    let dir = out_dir();
    std::fs::create_dir_all(&dir)?;
    let report = json!({
        "schema": 1,
        "method": "size-bench/module per row: opt-level z, LTO, 1 codegen unit, panic=abort, wasm32-unknown-unknown; custom sections removed; bytes = sum of twiggy top items; allocator bytes = row minus the null row",
        "rustc": output(Command::new("rustc").arg("--version"))?.trim(),
        "twiggy": output(Command::new("twiggy").arg("--version"))?.trim(),
        "wasm_opt": output(Command::new("wasm-opt").arg("--version"))?.trim(),
        "budget_allocator_bytes": budget,
        "rows": json_rows,
    });
    std::fs::write(dir.join("report.md"), &md)?;
    std::fs::write(
        dir.join("report.json"),
        serde_json::to_string_pretty(&report)?,
    )?;
    chart(&report, &dir.join("report.svg"))?;
    eprintln!(
        "wrote {0}/report.md, report.json, report.svg ({1:.0}s)",
        dir.display(),
        started.elapsed().as_secs_f64()
    );

    let saved = root().join(SAVED);
    if save {
        std::fs::create_dir_all(&saved)?;
        for f in ["report.md", "report.json", "report.svg"] {
            std::fs::copy(dir.join(f), saved.join(f))?;
        }
        // BENCHMARKS.md's size section is the saved report.md.
        crate::benchmarks::write_section(
            "size",
            &std::fs::read_to_string(saved.join("report.md"))?,
        )?;
        eprintln!("saved the report to {SAVED}/ (commit it with the change it measures)");
    }

    if check {
        let mut failures = Vec::new();
        // The committed report (what the README shows) must still be true.
        let committed: Value = serde_json::from_str(
            &std::fs::read_to_string(saved.join("report.json"))
                .with_context(|| format!("{SAVED}/report.json"))?,
        )?;
        for r in &json_rows {
            let then = committed["rows"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|c| c["id"] == r["id"])
                .map(|c| &c["allocator_bytes"]);
            if then != Some(&r["allocator_bytes"]) {
                failures.push(format!(
                    "{}: {SAVED}/report.json says {} allocator bytes, measured {}; \
                     run `cargo xtask size --save` and commit the result",
                    r["id"],
                    then.map_or("nothing".into(), |v| v.to_string()),
                    r["allocator_bytes"]
                ));
            }
        }
        if our_bytes > budget as i64 {
            failures.push(format!(
                "our default row is {our_bytes} B, over its budget of {budget} B (size-bench/budget.json)"
            ));
        }
        // Formatting is the point of the debug-checks build (its messages);
        // every other build of ours must have none.
        for r in json_rows.iter().filter(|r| {
            r["ours"] == true && r["id"] != "wasm-tlsf-debug-checks" && r["panics_or_fmt"] == true
        }) {
            failures.push(format!(
                "{}: panic or formatting code: {}",
                r["id"], r["panic_fmt_functions"]
            ));
        }
        if !failures.is_empty() {
            bail!("size check failed:\n  {}", failures.join("\n  "));
        }
        if our_bytes < budget as i64 {
            eprintln!(
                "size check passed; the budget can come down to {our_bytes} B (edit size-bench/budget.json)"
            );
        } else {
            eprintln!("size check passed ({our_bytes} B, budget {budget} B)");
        }
    }
    Ok(())
}

/// A horizontal bar chart of allocator bytes, ours highlighted.
fn chart(report: &Value, path: &Path) -> Result<()> {
    use plotters::prelude::*;
    use plotters::style::text_anchor::{HPos, Pos, VPos};

    let rows: Vec<(String, i64, bool)> = report["rows"]
        .as_array()
        .context("rows")?
        .iter()
        .filter(|r| r["id"] != "null")
        .map(|r| {
            (
                r["name"].as_str().unwrap_or("").to_string(),
                r["allocator_bytes"].as_i64().unwrap_or(0),
                r["ours"] == true,
            )
        })
        .collect();
    let max = rows.iter().map(|r| r.1).max().unwrap_or(1).max(1);
    let n = rows.len();
    // Segment i holds row n-1-i, so the first row is drawn at the top.
    let at = |i: usize| n - 1 - i;
    let height = 70 + 32 * n as u32;
    let root_area = SVGBackend::new(path, (960, height)).into_drawing_area();
    root_area.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root_area)
        .caption(
            "Allocator code bytes on wasm32 (opt-level z, LTO; twiggy; row minus null baseline)",
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(34)
        .y_label_area_size(330)
        .build_cartesian_2d(0i64..max + max / 8, (0..n - 1).into_segmented())?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(n)
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) if *i < n => rows[at(*i)].0.clone(),
            _ => String::new(),
        })
        .x_desc("allocator bytes")
        .draw()?;
    let ours_color = RGBColor(214, 77, 38);
    let peer_color = RGBColor(110, 130, 160);
    // Bars drawn one by one, in row order: plotters' `Histogram` gathers
    // its bars in a hash map, which made the SVG's element order (and so
    // the committed file) change from run to run.
    chart.draw_series(rows.iter().enumerate().map(|(i, r)| {
        let style = if r.2 {
            ours_color.filled()
        } else {
            peer_color.filled()
        };
        let mut bar = Rectangle::new(
            [
                (0, SegmentValue::Exact(at(i))),
                (r.1, SegmentValue::Exact(at(i) + 1)),
            ],
            style,
        );
        bar.set_margin(5, 5, 0, 0);
        bar
    }))?;
    let label =
        TextStyle::from(("sans-serif", 13).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    chart.draw_series(rows.iter().enumerate().map(|(i, (_, bytes, _))| {
        Text::new(
            format!("{bytes}"),
            (*bytes + max / 100, SegmentValue::CenterOf(at(i))),
            label.clone(),
        )
    }))?;
    root_area.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn strip_drops_custom_sections() {
        // header, a custom section of 3 bytes, a type section of 2 bytes
        let m = b"\0asm\x01\0\0\0\x00\x03\x01ab\x01\x02\x01\x00";
        assert_eq!(&super::strip(m).unwrap()[8..], b"\x01\x02\x01\x00");
    }
}
