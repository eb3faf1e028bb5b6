//! The code-size report (`cargo xtask size [--check] [--save] [--baseline
//! OLD.json]`).
//!
//! Builds `size-bench/module` once per row and profile (opt-level "z", "s"
//! and 3; LTO, one codegen unit, panic=abort; one shared target directory),
//! removes its custom sections, and measures it with twiggy:
//!
//! - **total bytes**: the sum of twiggy's items for the stripped module;
//! - **allocator bytes**: total minus the `null` row's at the same profile
//!   and wasm-opt level (the program's own bytes);
//! - the same after `wasm-opt -Oz` and after `wasm-opt -O` (Debian's
//!   binaryen), stripped again;
//! - whether panic or formatting code reached the module (function names);
//! - for our rows, twiggy's per-function breakdown with the `null` row's
//!   items subtracted, so every allocator byte is named.
//!
//! Independent check: the stripped module's length (wasmparser's sections)
//! must equal twiggy's total, and the named items of the unstripped
//! module must add up to the same figure; otherwise the command fails.
//!
//! The terminal gets one summary table; `target/size-bench/report.md`,
//! `report.json` (fields documented in `size-bench/README.md`) and
//! `report.svg` get everything, the per-item breakdowns included.
//!
//! `--check` alone measures only what it judges (our rows and the baseline,
//! at every profile and wasm-opt level): the budgets of `budget.json`
//! (opt-level z and 3), no panic or formatting code in our rows, and the
//! committed report still true for those rows. Peers' rows change only with
//! their pinned versions or the toolchain, which `--save` records.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use crate::allocators::{Allocator, Has::Yes, ALLOCATORS, FEATURE_LEGEND};
use crate::numbers::{signed, table, thousands};
use crate::wasm::{forbidden_functions, strip};
use crate::{cargo, output, root, run};

/// Our default row: the one the budgets hold.
const OURS: &str = "wasm-tlsf";

/// What lol_alloc's free list gives up for its size (from its source:
/// `lol_alloc/src/free_list_allocator.rs`, 0.4.1).
const LOL_NOTE: &str = "lol_alloc's FreeListAllocator is smaller because it does less: \
    one address-sorted free list that every allocate and every free walks \
    (O(n) in free blocks, so each operation slows as the heap fragments), \
    and no realloc of its own (every resize copies).";

/// A profile of `size-bench/module` (its Cargo.toml defines them).
struct Profile {
    /// The key in the report: the opt-level.
    key: &'static str,
    /// The cargo profile.
    cargo: &'static str,
}

const PROFILES: [Profile; 3] = [
    Profile {
        key: "z",
        cargo: "release",
    },
    Profile {
        key: "s",
        cargo: "release-s",
    },
    Profile {
        key: "3",
        cargo: "speed",
    },
];

/// wasm-opt levels after the build: (key in the report, flag).
const WASM_OPT: [(&str, &str); 2] = [("Oz", "-Oz"), ("O", "-O")];

/// The table's columns: (profile, wasm-opt level or "none", header). The
/// combinations users ship: cargo's size profiles with `wasm-opt -Oz`, its
/// default release profile (opt-level 3) with `wasm-pack build`'s
/// `wasm-opt -O`. Every other combination is in the JSON.
const COLUMNS: [(&str, &str, &str); 5] = [
    ("z", "none", "z"),
    ("z", "Oz", "z + wasm-opt -Oz"),
    ("s", "none", "s"),
    ("3", "none", "3"),
    ("3", "O", "3 + wasm-opt -O"),
];

/// The profiles the budget holds.
const BUDGETED: [&str; 2] = ["z", "3"];

fn out_dir() -> PathBuf {
    root().join("target/size-bench")
}

