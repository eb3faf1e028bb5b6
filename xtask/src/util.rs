//! Running commands, loudly.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};

/// The repository root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is in the repository")
        .to_path_buf()
}

/// `cargo` as invoked by the user (so `+nightly` works through rustup).
pub fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root());
    c
}

/// `cargo +NIGHTLY ...` through rustup, the pinned nightly with its own
/// Miri sysroots (the `CARGO` variable points at the stable cargo binary,
/// which ignores `+toolchain`).
pub fn cargo_nightly() -> Command {
    let mut c = Command::new("cargo");
    c.arg(format!("+{}", crate::setup::NIGHTLY))
        .current_dir(root())
        .env("MIRI_SYSROOT", crate::setup::miri_sysroot());
    // The stable toolchain's environment must not leak into nightly's cargo.
    for var in ["RUSTC", "RUSTDOC", "CARGO", "RUSTUP_TOOLCHAIN"] {
        c.env_remove(var);
    }
    c
}

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

/// Runs `cmd` quietly and returns whether it succeeded (for presence checks).
pub fn probe(cmd: &mut Command) -> bool {
    cmd.stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Runs `cmd` quietly and returns its standard output.
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
