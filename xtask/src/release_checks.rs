//! What a release needs checked besides the tests: the published package
//! (its file list, its size, `cargo publish --dry-run`), the docs as
//! docs.rs builds them, clippy, the declared minimum Rust version, and the
//! examples (examples/), each built and run the way a user would.

use std::collections::BTreeSet;
use std::process::Command;

use anyhow::{bail, ensure, Context, Result};

use crate::package_readme::PATH as README;
use crate::setup::{Tool, MSRV};
use crate::util::{cargo, cargo_in, cargo_on, output, root, run};
use size_bench::cmd::package_field;

/// The most the `.crate` file may weigh.
const MAX_CRATE_BYTES: u64 = 60 * 1024;

/// The package holds exactly the library's sources, its build script, the
/// licenses, the changelog and the package README (plus what cargo adds),
/// weighs at most `MAX_CRATE_BYTES`, and `cargo publish --dry-run` packages, verifies
/// (builds the packaged crate alone) and stops before uploading.
pub fn package() -> Result<()> {
    let target_dir = root().join("target/package-check");
    let listed = output(cargo().args(["package", "-p", "wasm-tlsf", "--list", "--allow-dirty"]))?;
    let listed: BTreeSet<&str> = listed
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    // Beside the sources (`src/**.rs`), exactly these.
    let files =
        "build.rs LICENSE-MIT LICENSE-APACHE CHANGELOG.md Cargo.toml Cargo.toml.orig Cargo.lock";
    let expected: Vec<&str> = files.split(' ').chain([README]).collect();
    // Where the sources come from (cargo adds it in a git checkout).
    let optional = ".cargo_vcs_info.json";
    let unexpected: Vec<&&str> = listed
        .iter()
        .filter(|f| !(f.starts_with("src/") && f.ends_with(".rs")))
        .filter(|f| !expected.contains(f) && **f != optional)
        .collect();
    let missing: Vec<&&str> = expected.iter().filter(|f| !listed.contains(*f)).collect();
    if !unexpected.is_empty() || !missing.is_empty() || !listed.contains("src/lib.rs") {
        bail!("`cargo package --list`: unexpected {unexpected:?}, missing {missing:?}");
    }
    eprintln!(
        "    package list: exactly the {} expected files",
        listed.len()
    );

    run(cargo()
        .args(["publish", "-p", "wasm-tlsf", "--dry-run", "--allow-dirty"])
        .arg("--target-dir")
        .arg(&target_dir))?;
    let version = package_field("Cargo.toml", "version")?;
    let name = format!("wasm-tlsf-{version}.crate");
    // (`publish --dry-run` leaves it in `tmp-crate/`, `package` does not.)
    let krate = ["package/tmp-crate", "package"]
        .iter()
        .map(|d| target_dir.join(d).join(&name))
        .find(|p| p.is_file())
        .with_context(|| format!("no {name} under {}", target_dir.display()))?;
    // The README crates.io and docs.rs show, as packaged.
    let file = format!("wasm-tlsf-{version}/{README}");
    crate::package_readme::check(&output(
        Command::new("tar").arg("-xzOf").arg(&krate).arg(file),
    )?)?;
    eprintln!("    packaged {README}: no image, no relative link");
    let bytes = std::fs::metadata(&krate)?.len();
    ensure!(
        bytes <= MAX_CRATE_BYTES,
        "{} is {bytes} bytes, over the limit of {MAX_CRATE_BYTES}",
        krate.display()
    );
    eprintln!(
        "    {}: {bytes} bytes ({:.1} KiB, limit {} KiB)",
        krate.display(),
        bytes as f64 / 1024.0,
        MAX_CRATE_BYTES / 1024
    );
    Ok(())
}