/// `cargo build` of `size-bench/module` with `feature` (a comma-separated
/// list) in `profile`; the module is copied (with its name section) to
/// `target/size-bench/modules/` and that path returned.
fn build_module(feature: &str, profile: &str, quiet: bool) -> Result<PathBuf> {
    let manifest = root().join("size-bench/module/Cargo.toml");
    let mut c = cargo();
    c.args(["build", "--quiet", "--profile", profile])
        .args(["--target", "wasm32-unknown-unknown"])
        .args(["--features", feature, "--target-dir", "target"])
        .arg("--manifest-path")
        .arg(&manifest);
    if quiet {
        // `--quiet` prints nothing unless the build fails; cargo's error
        // then reaches the terminal.
        let status = c.stdout(Stdio::null()).status()?;
        if !status.success() {
            bail!("the `{feature}` row failed to build at profile {profile} ({status})");
        }
    } else {
        run(&mut c).with_context(|| format!("the `{feature}` row failed to build"))?;
    }
    let built = root().join(format!(
        "target/wasm32-unknown-unknown/{profile}/alloc_bench_module.wasm"
    ));
    let dir = out_dir().join("modules");
    std::fs::create_dir_all(&dir)?;
    let out = dir.join(format!("{}-{profile}.wasm", feature.replace(',', "+")));
    std::fs::copy(&built, &out)?;
    Ok(out)
}

