//! Running commands: size-bench's helpers (`size_bench::cmd`), and cargo on
//! another toolchain.

use std::process::Command;

pub use size_bench::cmd::{cargo, output, read_json, root, run};

/// Ok when `problems` is empty; otherwise an error listing them under
/// `what` ("the benchmark report is incomplete or inconsistent").
pub fn no_problems(what: &str, problems: &[String]) -> anyhow::Result<()> {
    anyhow::ensure!(problems.is_empty(), "{what}:\n  {}", problems.join("\n  "));
    Ok(())
}

/// `cargo +toolchain ...` through rustup (the `CARGO` variable points at
/// the stable cargo binary, which ignores `+toolchain`; the stable
/// toolchain's environment must not leak into the other's cargo).
pub fn cargo_on(toolchain: &str) -> Command {
    let mut c = Command::new("cargo");
    c.arg(format!("+{toolchain}")).current_dir(root());
    for var in ["RUSTC", "RUSTDOC", "CARGO", "RUSTUP_TOOLCHAIN"] {
        c.env_remove(var);
    }
    c
}

/// `cargo +NIGHTLY ...`: the pinned nightly with its own Miri sysroots.
pub fn cargo_nightly() -> Command {
    let mut c = cargo_on(crate::setup::NIGHTLY);
    c.env("MIRI_SYSROOT", crate::setup::miri_sysroot());
    c
}

/// `cargo ARGS --manifest-path DIR/Cargo.toml` (`args` split at spaces).
pub fn cargo_in(dir: &str, args: &str) -> Command {
    let mut c = cargo();
    c.args(args.split(' ')).args(manifest(dir));
    c
}

/// `--manifest-path DIR/Cargo.toml`.
pub fn manifest(dir: &str) -> [std::ffi::OsString; 2] {
    [
        "--manifest-path".into(),
        root().join(dir).join("Cargo.toml").into(),
    ]
}

/// `timeout SECONDS PROGRAM`: a hang fails after `seconds`.
pub fn timeout(seconds: u32, program: &str) -> Command {
    let mut c = Command::new("timeout");
    c.args(["--kill-after=10", &seconds.to_string(), program]);
    c
}
