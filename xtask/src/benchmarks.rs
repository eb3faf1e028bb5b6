//! BENCHMARKS.md, the one page for figures. Each report command rewrites
//! its own section, between markers, with the report it saves:
//!
//! - `<!-- size:begin -->` .. `<!-- size:end -->`: `cargo xtask size
//!   --save`, from `size-bench/results/report.md`;
//! - `<!-- bench:begin -->` .. `<!-- bench:end -->`: `cargo xtask bench
//!   --save`, from `size-bench/results/bench/report.md`.
//!
//! The rest of the page (how the figures are made, what each means) is
//! written by hand. A test checks that every section is its saved report.

use anyhow::{bail, Result};

use crate::util::root;

/// The page, from the repository's root.
pub const PAGE: &str = "BENCHMARKS.md";

fn markers(name: &str) -> (String, String) {
    (
        format!("<!-- {name}:begin -->\n"),
        format!("<!-- {name}:end -->"),
    )
}

/// Where section `name`'s body lies in `page`.
fn span(page: &str, name: &str) -> Result<(usize, usize)> {
    let (begin, end) = markers(name);
    let (Some(b), Some(e)) = (page.find(&begin), page.find(&end)) else {
        bail!(
            "{PAGE} has no section between `{}` and `{end}`",
            begin.trim()
        );
    };
    let start = b + begin.len();
    if e < start {
        bail!("{PAGE}: `{end}` comes before `{}`", begin.trim());
    }
    Ok((start, e))
}

/// The body of section `name` in `page`.
#[cfg(test)]
fn section<'a>(page: &'a str, name: &str) -> Result<&'a str> {
    let (s, e) = span(page, name)?;
    Ok(&page[s..e])
}

/// `page` with section `name`'s body replaced by `body`.
pub fn replace(page: &str, name: &str, body: &str) -> Result<String> {
    let (s, e) = span(page, name)?;
    Ok(format!("{}{}\n{}", &page[..s], body.trim_end(), &page[e..]))
}

/// Rewrites section `name` of BENCHMARKS.md with `body`.
pub fn write_section(name: &str, body: &str) -> Result<()> {
    let path = root().join(PAGE);
    let page = std::fs::read_to_string(&path)?;
    std::fs::write(&path, replace(&page, name, body)?)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each section and the saved report it holds.
    const SECTIONS: [(&str, &str); 2] = [
        ("size", "size-bench/results/report.md"),
        ("bench", "size-bench/results/bench/report.md"),
    ];

    #[test]
    fn replace_rewrites_only_its_section() {
        let page =
            "a\n<!-- x:begin -->\nold\n<!-- x:end -->\nb\n<!-- y:begin -->\nkeep\n<!-- y:end -->\n";
        let new = replace(page, "x", "new\nlines\n").unwrap();
        assert_eq!(section(&new, "x").unwrap(), "new\nlines\n");
        assert_eq!(section(&new, "y").unwrap(), "keep\n");
        assert!(new.starts_with("a\n") && new.contains("-->\nb\n"));
        assert!(replace(page, "z", "").is_err());
    }

    /// Every section of BENCHMARKS.md is the report its command saved:
    /// `cargo xtask size --save` or `cargo xtask bench --save` rewrites it.
    #[test]
    fn sections_are_the_saved_reports() {
        let page = std::fs::read_to_string(root().join(PAGE)).unwrap();
        for (name, report) in SECTIONS {
            let saved = std::fs::read_to_string(root().join(report)).unwrap();
            assert_eq!(
                section(&page, name).unwrap().trim_end(),
                saved.trim_end(),
                "{PAGE}'s {name} section is not {report}: run `cargo xtask {name} --save`"
            );
        }
    }
}
