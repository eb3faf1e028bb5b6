//! `cargo xtask demo [--port N] [--build-only]`: builds the demo page's two
//! modules with wasm-pack (`--target web`, no bundler) and serves `www/` on
//! 127.0.0.1. Also the end-to-end test's server.
//!
//! - `www/pkg/tlsf/`: `www/` built with its `tlsf` feature (SmallGlobalTlsf
//!   with stats);
//! - `www/pkg/std/`: the same crate without it (Rust's default allocator).
//!
//! wasm-pack runs with wasm-opt off (the crate's metadata) and uses the
//! wasm-bindgen-cli that `cargo xtask setup` installed, so it downloads
//! nothing.

use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::util::{root, run};

/// Builds both modules into `www/pkg/`.
pub fn build() -> Result<()> {
    let www = root().join("www");
    for (out, extra) in [
        ("pkg/tlsf", None),
        ("pkg/std", Some("--no-default-features")),
    ] {
        let mut c = Command::new("wasm-pack");
        c.args([
            "build",
            "--target",
            "web",
            "--release",
            "--no-typescript",
            "--no-pack",
        ])
        .args(["--out-dir", out])
        .arg(&www)
        .env("CARGO_TARGET_DIR", root().join("target/www"));
        if let Some(flag) = extra {
            c.args(["--", flag]);
        }
        run(&mut c).context("wasm-pack (cargo xtask setup installs it)")?;
    }
    Ok(())
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}

/// The file under `www/` for a request path, refusing anything that could
/// leave it.
fn resolve(www: &Path, url: &str) -> Option<PathBuf> {
    let path = url.split(['?', '#']).next()?.trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    let rel = Path::new(path);
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    // The e2e test's own dependencies are not part of the site.
    if rel.starts_with("e2e") || rel.starts_with("src") {
        return None;
    }
    let full = www.join(rel);
    full.is_file().then_some(full)
}

/// A running server: its address; it serves until the process ends.
pub struct Server {
    pub addr: SocketAddr,
}

/// Serves `www/` on 127.0.0.1:`port` (0: any free port) from a background
/// thread.
pub fn serve(port: u16) -> Result<Server> {
    let server = tiny_http::Server::http(("127.0.0.1", port))
        .map_err(|e| anyhow::anyhow!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    let addr = server
        .server_addr()
        .to_ip()
        .context("the server has no IP address")?;
    let www = root().join("www");
    std::thread::spawn(move || {
        for req in server.incoming_requests() {
            let response = match resolve(&www, req.url()).and_then(|p| {
                let body = std::fs::read(&p).ok()?;
                Some((p, body))
            }) {
                Some((p, body)) => tiny_http::Response::from_data(body)
                    .with_header(header("Content-Type", content_type(&p)))
                    .with_header(header("Cache-Control", "no-store")),
                None => tiny_http::Response::from_data(b"not found".to_vec()).with_status_code(404),
            };
            let _ = req.respond(response);
        }
    });
    Ok(Server { addr })
}

fn header(name: &str, value: &str) -> tiny_http::Header {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("a valid header")
}

/// `cargo xtask demo`.
pub fn demo(port: u16, build_only: bool) -> Result<()> {
    crate::setup::setup()?;
    build()?;
    if build_only {
        eprintln!("built www/pkg/tlsf and www/pkg/std");
        return Ok(());
    }
    let server = serve(port)?;
    println!("wasm-tlsf demo: http://{}/  (Ctrl-C stops it)", server.addr);
    loop {
        std::thread::park();
    }
}

/// The end-to-end test: build, serve on a free port, and drive the page in
/// Debian's headless chromium with playwright-core (`www/e2e/e2e.mjs`).
pub fn e2e() -> Result<()> {
    build()?;
    let server = serve(0)?;
    let url = format!("http://{}/", server.addr);
    let shots = root().join("target/e2e");
    std::fs::create_dir_all(&shots)?;
    let status = Command::new("node")
        .arg(root().join("www/e2e/e2e.mjs"))
        .arg(&url)
        .arg(&shots)
        .current_dir(root().join("www/e2e"))
        .status()
        .context("node")?;
    if !status.success() {
        bail!(
            "the demo page's end-to-end test failed ({status}); screenshots in {}",
            shots.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_stays_inside_www() {
        let www = root().join("www");
        assert_eq!(resolve(&www, "/"), Some(www.join("index.html")));
        assert_eq!(resolve(&www, "/app.js?x=1"), Some(www.join("app.js")));
        assert_eq!(resolve(&www, "/../Cargo.toml"), None);
        assert_eq!(resolve(&www, "/e2e/package.json"), None);
        assert_eq!(resolve(&www, "/missing.html"), None);
        assert_eq!(content_type(Path::new("a.wasm")), "application/wasm");
    }
}
