//! `cargo xtask measure`: instructions per operation, ours and peers.
//!
//! Builds `size-bench/module` once per row in the `speed` profile (the size
//! profile at opt-level 3), instruments it with `size-bench/count` to count
//! executed wasm instructions, and replays a seeded random-actions trace
//! in node (`size-bench/count/bench.mjs`). Code size is `cargo xtask size`.

use std::path::Path;

use anyhow::Result;

use crate::size::{build, ROWS};
use crate::util::{cargo, root, run};

/// Rows without an instruction trace: the baseline, and the bump allocator
/// that never frees (a trace of frees says nothing about it).
const SIZE_ONLY: &[&str] = &["null", "lol_alloc-leaking"];

pub fn measure(steps: usize) -> Result<()> {
    let counter_manifest = root().join("size-bench/count/Cargo.toml");
    run(cargo()
        .args(["build", "--quiet", "--release", "--target-dir", "target"])
        .arg("--manifest-path")
        .arg(&counter_manifest))?;
    let counter = root().join("target/release/wasm-count");

    let mut bench_args = vec![
        root()
            .join("size-bench/count/bench.mjs")
            .display()
            .to_string(),
        "--steps".into(),
        steps.to_string(),
    ];
    for row in ROWS {
        let feature = row.id;
        let name = format!("{} {}", row.krate, row.variant);
        if !SIZE_ONLY.contains(&feature) {
            // The stats row's speed build also exports its figures.
            let speed_features = if feature == "wasm-tlsf-stats" {
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
    let mut report = String::new();
    std::fs::create_dir_all(root().join("target/measure"))?;
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
