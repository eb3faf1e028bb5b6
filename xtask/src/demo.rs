//! `cargo xtask demo [--port N] [--build-only]`: builds the demo page's two
//! modules (`www/pkg/tlsf`, `www/pkg/std`) and serves `www/` on 127.0.0.1;
//! also the one static server of every other page. The JS glue comes from
//! wasm-bindgen's library linked into xtask, so the demo needs nothing but
//! Rust's wasm32 target (no wasm-pack, wasm-bindgen-cli or wasm-opt).

use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::setup::Tool;
use crate::util::{cargo_in, root, run};

/// The wasm-bindgen version this xtask's bindgen library implements
/// (`wasm-bindgen-cli-support` in xtask/Cargo.toml). `tests/Cargo.lock` must
/// pin the same `wasm-bindgen`; the test below and `build` check it.
const BINDGEN: &str = "0.2.130";

fn check_bindgen_version() -> Result<()> {
    // The version every lockfile pins (setup checks that they agree).
    let v = crate::setup::wasm_bindgen_version()?;
    if v.as_deref() != Some(BINDGEN) {
        bail!(
            "tests/Cargo.lock pins wasm-bindgen {v:?} but xtask's bindgen library is {BINDGEN}: \
             change both (tests/Cargo.toml and xtask/Cargo.toml) together"
        );
    }
    Ok(())
}

/// (output directory under `www/`, what it is, extra cargo arguments).
const MODULES: [(&str, &str, &[&str]); 2] = [
    ("pkg/tlsf", "on wasm-tlsf", &[]),
    (
        "pkg/std",
        "on Rust's default allocator",
        &["--no-default-features"],
    ),
];

pub fn build() -> Result<()> {
    check_bindgen_version()?;
    let www = root().join("www");
    let target = root().join("target/www");
    for (out, what, extra) in MODULES {
        eprintln!("demo: building the page's module {what} (cargo, wasm32, release)");
        run(
            cargo_in("www", "build --release --target wasm32-unknown-unknown")
                .arg("--target-dir")
                .arg(&target)
                // Source paths in the module relative to the checkout, so its
                // bytes do not depend on where the repository is cloned.
                .env(
                    "CARGO_ENCODED_RUSTFLAGS",
                    format!("--remap-path-prefix={}/=", root().display()),
                )
                .args(extra),
        )
        .context("building www/ for wasm32")?;
        let wasm = target.join("wasm32-unknown-unknown/release/wasm_tlsf_demo.wasm");
        eprintln!("demo: generating its JS glue into www/{out} (wasm-bindgen {BINDGEN}, in xtask)");
        let t = Instant::now();
        let dir = www.join(out);
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        wasm_bindgen_cli_support::Bindgen::new()
            .input_path(&wasm)
            .web(true)?
            .typescript(false)
            .out_name("wasm_tlsf_demo")
            .generate(&dir)
            .with_context(|| format!("wasm-bindgen on {}", wasm.display()))?;
        eprintln!("    ({:.1}s)", t.elapsed().as_secs_f64());
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

/// The file under `dir` for a request path, refusing anything that could
/// leave it.
fn resolve(dir: &Path, url: &str) -> Option<PathBuf> {
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
    let full = dir.join(rel);
    full.is_file().then_some(full)
}

/// A running server; it serves until the process ends.
pub struct Server {
    pub addr: SocketAddr,
}

pub fn serve(port: u16) -> Result<Server> {
    serve_dir(root().join("www"), port)
}

/// The one static server of every page (the demo's, the cold start's):
/// serves `dir` on 127.0.0.1:`port` (0: any free port) from a background
/// thread, cross-origin isolated (COOP/COEP), so that pages get the fine
/// timer and shared memory.
pub fn serve_dir(dir: PathBuf, port: u16) -> Result<Server> {
    let server = tiny_http::Server::http(("127.0.0.1", port))
        .map_err(|e| anyhow::anyhow!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    let addr = server
        .server_addr()
        .to_ip()
        .context("the server has no IP address")?;
    std::thread::spawn(move || {
        for req in server.incoming_requests() {
            let response = match resolve(&dir, req.url()).and_then(|p| {
                let body = std::fs::read(&p).ok()?;
                Some((p, body))
            }) {
                Some((p, body)) => tiny_http::Response::from_data(body)
                    .with_header(header("Content-Type", content_type(&p)))
                    .with_header(header("Cache-Control", "no-store"))
                    .with_header(header("Cross-Origin-Opener-Policy", "same-origin"))
                    .with_header(header("Cross-Origin-Embedder-Policy", "require-corp")),
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

pub fn demo(port: u16, build_only: bool) -> Result<()> {
    let start = Instant::now();
    crate::setup::need(&[Tool::WasmTarget])?;
    build()?;
    eprintln!(
        "demo: built www/pkg/tlsf and www/pkg/std in {:.0}s",
        start.elapsed().as_secs_f64()
    );
    if build_only {
        return Ok(());
    }
    let server = serve(port)?;
    println!("wasm-tlsf demo: http://{}/  (Ctrl-C stops it)", server.addr);
    loop {
        std::thread::park();
    }
}

/// The end-to-end test (`www/e2e/e2e.mjs` in headless Chromium);
/// `save_screenshot` copies `target/e2e/screenshot.png` to `www/`.
pub fn e2e(save_screenshot: bool) -> Result<()> {
    crate::setup::need(&[Tool::WasmTarget, Tool::Debian, Tool::Playwright])?;
    build()?;
    let server = serve(0)?;
    let url = format!("http://{}/", server.addr);
    let shots = root().join("target/e2e");
    std::fs::create_dir_all(&shots)?;
    eprintln!("demo: driving {url} in headless chromium (www/e2e/e2e.mjs)");
    let status = std::process::Command::new("node")
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
    if save_screenshot {
        std::fs::copy(
            shots.join("screenshot.png"),
            root().join("www/screenshot.png"),
        )?;
        eprintln!("demo: copied target/e2e/screenshot.png to www/screenshot.png");
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

    /// The page's wasm-bindgen and xtask's bindgen library are one version.
    #[test]
    fn bindgen_versions_agree() {
        check_bindgen_version().unwrap();
        let v = size_bench::cmd::locked_versions("Cargo.lock").unwrap()["wasm-bindgen-cli-support"]
            .clone();
        assert_eq!(v, [BINDGEN]);
    }
}
