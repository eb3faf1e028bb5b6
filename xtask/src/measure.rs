//! `cargo xtask measure`: the figures the README quotes, reproducibly.
//!
//! Builds `size-bench/module` once per row, in two profiles:
//! - size (`release`: opt-level "z", LTO, one codegen unit, panic=abort):
//!   the module's bytes without custom sections (names, producers), and
//!   allocator bytes = row minus the `null` row;
//! - speed (`speed`: the same at opt-level 3), instrumented by
//!   `size-bench/count` to count executed wasm instructions, then replayed
//!   on a seeded random-actions trace in node (`size-bench/count/bench.mjs`).
//!
//! The fuller size report (twiggy, wasm-opt, chart, budget) and benchmark
//! suite build on this.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::util::{cargo, root, run};

/// Rows: (name in the report, cargo feature of `size-bench/module`).
const ROWS: &[(&str, &str)] = &[
    ("null (baseline)", "null"),
    ("wasm-tlsf SmallGlobalTlsf", "wasm-tlsf"),
    ("wasm-tlsf SmallGlobalTlsf + stats", "wasm-tlsf-stats"),
    ("rlsf 0.2.3 SmallGlobalTlsf", "rlsf"),
    ("rlsf 0.2.3 GlobalTlsf", "rlsf-global"),
    ("talc 5.1.1 (wasm dynamic)", "talc"),
    ("wee_alloc 0.4.5", "wee_alloc"),
    ("lol_alloc 0.4.1 FreeListAllocator", "lol_alloc"),
    (
        "lol_alloc 0.4.1 LeakingPageAllocator (never frees)",
        "lol_alloc-leaking",
    ),
    ("dlmalloc 0.2.14 (direct)", "dlmalloc"),
    ("std default (dlmalloc)", "std"),
];

/// Rows without an instruction trace: the baseline, and the bump allocator
/// that never frees (a trace of frees says nothing about it).
const SIZE_ONLY: &[&str] = &["null", "lol_alloc-leaking"];

/// A module's size without its custom sections (section id 0).
pub fn stripped_size(wasm: &[u8]) -> Result<usize> {
    let mut i = 8;
    let mut size = 8;
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
        if id != 0 {
            size += end - i;
        }
        i = end;
    }
    Ok(size)
}

fn build(feature: &str, profile: &str) -> Result<PathBuf> {
    let manifest = root().join("size-bench/module/Cargo.toml");
    run(cargo()
        .args([
            "build",
            "--quiet",
            "--profile",
            profile,
            "--target",
            "wasm32-unknown-unknown",
        ])
        .args(["--features", feature, "--target-dir", "target"])
        .arg("--manifest-path")
        .arg(&manifest))?;
    let built = root().join(format!(
        "target/wasm32-unknown-unknown/{profile}/alloc_bench_module.wasm"
    ));
    let dir = root().join("target/measure");
    std::fs::create_dir_all(&dir)?;
    let out = dir.join(format!("{feature}-{profile}.wasm"));
    std::fs::copy(&built, &out)?;
    Ok(out)
}

pub fn measure(steps: usize) -> Result<()> {
    let counter_manifest = root().join("size-bench/count/Cargo.toml");
    run(cargo()
        .args(["build", "--quiet", "--release", "--target-dir", "target"])
        .arg("--manifest-path")
        .arg(&counter_manifest))?;
    let counter = root().join("target/release/wasm-count");

    let mut sizes = Vec::new();
    let mut bench_args = vec![
        root()
            .join("size-bench/count/bench.mjs")
            .display()
            .to_string(),
        "--steps".into(),
        steps.to_string(),
    ];
    for (name, feature) in ROWS {
        let small = build(feature, "release")?;
        sizes.push((name, stripped_size(&std::fs::read(&small)?)?));
        if !SIZE_ONLY.contains(feature) {
            // The stats row's speed build also exports its figures.
            let speed_features = if *feature == "wasm-tlsf-stats" {
                "export-stats"
            } else {
                feature
            };
            let fast = build(speed_features, "speed")?;
            let counted = fast.with_extension("count.wasm");
            run(std::process::Command::new(&counter)
                .arg(&fast)
                .arg(&counted))?;
            bench_args.push(format!("{name}={}", counted.display()));
        }
    }
    let null = sizes[0].1;
    let mut report = String::from(
        "Code size (opt-level \"z\", LTO, panic=abort; custom sections removed)\n\n\
         | allocator | module bytes | allocator bytes |\n|---|---|---|\n",
    );
    for (name, size) in &sizes {
        report += &format!("| {name} | {size} | {} |\n", size - null);
    }
    println!("{report}");
    let json = root().join("target/measure/instructions.json");
    let bench = crate::util::output(
        std::process::Command::new("node")
            .args(&bench_args)
            .env("BENCH_JSON", &json),
    )?;
    println!("{bench}");
    report += "\n";
    report += &bench;
    let path: &Path = &root().join("target/measure/report.md");
    std::fs::write(path, report)?;
    eprintln!("wrote {} and {}", path.display(), json.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn stripped_size_skips_custom_sections() {
        // header, a custom section of 3 bytes, a type section of 2 bytes
        let m = b"\0asm\x01\0\0\0\x00\x03\x01ab\x01\x02\x01\x00";
        assert_eq!(super::stripped_size(m).unwrap(), 8 + 4);
    }
}
