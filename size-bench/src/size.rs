//! `cargo xtask size [--check] [--save] [--baseline OLD.json]`: builds
//! `size-bench/module` once per row and opt-level (z, s, 3), strips it,
//! measures it with twiggy, with and without wasm-opt, cross-checks the
//! figures (wasmparser's length of the stripped module, the named module's
//! items), writes the report (`target/size-bench/`) and checks the budget.
//! `size-bench/README.md` describes the method and every figure; `--check`
//! alone measures only what it judges (our rows and the baseline).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::allocators::{Allocator, ALLOCATORS};
use crate::cmd::{cargo, locked_versions, output, read_json, root, run};
use crate::report::{self, Item, Row, SizeReport, Sizes, BUDGETED, PROFILES, SCHEMA};
use crate::wasm::{forbidden_functions, strip};

/// Our default row: the one the budgets hold.
const OURS: &str = "wasm-tlsf";

/// The committed copy of the report that BENCHMARKS.md shows.
const SAVED: &str = "size-bench/results";

/// wasm-opt levels after the build: (key in the report, flag).
const WASM_OPT: [(&str, &str); 2] = [("Oz", "-Oz"), ("O", "-O")];

/// The cargo profile of an opt-level (`size-bench/module/Cargo.toml`).
fn cargo_profile(opt_level: &str) -> &'static str {
    match opt_level {
        "z" => "release",
        "s" => "release-s",
        _ => "speed",
    }
}

fn out_dir() -> PathBuf {
    root().join("target/size-bench")
}

/// Builds `size-bench/module` with allocator `id`'s feature in cargo
/// profile `profile` and returns a copy of the module (with its name
/// section) under `target/size-bench/modules/`; `quiet`: nothing on the
/// terminal unless the build fails.
pub fn build(id: &str, profile: &str, quiet: bool) -> Result<PathBuf> {
    let mut c = cargo();
    c.args(["build", "--quiet", "--profile", profile])
        .args(["--target", "wasm32-unknown-unknown"])
        .args(["--features", id, "--target-dir", "target"])
        .arg("--manifest-path")
        .arg(root().join("size-bench/module/Cargo.toml"));
    if quiet {
        output(&mut c).map(drop)
    } else {
        run(&mut c)
    }
    .with_context(|| format!("the `{id}` row failed to build at profile {profile}"))?;
    let built = root().join(format!(
        "target/wasm32-unknown-unknown/{profile}/alloc_bench_module.wasm"
    ));
    let dir = out_dir().join("modules");
    std::fs::create_dir_all(&dir)?;
    let out = dir.join(format!("{id}-{profile}.wasm"));
    std::fs::copy(&built, &out)?;
    Ok(out)
}

/// twiggy's items for a module: (name, bytes).
fn twiggy_items(wasm: &Path) -> Result<Vec<(String, u64)>> {
    #[derive(Deserialize)]
    struct TwiggyItem {
        name: String,
        shallow_size: u64,
    }
    let json = output(
        Command::new("twiggy")
            .args(["top", "-n", "1000000", "-f", "json"])
            .arg(wasm),
    )
    .context("twiggy is needed (cargo xtask setup installs it)")?;
    let items: Vec<TwiggyItem> = serde_json::from_str(&json).context("twiggy's JSON")?;
    Ok(items
        .into_iter()
        .map(|i| (i.name, i.shallow_size))
        .collect())
}

/// Whether a twiggy item belongs to a custom section (absent once
/// stripped): twiggy names them "custom section 'producers'", "custom
/// section 'name' headers", and the name section's parts "\"function
/// names\" subsection".
fn is_custom(name: &str) -> bool {
    name.starts_with("custom section ")
        || (name.starts_with('"') && name.ends_with("\" subsection"))
}

