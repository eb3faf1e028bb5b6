//! What a release needs checked besides the tests: the published package
//! (its file list, its size, `cargo publish --dry-run`), the docs as
//! docs.rs builds them, clippy, the declared minimum Rust version, and the
//! examples (examples/), each built and run the way a user would.

use std::collections::BTreeSet;
use std::process::Command;

use anyhow::{bail, ensure, Context, Result};

use crate::setup::Tool;
use crate::setup::MSRV;
use crate::util::{cargo, output, root, run};

/// The most the `.crate` file may weigh.
const MAX_CRATE_BYTES: u64 = 60 * 1024;

/// `cargo +toolchain ...` through rustup (like `util::cargo_nightly`).
fn cargo_on(toolchain: &str) -> Command {
    let mut c = Command::new("cargo");
    c.arg(format!("+{toolchain}")).current_dir(root());
    for var in ["RUSTC", "RUSTDOC", "CARGO", "RUSTUP_TOOLCHAIN"] {
        c.env_remove(var);
    }
    c
}

/// Every file under `dir` (relative to the root, `/`-separated) whose
/// name ends with `suffix`.
fn files_under(dir: &str, suffix: &str) -> Result<Vec<String>> {
    let mut found = Vec::new();
    let mut pending = vec![root().join(dir)];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).with_context(|| format!("reading {}", d.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.to_string_lossy().ends_with(suffix) {
                let rel = path
                    .strip_prefix(root())?
                    .to_string_lossy()
                    .replace('\\', "/");
                found.push(rel);
            }
        }
    }
    Ok(found)
}

/// The package holds exactly the library's sources, its build script, the
/// licenses, the changelog and the package README (plus what cargo adds), weighs at most
/// `MAX_CRATE_BYTES`, and `cargo publish --dry-run` packages, verifies
/// (builds the packaged crate alone) and stops before uploading.
pub fn package() -> Result<()> {
    let target_dir = root().join("target/package-check");
    let listed = output(cargo().args(["package", "-p", "wasm-tlsf", "--list", "--allow-dirty"]))?;
    let listed: BTreeSet<&str> = listed
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut expected: BTreeSet<String> = files_under("src", ".rs")?.into_iter().collect();
    for f in [
        "build.rs",
        "LICENSE-MIT",
        "LICENSE-APACHE",
        crate::package_readme::PATH,
        "CHANGELOG.md",
        "Cargo.toml",
        "Cargo.toml.orig",
        "Cargo.lock",
    ] {
        expected.insert(f.to_string());
    }
    // Where the sources come from (cargo adds it in a git checkout).
    let optional = ".cargo_vcs_info.json";
    let unexpected: Vec<&&str> = listed
        .iter()
        .filter(|f| !expected.contains(**f) && **f != optional)
        .collect();
    let missing: Vec<&String> = expected
        .iter()
        .filter(|f| !listed.contains(f.as_str()))
        .collect();
    if !unexpected.is_empty() || !missing.is_empty() {
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
    let name = format!("wasm-tlsf-{}.crate", cargo_version()?);
    // (`publish --dry-run` leaves it in `tmp-crate/`, `package` does not.)
    let krate = ["package/tmp-crate", "package"]
        .iter()
        .map(|d| target_dir.join(d).join(&name))
        .find(|p| p.is_file())
        .with_context(|| format!("no {name} under {}", target_dir.display()))?;
    // The README crates.io and docs.rs show, as packaged.
    let packaged = output(Command::new("tar").arg("-xzOf").arg(&krate).arg(format!(
        "wasm-tlsf-{}/{}",
        cargo_version()?,
        crate::package_readme::PATH
    )))?;
    crate::package_readme::check(&packaged)?;
    eprintln!(
        "    packaged {}: no image, no relative link",
        crate::package_readme::PATH
    );
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

/// The root package's version, from its manifest.
fn cargo_version() -> Result<String> {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml"))?;
    manifest_field(&manifest, "version")
}

/// A `key = "value"` line of the `[package]` table.
fn manifest_field(manifest: &str, key: &str) -> Result<String> {
    let package = manifest
        .split("\n[")
        .find(|t| t.starts_with("package]") || t.starts_with("[package]"))
        .context("no [package] table in Cargo.toml")?;
    package
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once('=')?;
            (k.trim() == key).then(|| v.trim().trim_matches('"').to_string())
        })
        .with_context(|| format!("no `{key}` in Cargo.toml's [package]"))
}

/// The docs build without a warning (broken links included): without
/// features, with every feature for docs.rs's target (wasm32), and as
/// docs.rs builds them (nightly, `--cfg docsrs`: the `doc(cfg)` badges).
pub fn docs() -> Result<()> {
    crate::setup::need(&[Tool::WasmTarget, Tool::Nightly])?;
    let dir = root().join("target/doc-check");
    let doc = |c: &mut Command, flags: &str| {
        c.args(["doc", "-p", "wasm-tlsf", "--no-deps"])
            .arg("--target-dir")
            .arg(&dir)
            .env("RUSTDOCFLAGS", flags);
    };
    let mut c = cargo();
    doc(&mut c, "-D warnings");
    run(&mut c)?;
    let mut c = cargo();
    doc(&mut c, "-D warnings");
    run(c.args(["--all-features", "--target", "wasm32-unknown-unknown"]))?;
    let mut c = crate::util::cargo_nightly();
    doc(&mut c, "--cfg docsrs -D warnings");
    run(c.arg("--all-features"))?;
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
/// target, every feature), and the crate and its wasm tests on wasm32.
pub fn clippy() -> Result<()> {
    crate::setup::need(&[Tool::WasmTarget, Tool::Clippy])?;
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--all-features",
        "--",
        "-D",
        "warnings",
    ]))?;
    run(cargo().args([
        "clippy",
        "-p",
        "wasm-tlsf",
        "--all-targets",
        "--target",
        "wasm32-unknown-unknown",
        "--",
        "-D",
        "warnings",
    ]))
}

/// The declared minimum Rust version builds the crate, every feature, on
/// the host (the speed build's code paths) and for wasm32 in release (the
/// size build's).
pub fn msrv() -> Result<()> {
    crate::setup::need(&[Tool::Msrv])?;
    let manifest = std::fs::read_to_string(root().join("Cargo.toml"))?;
    let declared = manifest_field(&manifest, "rust-version")?;
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
        run(cargo()
            .args(["build", "-p", package, "--target", triple])
            .args(["--features", features])
            .arg("--manifest-path")
            .arg(root().join("tests/Cargo.toml"))
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

#[cfg(test)]
mod tests {
    use super::manifest_field;

    #[test]
    fn fields_of_the_package_table() {
        let m = "[package]\nname = \"x\"\nversion = \"0.1.0\"\nrust-version = \"1.84\"\n\n[dependencies]\nversion = \"9\"\n";
        assert_eq!(manifest_field(m, "version").unwrap(), "0.1.0");
        assert_eq!(manifest_field(m, "rust-version").unwrap(), "1.84");
        assert!(manifest_field(m, "edition").is_err());
    }

    #[test]
    fn the_root_manifest() {
        let m = std::fs::read_to_string(crate::util::root().join("Cargo.toml")).unwrap();
        assert_eq!(manifest_field(&m, "name").unwrap(), "wasm-tlsf");
    }
}