/// The docs build without a warning (broken links included): without
/// features, with every feature for docs.rs's target (wasm32), and as
/// docs.rs builds them (nightly, `--cfg docsrs`: the `doc(cfg)` badges).
pub fn docs() -> Result<()> {
    crate::setup::need(&[Tool::WasmTarget, Tool::Nightly])?;
    let dir = root().join("target/doc-check");
    let doc = |mut c: Command, flags: &str, args: &[&str]| {
        run(c
            .args(["doc", "-p", "wasm-tlsf", "--no-deps"])
            .args(args)
            .arg("--target-dir")
            .arg(&dir)
            .env("RUSTDOCFLAGS", flags))
    };
    doc(cargo(), "-D warnings", &[])?;
    doc(
        cargo(),
        "-D warnings",
        &["--all-features", "--target", "wasm32-unknown-unknown"],
    )?;
    doc(
        crate::util::cargo_nightly(),
        "--cfg docsrs -D warnings",
        &["--all-features"],
    )?;
    // The badges are there: an item behind a feature says so.
    let stats = dir.join("doc/wasm_tlsf/struct.Stats.html");
    let html = std::fs::read_to_string(&stats).with_context(|| stats.display().to_string())?;
    ensure!(
        html.contains("Available on <strong>crate feature <code>stats</code></strong> only"),
        "{}: no doc(cfg) badge for feature `stats`",
        stats.display()
    );
    Ok(())
}

/// Clippy with warnings as errors: the whole workspace on the host (every
/// target, every feature), the crate on wasm32, and every crate of the
/// other workspaces for the target it is built for (`WASM_CLIPPY`).
pub fn clippy() -> Result<()> {
    crate::setup::need(&[Tool::WasmTarget, Tool::OtherTargets, Tool::Clippy])?;
    let clippy = |mut c: Command| run(c.args(["--", "-D", "warnings"]));
    for args in [
        "--workspace --all-targets --all-features",
        "-p wasm-tlsf --all-targets --target wasm32-unknown-unknown",
    ] {
        let mut c = cargo();
        c.arg("clippy").args(args.split(' '));
        clippy(c)?;
    }
    for (dir, args) in WASM_CLIPPY {
        let mut c = cargo_in(dir, &format!("clippy {args}"));
        c.env("CARGO_TARGET_DIR", root().join("target/clippy"));
        clippy(c)?;
    }
    Ok(())
}

/// The other workspaces' crates, each checked as it is built: the wasm
/// tests, examples and demo page for `wasm32-unknown-unknown`; the no_std
/// modules (their own panic handler) and the panic/fmt app (whose
/// dependencies' features must not unify with the std tests') on their own;
/// the WASI crates for WASI; the measuring modules with one allocator; the
/// real programs' workloads and the two wasmtime runners on the host. (The
/// wasm-bindgen threads test needs nightly's build-std with `+atomics`, so
/// only its build checks it; fuzz/ is built by nightly's cargo-fuzz.)
const WASM_CLIPPY: &[(&str, &str)] = &[
    (
        "tests",
        "--workspace --exclude wasm-tlsf-app --exclude wasm-tlsf-bindgen-threads \
         --exclude wasm-tlsf-wasi-tests --exclude wasm-tlsf-example-wasi --exclude wasm-tlsf-threads \
         --exclude wasm-tlsf-example-no-std --exclude wasm-tlsf-pages \
         --lib --bins --tests --target wasm32-unknown-unknown",
    ),
    ("tests", "-p wasm-tlsf-example-no-std -p wasm-tlsf-pages --lib --target wasm32-unknown-unknown"),
    ("tests", "-p wasm-tlsf-app --lib --features arena,collections --target wasm32-unknown-unknown"),
    ("tests", "-p wasm-tlsf-wasi-tests -p wasm-tlsf-example-wasi --bins --tests --target wasm32-wasip1"),
    ("tests", "-p wasm-tlsf-threads --bins --tests --target wasm32-wasip1-threads"),
    ("tests/wasi/p2-runner", "--all-targets"),
    ("bench/programs", "-p realbench-workloads --all-targets"),
    ("bench/programs", "-p realbench-module --features wasm-tlsf --lib --target wasm32-unknown-unknown"),
    ("bench/runner", "--all-targets"),
    ("size-bench/module", "--features wasm-tlsf --lib --target wasm32-unknown-unknown"),
];