/// A twiggy item's name, made comparable across modules: types by their
/// signature (their index differs from module to module), functions
/// without the symbol hash.
fn item_key(name: &str) -> String {
    if let Some((_, sig)) = name.strip_prefix("type[").and_then(|r| r.split_once("]: ")) {
        return format!("type {sig}");
    }
    match name.rsplit_once("::h") {
        Some((path, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            path.to_string()
        }
        _ => name.to_string(),
    }
}

/// One row at one profile, measured: its sizes (the allocator bytes and
/// breakdown are filled in against the baseline) and its named items,
/// custom sections left out.
type Build = (Sizes, BTreeMap<String, u64>);

/// `wasm-opt` at `flag`, features read from the module's `target_features`
/// section; returns the stripped result's length.
fn wasm_opt(named: &Path, key: &str, flag: &str) -> Result<u64> {
    let out = named.with_extension(format!("{key}.wasm"));
    output(
        Command::new("wasm-opt")
            .args([flag, "--detect-features"])
            .arg(named)
            .arg("-o")
            .arg(&out),
    )
    .context("wasm-opt (Debian's binaryen; cargo xtask setup installs it)")?;
    Ok(strip(&std::fs::read(&out)?)?.len() as u64)
}

fn measure(row: &Allocator, opt_level: &str) -> Result<Build> {
    let named = build(row.id, cargo_profile(opt_level), true)?;
    let bytes = std::fs::read(&named)?;
    let stripped = named.with_extension("stripped.wasm");
    let stripped_bytes = strip(&bytes)?;
    std::fs::write(&stripped, &stripped_bytes)?;
    let at = format!("{} at opt-level {opt_level}", row.id);

    // twiggy on the stripped module: the figure we report.
    let total: u64 = twiggy_items(&stripped)?.iter().map(|(_, n)| n).sum();
    // The independent checks: wasmparser's sections, and the named
    // module's items without its custom sections.
    if total != stripped_bytes.len() as u64 {
        bail!(
            "{at}: twiggy counts {total} bytes, the stripped file has {}",
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
            "{at}: the named module's non-custom items add up to {named_total} bytes, \
             the stripped module to {total}"
        );
    }
    let mut total_bytes = BTreeMap::from([("none".to_string(), total)]);
    for (key, flag) in WASM_OPT {
        total_bytes.insert(key.to_string(), wasm_opt(&named, key, flag)?);
    }
    let panic_fmt_functions = forbidden_functions(&bytes)?;
    let sizes = Sizes {
        total_bytes,
        allocator_bytes: BTreeMap::new(),
        panics_or_fmt: !panic_fmt_functions.is_empty(),
        panic_fmt_functions,
        breakdown: Vec::new(),
    };
    Ok((sizes, items))
}

/// `program --version`, trimmed.
fn version_of(program: &str) -> Result<String> {
    Ok(output(Command::new(program).arg("--version"))?
        .trim()
        .to_string())
}

fn version(row: &Allocator, versions: &BTreeMap<String, Vec<String>>) -> Result<String> {
    Ok(match row.krate {
        "(none)" => "-".to_string(),
        "std" => version_of("rustc")?
            .split_whitespace()
            .nth(1)
            .unwrap_or("?")
            .to_string(),
        k => versions
            .get(k)
            .map(|v| v[0].clone())
            .with_context(|| format!("{k} is not in size-bench/module/Cargo.lock"))?,
    })
}

/// The budgets for our default row, by profile, from
/// `size-bench/budget.json` (`opt_level.<p>.allocator_bytes`).
fn budgets() -> Result<BTreeMap<String, i64>> {
    #[derive(Deserialize)]
    struct Budget {
        opt_level: BTreeMap<String, Entry>,
    }
    #[derive(Deserialize)]
    struct Entry {
        allocator_bytes: i64,
    }
    let path = root().join("size-bench/budget.json");
    let budget: Budget = read_json(&path)?;
    BUDGETED
        .iter()
        .map(|&p| {
            let b = budget.opt_level.get(p);
            let b = b.with_context(|| format!("{}: no opt_level.{p}", path.display()))?;
            Ok((p.to_string(), b.allocator_bytes))
        })
        .collect()
}

/// A row's entry in the report: the measured builds less the baseline's.
fn row_of(
    a: &Allocator,
    version: String,
    builds: BTreeMap<&str, Build>,
    null: &BTreeMap<&str, Build>,
) -> Row {
    let mut sizes = BTreeMap::new();
    for (p, (mut s, items)) in builds {
        let (base, base_items) = &null[p];
        for (o, &n) in &s.total_bytes {
            s.allocator_bytes
                .insert(o.clone(), n as i64 - base.total_bytes[o] as i64);
        }
        if a.ours() {
            // Every allocator byte, by twiggy item: this row's items minus
            // the baseline's. They add up to the allocator bytes, as each
            // module's items add up to its total (checked in `measure`).
            let keys: std::collections::BTreeSet<&String> =
                items.keys().chain(base_items.keys()).collect();
            for k in keys {
                let bytes =
                    *items.get(k).unwrap_or(&0) as i64 - *base_items.get(k).unwrap_or(&0) as i64;
                if bytes != 0 {
                    s.breakdown.push(Item {
                        item: k.clone(),
                        bytes,
                    });
                }
            }
            s.breakdown
                .sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.item.cmp(&b.item)));
        }
        sizes.insert(p.to_string(), s);
    }
    Row {
        id: a.id.into(),
        name: a.name(),
        krate: a.krate.into(),
        version,
        variant: a.variant.into(),
        ours: a.ours(),
        features: a.features(),
        note: a.note.into(),
        allocator_bytes: sizes["z"].allocator_bytes["none"],
        sizes,
        baseline_allocator_bytes: BTreeMap::new(),
        change_bytes: BTreeMap::new(),
    }
}

