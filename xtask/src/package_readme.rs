//! The package's README, for crates.io and docs.rs, where the repository
//! is not at hand: made from README.md (its opening, the comparison, when
//! to pick something else, how to add it, the features, the license),
//! with no image and no relative link (a link into the repository becomes
//! its text), and a pointer to the documentation on docs.rs. Cargo.toml's
//! `readme` names it; every command that rewrites README's generated
//! section rewrites it too, and a test checks that it is README's.

use anyhow::{ensure, Result};

use crate::util::root;

/// The package README, from the repository's root.
pub const PATH: &str = "README.package.md";

/// README's sections the package README keeps (with their subsections).
const KEPT: [&str; 4] = ["How it compares", "Add it", "Features", "License"];

/// Paragraphs left out: they speak of the repository (its commands, its
/// files, a dependency on it before publication).
const LEFT_OUT: [&str; 4] = [
    "These tables are rewritten",
    "Working projects to start from",
    "Until it is published",
    "```toml\n[dependencies]\nwasm-tlsf = { git",
];

/// The package README made from `readme`.
pub fn generate(readme: &str) -> String {
    let mut out = String::from(
        "<!-- Made from README.md by `cargo xtask`: edit README.md, not this file. -->\n",
    );
    let mut keep = true;
    for part in split_sections(readme) {
        if let Some(title) = part.strip_prefix("## ") {
            let title = title.lines().next().unwrap_or("");
            keep = KEPT.contains(&title);
        }
        if keep {
            out += &part;
        }
        if part.starts_with("# ") {
            keep = false;
        }
    }
    let out: Vec<String> = out
        .split("\n\n")
        .filter(|p| !LEFT_OUT.iter().any(|l| p.trim_start().starts_with(l)))
        .map(|p| {
            p.lines()
                .filter(|l| !l.trim_start().starts_with("![") && !l.contains("<!-- summary:"))
                .map(unlink_relative)
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect();
    let mut out = out.join("\n\n").trim_end().to_string();
    out += "\n\nDocumentation: <https://docs.rs/wasm-tlsf>. The repository's README \
            also covers the supported targets in detail, threads, small memories, \
            the demo page and every benchmark.\n";
    out
}

/// `readme` cut before each heading of level 1 or 2 (outside code blocks).
fn split_sections(readme: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut in_code = false;
    for line in readme.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
        }
        if !in_code && (line.starts_with("# ") || line.starts_with("## ")) {
            parts.push(String::new());
        }
        let last = parts.last_mut().expect("one part at least");
        last.push_str(line);
        last.push('\n');
    }
    parts.retain(|p| !p.is_empty());
    parts
}

/// `line` with each `[text](target)` whose target is not absolute
/// (`https://`, `http://`) reduced to `text`.
fn unlink_relative(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find("](").map(|c| open + c) else {
            break;
        };
        let Some(end) = rest[close..].find(')').map(|e| close + e) else {
            break;
        };
        let (text, target) = (&rest[open + 1..close], &rest[close + 2..end]);
        out += &rest[..open];
        if target.starts_with("https://") || target.starts_with("http://") {
            out += &rest[open..=end];
        } else {
            out += text;
        }
        rest = &rest[end + 1..];
    }
    out + rest
}

/// Rewrites the package README from README.md.
pub fn write() -> Result<()> {
    let readme = std::fs::read_to_string(root().join("README.md"))?;
    std::fs::write(root().join(PATH), generate(&readme))?;
    Ok(())
}

/// Checks that `text`, a package README, holds no image and no link that
/// only resolves inside the repository.
pub fn check(text: &str) -> Result<()> {
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        // `![alt](target)` (not `#![no_std]`), or HTML.
        let image = line.split("![").skip(1).any(|rest| {
            rest.find(']')
                .is_some_and(|close| rest[close + 1..].starts_with('('))
        });
        if image || line.contains("<img") {
            problems.push(format!("line {}: an image: {line}", i + 1));
        } else if unlink_relative(line) != line {
            problems.push(format!("line {}: a relative link: {line}", i + 1));
        }
    }
    ensure!(
        problems.is_empty(),
        "the packaged {PATH} would not render without the repository:\n{}",
        problems.join("\n")
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_links_become_their_text() {
        assert_eq!(
            unlink_relative("see [BENCHMARKS.md](BENCHMARKS.md) and [docs](https://docs.rs/x)."),
            "see BENCHMARKS.md and [docs](https://docs.rs/x)."
        );
        assert_eq!(unlink_relative("[a](#b) [c]"), "a [c]");
        assert!(check("![x](www/s.png)").is_err());
        assert!(check("![x](https://x.y/s.png)").is_err());
        assert!(check("[a](DESIGN.md)").is_err());
        assert!(check("[a](https://docs.rs/wasm-tlsf)").is_ok());
        assert!(check("`#![no_std]`, and [b](https://x.y)").is_ok());
    }

    /// The committed package README is README.md's, and would render
    /// without the repository.
    #[test]
    fn package_readme_is_made_from_the_readme() {
        let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
        let package = std::fs::read_to_string(root().join(PATH)).unwrap();
        assert_eq!(
            package,
            generate(&readme),
            "{PATH} is not made from README.md: run `cargo xtask bench --redraw`"
        );
        check(&package).unwrap();
        let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
        assert!(
            manifest.contains(&format!("readme = \"{PATH}\"")),
            "Cargo.toml's readme is not {PATH}"
        );
    }
}
