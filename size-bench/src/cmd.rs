//! Running commands, loudly, from the repository's root; reading Cargo's
//! files (serde, `toml`) and the reports' JSON. xtask's commands use these
//! too.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};

/// The repository root (the parent of `size-bench/`).
pub fn root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent()
        .expect("size-bench is in the repository")
        .to_path_buf()
}

/// `cargo` as invoked by the user, at the repository's root.
pub fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root());
    c
}

/// The command line, environment first, as a shell would take it.
fn show(cmd: &Command) -> String {
    let mut s = String::new();
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            s += &format!("{}={} ", k.to_string_lossy(), v.to_string_lossy());
        }
    }
    s += &cmd.get_program().to_string_lossy();
    for a in cmd.get_args() {
        s += " ";
        s += &a.to_string_lossy();
    }
    s
}

/// Runs `cmd`, echoing it first; fails with the command line on error.
pub fn run(cmd: &mut Command) -> Result<()> {
    let line = show(cmd);
    eprintln!("==> {line}");
    let start = Instant::now();
    let status = cmd
        .status()
        .with_context(|| format!("could not start `{line}`"))?;
    if !status.success() {
        bail!("`{line}` failed ({status})");
    }
    eprintln!("    ({:.1}s)", start.elapsed().as_secs_f64());
    Ok(())
}

/// Runs `cmd` quietly and returns its standard output; fails with the
/// command line and its standard error.
pub fn output(cmd: &mut Command) -> Result<String> {
    let line = show(cmd);
    let out = cmd
        .output()
        .with_context(|| format!("could not start `{line}`"))?;
    if !out.status.success() {
        bail!("`{line}` failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A JSON file (a report), typed.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// A TOML file under the root (a `Cargo.toml`), as a table.
pub fn toml_file(path: &str) -> Result<toml::Table> {
    let text =
        std::fs::read_to_string(root().join(path)).with_context(|| format!("reading {path}"))?;
    text.parse().with_context(|| format!("parsing {path}"))
}

/// A string field of a manifest's `[package]` (`version`, `rust-version`).
pub fn package_field(manifest: &str, key: &str) -> Result<String> {
    let table = toml_file(manifest)?;
    let value = table.get("package").and_then(|p| p.get(key)?.as_str());
    Ok(value
        .with_context(|| format!("{manifest}: no `{key}` in [package]"))?
        .to_string())
}

/// The crate versions of a `Cargo.lock` under the root, by name (every
/// version of a crate locked twice).
pub fn locked_versions(lock: &str) -> Result<BTreeMap<String, Vec<String>>> {
    #[derive(serde::Deserialize)]
    struct Lock {
        package: Vec<Package>,
    }
    #[derive(serde::Deserialize)]
    struct Package {
        name: String,
        version: String,
    }
    let text =
        std::fs::read_to_string(root().join(lock)).with_context(|| format!("reading {lock}"))?;
    let lock: Lock = toml::from_str(&text).with_context(|| format!("parsing {lock}"))?;
    let mut versions: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in lock.package {
        versions.entry(p.name).or_default().push(p.version);
    }
    Ok(versions)
}
