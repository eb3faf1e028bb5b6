//! BENCHMARKS.md, the one page for figures. Each report command rewrites
//! its own section, between markers, with the report it saves:
//!
//! - `<!-- size:begin -->` .. `<!-- size:end -->`: `cargo xtask size
//!   --save`, from `size-bench/results/report.md`;
//! - `<!-- bench:begin -->` .. `<!-- bench:end -->`: `cargo xtask bench
//!   --save`, from `bench/results/report.md`;
//! - `<!-- programs:begin -->` .. `<!-- programs:end -->`: the real
//!   programs' table, by `cargo xtask bench --save` (or `bench --programs
//!   --save`), from `bench/results/programs.md`.
//!
//! The rest of the page (how the figures are made, what each means) is
//! written by hand. Each `--save` also rewrites README's short summary
//! (`<!-- summary:begin -->` .. `<!-- summary:end -->`) from the two saved
//! `report.json` files. Tests check that every section is its saved report
//! and that the summary is made from the saved reports.

use anyhow::{bail, Context, Result};
use serde_json::Value;

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

/// Rewrites section `name` of BENCHMARKS.md with `body`, and README's
/// summary from the saved reports.
pub fn write_section(name: &str, body: &str) -> Result<()> {
    let path = root().join(PAGE);
    let page = std::fs::read_to_string(&path)?;
    std::fs::write(&path, replace(&page, name, body)?)?;
    let path = root().join(README);
    let readme = std::fs::read_to_string(&path)?;
    std::fs::write(&path, replace(&readme, "summary", &summary()?)?)?;
    Ok(())
}

/// The page whose summary the reports rewrite.
pub const README: &str = "README.md";

fn saved_json(path: &str) -> Result<Value> {
    let text = std::fs::read_to_string(root().join(path)).with_context(|| path.to_string())?;
    Ok(serde_json::from_str(&text)?)
}

/// README's summary: one figure each for size, speed and memory, ours
/// against Rust's default allocator, from the saved reports.
pub fn summary() -> Result<String> {
    let size = saved_json("size-bench/results/report.json")?;
    let bench = saved_json("bench/results/report.json")?;
    let bytes = |id: &str| {
        size["rows"]
            .as_array()
            .and_then(|rows| rows.iter().find(|r| r["id"] == id))
            .and_then(|r| r["allocator_bytes"].as_u64())
            .with_context(|| format!("size report: no allocator_bytes for row {id}"))
    };
    let trace = |id: &str, t: &str| -> Result<&Value> {
        bench["allocators"]
            .as_array()
            .and_then(|a| a.iter().find(|a| a["id"] == id))
            .map(|a| &a["traces"][t])
            .filter(|v| !v.is_null())
            .with_context(|| format!("bench report: no {t} trace for {id}"))
    };
    let ratio = |t: &str| -> Result<(f64, usize)> {
        let w = &trace("std", t)?["wallclock_node"];
        let r = w["ratio_to_ours_median"]
            .as_f64()
            .with_context(|| format!("bench report: no node ratio on {t}"))?;
        Ok((r, w["ns_per_op"].as_array().map_or(0, |a| a.len())))
    };
    let pages = |id: &str, t: &str| -> Result<u64> {
        trace(id, t)?["pages_end"]
            .as_u64()
            .with_context(|| format!("bench report: no pages_end for {id} on {t}"))
    };
    if bench["quick"] == true {
        bail!("the saved bench report is a quick run's");
    }
    let (ours_b, std_b) = (bytes("wasm-tlsf")?, bytes("std")?);
    let (r_random, rounds) = ratio("random")?;
    let (r_serde, _) = ratio("serde_json")?;
    let (ours_p, std_p) = (
        pages("wasm-tlsf", "serde_json")?,
        pages("std", "serde_json")?,
    );
    let (ours_rp, std_rp) = (pages("wasm-tlsf", "random")?, pages("std", "random")?);
    let n = |v: u64| size_bench::numbers::thousands(v as i64);
    Ok(format!(
        "| | wasm-tlsf | Rust's default (dlmalloc) | which is better |\n\
         |---|--:|--:|---|\n\
         | **size**: allocator code in the module (opt-level \"z\", bytes) | {} | {} | fewer bytes |\n\
         | **speed**: time of a random allocate/free/realloc trace in node, relative to wasm-tlsf (median of {rounds} rounds) | 1.00 | {r_random:.2} | lower: above 1.00, dlmalloc takes longer |\n\
         | **memory**: linear memory at the end of a real program's allocations (serde_json's; 64 KiB pages) | {} | {} | fewer pages |\n\
         \n\
         Other traces differ: on the real program's trace dlmalloc's time in node is \
         {r_serde:.2} times wasm-tlsf's, and on the random trace the memory at the end is \
         {} pages for wasm-tlsf against {} for dlmalloc.\n",
        n(ours_b),
        n(std_b),
        n(ours_p),
        n(std_p),
        n(ours_rp),
        n(std_rp),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each section and the saved report it holds.
    const SECTIONS: [(&str, &str); 3] = [
        ("size", "size-bench/results/report.md"),
        ("bench", "bench/results/report.md"),
        ("programs", "bench/results/programs.md"),
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

    /// README's summary is made from the saved reports.
    #[test]
    fn readme_summary_is_the_saved_reports() {
        let readme = std::fs::read_to_string(root().join(README)).unwrap();
        assert_eq!(
            section(&readme, "summary").unwrap().trim_end(),
            summary().unwrap().trim_end(),
            "README's summary is not made from the saved reports: run `cargo xtask bench --redraw`"
        );
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