pub fn size(check: bool, save: bool, baseline: Option<&Path>) -> Result<()> {
    let started = Instant::now();
    // `--check` alone judges our rows: it measures those and the baseline.
    let full = !check || save || baseline.is_some();
    let wanted: Vec<&Allocator> = ALLOCATORS
        .iter()
        .filter(|a| full || a.id == "null" || a.ours())
        .collect();
    let versions = locked_versions("size-bench/module/Cargo.lock")?;
    let n = wanted.len() * PROFILES.len();
    let mut measured = Vec::new();
    for (i, &a) in wanted.iter().enumerate() {
        let mut builds = BTreeMap::new();
        for (j, p) in PROFILES.into_iter().enumerate() {
            eprint!(
                "size: [{:>2}/{n}] {} at opt-level {p} ...",
                i * PROFILES.len() + j + 1,
                a.id
            );
            let t = Instant::now();
            builds.insert(p, measure(a, p)?);
            eprintln!(" {:.1}s", t.elapsed().as_secs_f64());
        }
        measured.push((a, version(a, &versions)?, builds));
    }
    let null = measured
        .iter()
        .find(|m| m.0.id == "null")
        .context("null row")?
        .2
        .clone();
    let mut rows: Vec<Row> = measured
        .into_iter()
        .map(|(a, v, b)| row_of(a, v, b, &null))
        .collect();
    if let Some(path) = baseline {
        let old: SizeReport = read_json(path)?;
        for r in &mut rows {
            for p in BUDGETED {
                if let Some(o) = old.row(&r.id).and_then(|o| o.sizes.get(p)) {
                    let o = o.allocator_bytes["none"];
                    r.baseline_allocator_bytes.insert(p.into(), o);
                    r.change_bytes.insert(p.into(), r.bytes(p, "none") - o);
                }
            }
        }
    }
    let report = SizeReport {
        schema: SCHEMA,
        method: "size-bench/module per row and profile (opt-level z, s, 3), LTO, 1 codegen unit, panic=abort, wasm32-unknown-unknown; custom sections removed; bytes = sum of twiggy top items; wasm-opt -Oz and -O on the built module, stripped again; allocator bytes = row minus the null row at the same profile and wasm-opt level".into(),
        rustc: version_of("rustc")?,
        twiggy: version_of("twiggy")?,
        wasm_opt: version_of("wasm-opt")?,
        budget_allocator_bytes: budgets()?,
        rows,
    };
    let ours = report.row(OURS).context("our row")?;

    // The terminal: the summary table and the verdicts.
    println!("{}", report::summary(&report));
    if full {
        println!("{}", report::standing(&report, ours));
    }
    print!("{}", report::budget_lines(&report, ours));

    let saved = root().join(SAVED);
    if full {
        let dir = out_dir();
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join("report.md"), report::markdown(&report, ours))?;
        std::fs::write(
            dir.join("report.json"),
            serde_json::to_string_pretty(&report)? + "\n",
        )?;
        crate::chart::chart(&report, &dir.join("report.svg"))?;
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
        self::check(&report, ours, &read_json(&saved.join("report.json"))?)?;
    }
    eprintln!("size: {:.0}s", started.elapsed().as_secs_f64());
    Ok(())
}

/// `--check`: the committed report still true for every row measured, our
/// default row within its budgets, and no panic or formatting code in our
/// rows (but the debug-checks build, whose messages are the point).
fn check(report: &SizeReport, ours: &Row, committed: &SizeReport) -> Result<()> {
    let mut failures = Vec::new();
    for r in &report.rows {
        for p in PROFILES {
            let now = &r.sizes[p].allocator_bytes;
            let was = committed
                .row(&r.id)
                .and_then(|c| c.sizes.get(p))
                .map(|s| &s.allocator_bytes);
            if was != Some(now) {
                failures.push(format!(
                    "{} at opt-level {p}: {SAVED}/report.json says {was:?}, measured {now:?}; \
                     run `cargo xtask size --save` and commit the result",
                    r.id
                ));
            }
        }
        if r.ours && r.id != "wasm-tlsf-debug-checks" {
            for (p, s) in &r.sizes {
                if s.panics_or_fmt {
                    failures.push(format!(
                        "{} at opt-level {p}: panic or formatting code: {:?}",
                        r.id, s.panic_fmt_functions
                    ));
                }
            }
        }
    }
    for (p, &b) in &report.budget_allocator_bytes {
        let our = ours.bytes(p, "none");
        if our > b {
            failures.push(format!(
                "our default row is {our} B at opt-level {p}, over its budget of {b} B \
                 (size-bench/budget.json)"
            ));
        } else if our < b {
            eprintln!("size: the opt-level {p} budget can come down to {our} B (edit size-bench/budget.json)");
        }
    }
    if !failures.is_empty() {
        bail!("size check failed:\n  {}", failures.join("\n  "));
    }
    eprintln!("size: check passed");
    Ok(())
}