/// The declared minimum Rust version builds the crate, every feature, on
/// the host (the speed build's code paths) and for wasm32 in release (the
/// size build's).
pub fn msrv() -> Result<()> {
    crate::setup::need(&[Tool::Msrv])?;
    let declared = package_field("Cargo.toml", "rust-version")?;
    ensure!(
        declared == MSRV,
        "Cargo.toml declares rust-version {declared}, setup installs {MSRV}: make them agree"
    );
    let build = || {
        let mut c = cargo_on(MSRV);
        c.args(["build", "-p", "wasm-tlsf", "--all-features", "--target-dir"])
            .arg(root().join("target/msrv"));
        c
    };
    run(&mut build())?;
    run(build().args(["--release", "--target", "wasm32-unknown-unknown"]))
}

/// examples/: each built for its target (members of the wasm workspace,
/// tests/Cargo.toml) and run in node:
/// the no_std module's exports against values computed in JavaScript, the
/// WASI command under `node:wasi` with its output checked, and the
/// wasm-bindgen app through wasm-bindgen's nodejs output, whose panic hook
/// must report a double free caught by `debug-checks`. Debug builds in the
/// wasm test suites' target directory, which holds the same wasm-bindgen
/// crates built the same way: a fresh clone compiles them once.
pub fn examples() -> Result<()> {
    crate::setup::need(&[
        Tool::WasmTarget,
        Tool::OtherTargets,
        Tool::WasmBindgen,
        Tool::Debian,
    ])?;
    let dir = root().join("examples");
    let target = root().join("target/wasm-tests");
    let build = |package: &str, triple: &str, features: &str| {
        run(cargo_in("tests", "build")
            .args(["-p", package, "--target", triple, "--features", features])
            .arg("--target-dir")
            .arg(&target))
    };
    let wasm = |triple: &str, file: &str| target.join(triple).join("debug").join(file);
    let node = |script: &str| {
        let mut c = Command::new("node");
        c.arg(dir.join(script));
        c
    };

    build("wasm-tlsf-example-no-std", "wasm32v1-none", "")?;
    run(node("no-std-module/run.mjs").arg(wasm("wasm32v1-none", "wasm_tlsf_example_no_std.wasm")))?;

    build("wasm-tlsf-example-wasi", "wasm32-wasip1", "")?;
    let out = output(
        node("wasi-command/run.mjs")
            .arg(wasm("wasm32-wasip1", "wasm-tlsf-example-wasi.wasm"))
            .args(["b", "a", "b", "c", "b", "a"]),
    )?;
    let lines: Vec<&str> = out.lines().collect();
    ensure!(
        lines.len() == 4
            && lines[..3] == ["3 b", "2 a", "1 c"]
            && lines[3].starts_with("allocations: ")
            && !lines[3].starts_with("allocations: 0,"),
        "the WASI command printed {out:?}"
    );
    eprintln!("    WASI command: {}", lines.join(" / "));

    // The README's set-up as is, then with misuse detection, run.
    build("wasm-tlsf-example-bindgen", "wasm32-unknown-unknown", "")?;
    build(
        "wasm-tlsf-example-bindgen",
        "wasm32-unknown-unknown",
        "debug-checks",
    )?;
    let pkg = target.join("examples-bindgen-pkg");
    run(Command::new("wasm-bindgen")
        .args(["--target", "nodejs", "--out-dir"])
        .arg(&pkg)
        .arg(wasm(
            "wasm32-unknown-unknown",
            "wasm_tlsf_example_bindgen.wasm",
        )))?;
    run(node("wasm-bindgen-app/run.cjs").arg(&pkg))?;
    Ok(())
}