/// Builds `size-bench/module` with `feature` (a comma-separated list) in
/// `profile` and returns a copy of the module (with its name section) under
/// `target/size-bench/modules/`.
pub fn build(feature: &str, profile: &str) -> Result<PathBuf> {
    build_module(feature, profile, false)
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

/// One row at one profile, measured.
struct Build {
    /// Stripped module bytes by wasm-opt level ("none", "Oz", "O").
    total: BTreeMap<&'static str, u64>,
    panics_or_fmt: Vec<String>,
    /// Named items of the module, custom sections left out.
    items: BTreeMap<String, u64>,
}

/// One row, measured at every profile.
struct Measured {
    row: &'static Allocator,
    version: String,
    builds: BTreeMap<&'static str, Build>,
}

/// `wasm-opt` at `flag`, features read from the module's `target_features`
/// section; returns the stripped result's length.
fn wasm_opt(named: &Path, key: &str, flag: &str) -> Result<u64> {
    let out = named.with_extension(format!("{key}.wasm"));
    output(
        Command::new("wasm-opt")
            .arg(flag)
            .arg("--detect-features")
            .arg(named)
            .arg("-o")
            .arg(&out),
    )
    .context("wasm-opt (Debian's binaryen; cargo xtask setup installs it)")?;
    Ok(strip(&std::fs::read(&out)?)?.len() as u64)
}

fn measure_build(row: &Allocator, profile: &Profile) -> Result<Build> {
    let named = build_module(row.id, profile.cargo, true)?;
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
            "{} at opt-level {}: twiggy counts {total} bytes, the stripped file has {}",
            row.id,
            profile.key,
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
            "{} at opt-level {}: the named module's non-custom items add up to \
             {named_total} bytes, the stripped module to {total}",
            row.id,
            profile.key
        );
    }
    let mut totals = BTreeMap::from([("none", total)]);
    for (key, flag) in WASM_OPT {
        totals.insert(key, wasm_opt(&named, key, flag)?);
    }
    Ok(Build {
        total: totals,
        panics_or_fmt: forbidden_functions(&bytes)?,
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

fn version(row: &Allocator, versions: &BTreeMap<String, String>) -> Result<String> {
    Ok(match row.krate {
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
    })
}

/// The budgets for our default row, by profile, from
/// `size-bench/budget.json`.
fn budgets() -> Result<Vec<(&'static str, i64)>> {
    let path = root().join("size-bench/budget.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&path)?)
        .with_context(|| format!("{}", path.display()))?;
    BUDGETED
        .iter()
        .map(|&p| {
            let b = v["opt_level"][p]["allocator_bytes"]
                .as_i64()
                .with_context(|| format!("{}: no opt_level.{p}.allocator_bytes", path.display()))?;
            Ok((p, b))
        })
        .collect()
}

/// The committed copy of the report that BENCHMARKS.md shows.
const SAVED: &str = "size-bench/results";

pub fn size(check: bool, save: bool, baseline: Option<&Path>) -> Result<()> {
    let started = Instant::now();
    // `--check` alone judges our rows: it measures those and the baseline.
    let full = !check || save || baseline.is_some();
    let rows_wanted: Vec<&'static Allocator> = ALLOCATORS
        .iter()
        .filter(|r| full || r.id == "null" || r.krate == "wasm-tlsf")
        .collect();
    let versions = locked_versions()?;
    let mut rows = Vec::new();
    let n = rows_wanted.len() * PROFILES.len();
    let mut i = 0;
    for &row in &rows_wanted {
        let mut builds = BTreeMap::new();
        for profile in &PROFILES {
            i += 1;
            eprint!(
                "size: [{i:>2}/{n}] {} at opt-level {} ...",
                row.id, profile.key
            );
            let t = Instant::now();
            builds.insert(profile.key, measure_build(row, profile)?);
            eprintln!(" {:.1}s", t.elapsed().as_secs_f64());
        }
        rows.push(Measured {
            row,
            version: version(row, &versions)?,
            builds,
        });
    }
    let null = rows
        .iter()
        .find(|m| m.row.id == "null")
        .context("null row")?;
    // The baseline's module bytes, by profile and wasm-opt level.
    let null_total: BTreeMap<(&str, &str), u64> = null
        .builds
        .iter()
        .flat_map(|(p, b)| b.total.iter().map(move |(o, &n)| ((*p, *o), n)))
        .collect();
    let null_items: BTreeMap<&str, BTreeMap<String, u64>> = null
        .builds
        .iter()
        .map(|(p, b)| (*p, b.items.clone()))
        .collect();
    let alloc_bytes =
        |m: &Measured, p: &str, o: &str| m.builds[p].total[o] as i64 - null_total[&(p, o)] as i64;

    let old: BTreeMap<String, Value> = match baseline {
        None => BTreeMap::new(),
        Some(p) => {
            let v: Value = serde_json::from_str(
                &std::fs::read_to_string(p).with_context(|| format!("{}", p.display()))?,
            )?;
            v["rows"]
                .as_array()
                .context("baseline: no rows")?
                .iter()
                .filter_map(|r| Some((r["id"].as_str()?.to_string(), r.clone())))
                .collect()
        }
    };
    // An old report's allocator bytes at a profile (schema 1 had opt-level
    // z only, as `allocator_bytes`).
    let old_bytes = |id: &str, p: &str| -> Option<i64> {
        let r = old.get(id)?;
        r["sizes"][p]["allocator_bytes"]["none"]
            .as_i64()
            .or_else(|| (p == "z").then(|| r["allocator_bytes"].as_i64()).flatten())
    };

    // The JSON rows.
    let mut json_rows = Vec::new();
    for m in &rows {
        let ours = m.row.krate == "wasm-tlsf";
        let mut sizes = serde_json::Map::new();
        for profile in &PROFILES {
            let p = profile.key;
            let b = &m.builds[p];
            let mut s = json!({
                "total_bytes": b.total,
                "allocator_bytes": b.total.keys().map(|&o| (o, alloc_bytes(m, p, o))).collect::<BTreeMap<_, _>>(),
                "panics_or_fmt": !b.panics_or_fmt.is_empty(),
                "panic_fmt_functions": b.panics_or_fmt,
            });
            if ours {
                // Every allocator byte, by twiggy item: this row's items
                // minus the baseline's.
                let base = &null_items[p];
                let mut by_item: Vec<(String, i64)> = b
                    .items
                    .iter()
                    .map(|(k, &v)| {
                        (
                            k.clone(),
                            v as i64 - base.get(k).copied().unwrap_or(0) as i64,
                        )
                    })
                    .chain(
                        base.iter()
                            .filter(|(k, _)| !b.items.contains_key(*k))
                            .map(|(k, &v)| (k.clone(), -(v as i64))),
                    )
                    .filter(|(_, d)| *d != 0)
                    .collect();
                by_item.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                let sum: i64 = by_item.iter().map(|(_, d)| d).sum();
                let alloc = alloc_bytes(m, p, "none");
                if sum != alloc {
                    bail!(
                        "{} at opt-level {p}: the breakdown adds up to {sum}, not {alloc}",
                        m.row.id
                    );
                }
                s["breakdown"] = by_item
                    .iter()
                    .map(|(k, d)| json!({"item": k, "bytes": d}))
                    .collect();
            }
            sizes.insert(p.to_string(), s);
        }
        let mut r = json!({
            "id": m.row.id,
            "name": format!("{} {}", m.row.krate, m.row.variant),
            "crate": m.row.krate,
            "version": m.version,
            "variant": m.row.variant,
            "ours": ours,
            "features": m.row.features.json(),
            "note": m.row.note,
            "allocator_bytes": alloc_bytes(m, "z", "none"),
            "sizes": sizes,
        });
        for p in BUDGETED {
            if let Some(o) = old_bytes(m.row.id, p) {
                r["baseline_allocator_bytes"][p] = json!(o);
                r["change_bytes"][p] = json!(alloc_bytes(m, p, "none") - o);
            }
        }
        json_rows.push(r);
    }

    // The summary table: the terminal's and the report's.
    let mut header: Vec<String> = ["allocator", "version", "features"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    header.extend(COLUMNS.iter().map(|c| c.2.to_string()));
    header.push("panic/fmt code".into());
    let mut right = vec![false, false, false];
    right.extend([true; COLUMNS.len()]);
    right.push(false);
    if baseline.is_some() {
        header.push("change (z / 3)".into());
        right.push(true);
    }
    let mut cells = Vec::new();
    for m in &rows {
        let ours = m.row.krate == "wasm-tlsf";
        let name = format!("{} {}", m.row.krate, m.row.variant);
        let mut r = vec![
            if ours { format!("**{name}**") } else { name },
            m.version.clone(),
            format!("`{}`", m.row.features.cell()),
        ];
        for (p, o, _) in COLUMNS {
            r.push(if m.row.id == "null" {
                format!("({})", thousands(m.builds[p].total[o] as i64))
            } else {
                thousands(alloc_bytes(m, p, o))
            });
        }
        let with_fmt: Vec<&str> = PROFILES
            .iter()
            .filter(|p| !m.builds[p.key].panics_or_fmt.is_empty())
            .map(|p| p.key)
            .collect();
        r.push(if with_fmt.is_empty() {
            "none".into()
        } else {
            format!("**yes** ({})", with_fmt.join(", "))
        });
        if baseline.is_some() {
            let change = |p| {
                old_bytes(m.row.id, p)
                    .map_or("new".into(), |o| signed(alloc_bytes(m, p, "none") - o))
            };
            r.push(format!("{} / {}", change("z"), change("3")));
        }
        cells.push(r);
    }
    let mut summary = String::from(
        "Allocator code bytes on wasm32: each row's stripped module minus the baseline's, \
         at the opt-level (z, s, 3) and wasm-opt level of each column; the baseline row \
         shows its own module bytes.\n\n",
    );
    summary += &table(&header, &right, &cells);
    summary += &format!("\n{FEATURE_LEGEND}.\n");

    // Where we stand, column by column, among allocators that free.
    let ours_m = rows.iter().find(|m| m.row.id == OURS).context("our row")?;
    let mut stand = String::new();
    for (p, o, head) in COLUMNS {
        let our = alloc_bytes(ours_m, p, o);
        let smaller: Vec<String> = rows
            .iter()
            .filter(|m| m.row.krate != "wasm-tlsf" && m.row.features.frees == Yes)
            .filter(|m| alloc_bytes(m, p, o) < our)
            .map(|m| {
                format!(
                    "{} {} ({})",
                    m.row.krate,
                    m.row.variant,
                    thousands(alloc_bytes(m, p, o))
                )
            })
            .collect();
        stand += &format!(
            "- {head}: ours {} B; smaller among allocators that free: {}\n",
            thousands(our),
            if smaller.is_empty() {
                "none".into()
            } else {
                smaller.join(", ")
            }
        );
    }
    let budgets = budgets()?;
    let mut budget_lines = String::new();
    for &(p, b) in &budgets {
        budget_lines += &format!(
            "Budget for our default row at opt-level {p} (`size-bench/budget.json`): {} B; measured {} B.\n",
            thousands(b),
            thousands(alloc_bytes(ours_m, p, "none"))
        );
    }

    // The terminal: the summary table and the verdicts.
    println!("{summary}");
    if full {
        println!("{stand}");
    }
    print!("{budget_lines}");

    let dir = out_dir();
    let saved = root().join(SAVED);
    if full {
        let mut md = summary.clone();
        let notes: Vec<String> = rows
            .iter()
            .filter(|m| !m.row.note.is_empty())
            .map(|m| format!("- {} {}: {}.", m.row.krate, m.row.variant, m.row.note))
            .collect();
        md += &format!("\nNotes:\n\n{}\n", notes.join("\n"));
        md += &format!("\nWhere we stand:\n\n{stand}");
        if rows.iter().any(|m| {
            m.row.id == "lol_alloc"
                && alloc_bytes(m, "z", "none") < alloc_bytes(ours_m, "z", "none")
        }) {
            md += &format!("\n{LOL_NOTE}\n");
        }
        md += &format!("\n{budget_lines}");
        // Our rows' breakdowns: one table per row, a column per profile.
        for r in json_rows.iter().filter(|r| r["ours"] == true) {
            let mut items: BTreeMap<String, [i64; 3]> = BTreeMap::new();
            for (i, profile) in PROFILES.iter().enumerate() {
                for b in r["sizes"][profile.key]["breakdown"]
                    .as_array()
                    .into_iter()
                    .flatten()
                {
                    let item = b["item"].as_str().unwrap_or("").to_string();
                    items.entry(item).or_default()[i] = b["bytes"].as_i64().unwrap_or(0);
                }
            }
            let mut items: Vec<(String, [i64; 3])> = items.into_iter().collect();
            items.sort_by(|a, b| {
                b.1[0]
                    .cmp(&a.1[0])
                    .then(b.1[2].cmp(&a.1[2]))
                    .then(a.0.cmp(&b.0))
            });
            let mut cells: Vec<Vec<String>> = items
                .iter()
                .map(|(k, v)| {
                    let mut c = vec![format!("`{k}`")];
                    c.extend(v.iter().map(|&n| thousands(n)));
                    c
                })
                .collect();
            let mut total = vec!["total".to_string()];
            total.extend(PROFILES.iter().map(|p| {
                thousands(
                    r["sizes"][p.key]["allocator_bytes"]["none"]
                        .as_i64()
                        .unwrap_or(0),
                )
            }));
            cells.push(total);
            md += &format!(
                "\nAllocator bytes of **{}**, by twiggy item (this module's items minus the baseline's):\n\n",
                r["name"].as_str().unwrap_or("")
            );
            md += &table(
                &["item", "opt-level z", "opt-level s", "opt-level 3"].map(String::from),
                &[false, true, true, true],
                &cells,
            );
        }

        std::fs::create_dir_all(&dir)?;
        let report = json!({
            "schema": 2,
            "method": "size-bench/module per row and profile (opt-level z, s, 3), LTO, 1 codegen unit, panic=abort, wasm32-unknown-unknown; custom sections removed; bytes = sum of twiggy top items; wasm-opt -Oz and -O on the built module, stripped again; allocator bytes = row minus the null row at the same profile and wasm-opt level",
            "rustc": output(Command::new("rustc").arg("--version"))?.trim(),
            "twiggy": output(Command::new("twiggy").arg("--version"))?.trim(),
            "wasm_opt": output(Command::new("wasm-opt").arg("--version"))?.trim(),
            "budget_allocator_bytes": budgets.iter().copied().collect::<BTreeMap<_, _>>(),
            "rows": json_rows,
        });
        std::fs::write(dir.join("report.md"), &md)?;
        std::fs::write(
            dir.join("report.json"),
            serde_json::to_string_pretty(&report)? + "\n",
        )?;
        chart(&report, &dir.join("report.svg"))?;
        eprintln!(
            "size: wrote {}/report.md, report.json, report.svg (per-item breakdowns and notes are there)",
            dir.display(),
        );
        if save {
            std::fs::create_dir_all(&saved)?;
            for f in ["report.md", "report.json", "report.svg"] {
                std::fs::copy(dir.join(f), saved.join(f))?;
            }
            eprintln!("size: saved the report to {SAVED}/ (commit it with the change it measures)");
        }
    } else {
        eprintln!(
            "size: --check measured our rows and the baseline only; `cargo xtask size` measures every row"
        );
    }

    if check {
        let mut failures = Vec::new();
        // The committed report (what BENCHMARKS.md shows) must still be true
        // for every row and figure measured here.
        let committed: Value = serde_json::from_str(
            &std::fs::read_to_string(saved.join("report.json"))
                .with_context(|| format!("{SAVED}/report.json"))?,
        )?;
        for r in &json_rows {
            let then = committed["rows"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|c| c["id"] == r["id"]);
            for profile in &PROFILES {
                let p = profile.key;
                let now = &r["sizes"][p]["allocator_bytes"];
                let was = then.map(|c| &c["sizes"][p]["allocator_bytes"]);
                if was != Some(now) {
                    failures.push(format!(
                        "{} at opt-level {p}: {SAVED}/report.json says {}, measured {now}; \
                         run `cargo xtask size --save` and commit the result",
                        r["id"],
                        was.map_or("nothing".into(), |v| v.to_string()),
                    ));
                }
            }
        }
        for &(p, b) in &budgets {
            let our = alloc_bytes(ours_m, p, "none");
            if our > b {
                failures.push(format!(
                    "our default row is {our} B at opt-level {p}, over its budget of {b} B \
                     (size-bench/budget.json)"
                ));
            }
        }
        // Formatting is the point of the debug-checks build (its messages);
        // every other build of ours must have none.
        for m in rows
            .iter()
            .filter(|m| m.row.krate == "wasm-tlsf" && m.row.id != "wasm-tlsf-debug-checks")
        {
            for (p, b) in &m.builds {
                if !b.panics_or_fmt.is_empty() {
                    failures.push(format!(
                        "{} at opt-level {p}: panic or formatting code: {:?}",
                        m.row.id, b.panics_or_fmt
                    ));
                }
            }
        }
        if !failures.is_empty() {
            bail!("size check failed:\n  {}", failures.join("\n  "));
        }
        for &(p, b) in &budgets {
            let our = alloc_bytes(ours_m, p, "none");
            if our < b {
                eprintln!(
                    "size: the opt-level {p} budget can come down to {our} B (edit size-bench/budget.json)"
                );
            }
        }
        eprintln!("size: check passed");
    }
    eprintln!("size: {:.0}s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Horizontal grouped bars: each row's allocator bytes in the table's five
/// columns, ours on a shaded band. The axis stops at `CAP` bytes so that the
/// small allocators stay readable; a longer bar is cut there, marked with a
/// break and labelled with its value.
fn chart(report: &Value, path: &Path) -> Result<()> {
    use plotters::prelude::*;
    use plotters::style::text_anchor::{HPos, Pos, VPos};

    const CAP: i64 = 10_000;
    let rows: Vec<(String, Vec<i64>, bool)> = report["rows"]
        .as_array()
        .context("rows")?
        .iter()
        .filter(|r| r["id"] != "null")
        .map(|r| {
            let bytes = COLUMNS
                .iter()
                .map(|(p, o, _)| r["sizes"][p]["allocator_bytes"][o].as_i64().unwrap_or(0))
                .collect();
            (
                r["name"].as_str().unwrap_or("").to_string(),
                bytes,
                r["ours"] == true,
            )
        })
        .collect();
    let max = rows
        .iter()
        .flat_map(|r| r.1.iter().copied())
        .max()
        .unwrap_or(1)
        .clamp(1, CAP);
    let x_end = max + max / 6;
    let n = rows.len();
    let bar = 9u32; // pixels per bar
    let band = bar * COLUMNS.len() as u32 + 12;
    // The label area fits the longest label: bold sans-serif at 13 px
    // averages under 7.5 px a character.
    let longest = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(10);
    let label_area = (longest as f64 * 7.5) as u32 + 16;
    let head_h = 60;
    let height = head_h + band * n as u32 + 60;
    let width = label_area + 720;
    let left = |size: u32| {
        TextStyle::from(("sans-serif", size).into_font()).pos(Pos::new(HPos::Left, VPos::Center))
    };
    let root_area = SVGBackend::new(path, (width, height)).into_drawing_area();
    root_area.fill(&WHITE)?;
    let colors = [
        RGBColor(31, 82, 150),
        RGBColor(120, 165, 220),
        RGBColor(120, 120, 120),
        RGBColor(196, 78, 30),
        RGBColor(240, 160, 110),
    ];
    // The title, then the legend (one entry per column), above the plot.
    let (head, plot) = root_area.split_vertically(head_h);
    head.draw(&Text::new(
        "Allocator code bytes on wasm32 (row minus the null baseline; stripped; twiggy)",
        (width as i32 / 2, 16),
        TextStyle::from(("sans-serif", 17).into_font()).pos(Pos::new(HPos::Center, VPos::Center)),
    ))?;
    let mut x = label_area as i32 + 12;
    let y = 46;
    for (j, (_, _, column)) in COLUMNS.iter().enumerate() {
        head.draw(&Rectangle::new(
            [(x, y - 5), (x + 14, y + 5)],
            colors[j].filled(),
        ))?;
        let text = format!("opt-level {column}");
        head.draw(&Text::new(text.clone(), (x + 19, y), left(12)))?;
        x += 19 + (text.len() as f64 * 6.6) as i32 + 18;
    }
    let mut chart = ChartBuilder::on(&plot)
        .margin(12)
        .margin_top(4)
        .x_label_area_size(36)
        .y_label_area_size(label_area)
        .build_cartesian_2d(0i64..x_end, 0f64..n as f64)?;
    // Row i's band is [n-1-i, n-i) on the y axis: the first row on top.
    let top = |i: usize| (n - i) as f64;
    let px = 1.0 / band as f64; // y units per pixel
    chart.draw_series(rows.iter().enumerate().filter(|r| r.1 .2).map(|(i, _)| {
        Rectangle::new(
            [(0, top(i) - 1.0), (x_end, top(i))],
            RGBColor(253, 240, 200).filled(),
        )
    }))?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_labels(8)
        .x_label_formatter(&|v| thousands(*v))
        .light_line_style(RGBColor(242, 242, 242))
        .x_desc("allocator bytes")
        .draw()?;
    for (i, (_, bytes, _)) in rows.iter().enumerate() {
        for (j, &b) in bytes.iter().enumerate() {
            let y1 = top(i) - (6 + bar * j as u32) as f64 * px;
            let y0 = y1 - (bar - 1) as f64 * px;
            let mid = (y0 + y1) / 2.0;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(0, y0), (b.min(x_end), y1)],
                colors[j].filled(),
            )))?;
            let mut end = b;
            if b > x_end {
                // A cut bar: a white break near its end.
                let cut = x_end - x_end / 40;
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(cut, y0), (cut + x_end / 200, y1)],
                    WHITE.filled(),
                )))?;
                end = cut;
            }
            if end > x_end - x_end / 10 {
                // No room after the bar: the value inside its end, dark on
                // the light colours.
                let ink = if j % 3 == 1 { BLACK } else { WHITE };
                let style = TextStyle::from(("sans-serif", 11).into_font())
                    .color(&ink)
                    .pos(Pos::new(HPos::Right, VPos::Center));
                let text = if b > x_end {
                    format!("{} »", thousands(b))
                } else {
                    thousands(b)
                };
                chart.draw_series(std::iter::once(Text::new(
                    text,
                    (end - x_end / 150, mid),
                    style,
                )))?;
            } else {
                chart.draw_series(std::iter::once(Text::new(
                    thousands(b),
                    (b + x_end / 200, mid),
                    left(11),
                )))?;
            }
        }
    }
    // Row labels, right-aligned against the plot, at each band's middle;
    // ours in bold.
    for (i, (name, _, ours)) in rows.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(0, top(i) - 0.5));
        let font = if *ours {
            ("sans-serif", 13, FontStyle::Bold).into_font()
        } else {
            ("sans-serif", 13).into_font()
        };
        let style = TextStyle::from(font).pos(Pos::new(HPos::Right, VPos::Center));
        // `backend_coord` is in the whole image's pixels.
        root_area.draw(&Text::new(name.clone(), (x - 8, y), style))?;
    }
    root_area.present()?;
    Ok(())
}
