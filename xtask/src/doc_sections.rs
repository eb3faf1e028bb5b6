//! BENCHMARKS.md, the one page for figures. Each report command rewrites
//! its own section, between `<!-- NAME:begin -->` and `<!-- NAME:end -->`,
//! with the markdown it saves (`size`: `size-bench/results/report.md`;
//! `bench`, `programs`: `bench/results/`); the rest of the page is written
//! by hand. Each `--save` (and `bench --redraw`) also rewrites the
//! comparison (`summary`) in README and BENCHMARKS.md from the saved JSON
//! reports alone, and the package README from README. Tests check that
//! every section is its saved report.

use anyhow::{bail, Context, Result};
use bench_report::{Programs, Report};
use size_bench::allocators::Has;
use size_bench::report::SizeReport;

use crate::util::{read_json, root};

/// The page, from the repository's root.
pub const PAGE: &str = "BENCHMARKS.md";

/// Where section `name`'s body lies in `page`.
fn span(page: &str, name: &str) -> Result<(usize, usize)> {
    let (begin, end) = (
        format!("<!-- {name}:begin -->\n"),
        format!("<!-- {name}:end -->"),
    );
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

/// Rewrites section `name` of BENCHMARKS.md with `body`, and the summary
/// of BENCHMARKS.md and README from the saved reports.
pub fn write_section(name: &str, body: &str) -> Result<()> {
    let summary = summary()?;
    for page in [PAGE, README] {
        let path = root().join(page);
        let mut text = std::fs::read_to_string(&path)?;
        if page == PAGE {
            text = replace(&text, name, body)?;
        }
        std::fs::write(&path, replace(&text, "summary", &summary)?)?;
    }
    crate::package_readme::write()
}

/// The page whose summary the reports rewrite.
pub const README: &str = "README.md";

/// The allocators README's comparison shows, in order, by registry id (the
/// id in the size report, the bench report and the real programs' report;
/// the name shown is the registry's).
const COMPARED: [&str; 8] = [
    "wasm-tlsf",
    "std",
    "talc",
    "rlsf",
    "rlsf-global",
    "lol_alloc",
    "wee_alloc",
    "wasmalloc",
];

/// What the reports do not measure: each allocator's documented bound,
/// WASI, statistics and heap checker ("tested" where this project's
/// tests run it), by id.
fn choice_facts(id: &str) -> [&'static str; 4] {
    match id {
        "wasm-tlsf" => ["yes", "yes (tested)", "yes", "yes"],
        "std" => ["no", "yes", "no", "no"],
        "talc" => ["no", "not tested", "yes", "no"],
        "rlsf" | "rlsf-global" => ["yes", "not tested", "no", "no"],
        "lol_alloc" => ["no: O(free blocks)", "not tested", "no", "no"],
        _ => ["no", "not tested", "no", "no"],
    }
}

/// README's comparison, from the saved reports only
/// (`size-bench/results/report.json`, `bench/results/report.json`,
/// `bench/results/programs.json`): code bytes, speed over the real
/// programs, pages at the end of two traces, and the features users
/// choose by.
pub fn summary() -> Result<String> {
    let size = read_json::<SizeReport>(&root().join("size-bench/results/report.json"))?;
    let bench: Report = read_json(&root().join("bench/results/report.json"))?;
    let programs: Programs = read_json(&root().join("bench/results/programs.json"))?;
    if bench.quick {
        bail!("the saved bench report is a quick run's");
    }
    let n = |v: u64| size_bench::numbers::thousands(v as i64);
    let size_row = |id: &str| {
        size.row(id)
            .with_context(|| format!("size report: no row {id}"))
    };
    let bytes = |id: &str, profile: &str, opt: &str| -> Result<u64> {
        Ok(size_row(id)?.bytes(profile, opt) as u64)
    };
    let word = |h: Has| serde_json::to_value(h).map(|v| v.as_str().unwrap_or("?").to_string());
    let pages = |id: &str, t: &str| -> Result<u64> {
        let a = bench.allocators.iter().find(|a| a.id == id);
        a.and_then(|a| Some(a.traces.get(t)?.pages_end))
            .with_context(|| format!("bench report: no pages_end for {id} on {t}"))
    };
    // Node's wall-clock at `profile`.
    let speed = |id: &str, profile: &str| -> Result<String> {
        let pick = |(p, e, c): (&str, &str, &str)| (p, e, c) == (profile, "node", "wall");
        let geo = programs
            .geomeans
            .iter()
            .find(|g| pick((&g.profile, &g.engine, &g.clock)) && g.allocator == id)
            .and_then(|g| g.geomean)
            .with_context(|| format!("programs report: no geomean for {id}"))?;
        let ratios: Vec<f64> = programs
            .results
            .iter()
            .filter(|r| pick((&r.profile, &r.engine, &r.clock)) && r.allocator == id)
            .filter_map(|r| r.figures.as_ref()?.ratio_median)
            .collect();
        if ratios.is_empty() {
            bail!("programs report: no results for {id}");
        }
        let (lo, hi) = size_bench::numbers::min_max(&ratios);
        Ok(if id == "wasm-tlsf" {
            "1.00".to_string()
        } else {
            format!("{geo:.2} ({lo:.2}-{hi:.2})")
        })
    };
    let (count, rounds, node) = (
        programs.meta.programs.len(),
        programs.meta.rounds,
        &programs.meta.node,
    );
    let mut out = String::from(
        "| allocator | code bytes, opt-level \"s\" | code bytes, 3 + `wasm-opt -O` \
         | their time / ours, real programs, opt-level 3 | their time / ours, opt-level \"s\" \
         | pages, fragmenting trace | pages, growing buffer |\n\
         |---|--:|--:|--:|--:|--:|--:|\n",
    );
    let mut features = String::from(
        "| allocator | bounded time per call | in-place realloc | merges across grows \
         | threads | WASI | stats | heap checker |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    for id in COMPARED {
        let a = size_bench::allocators::get(id).with_context(|| format!("registry: no {id}"))?;
        let name = if a.ours() {
            format!("**{}**", a.name())
        } else {
            a.name()
        };
        out += &format!(
            "| {name} | {} | {} | {} | {} | {} | {} |\n",
            n(bytes(id, "s", "none")?),
            n(bytes(id, "3", "O")?),
            speed(id, "3")?,
            speed(id, "s")?,
            n(pages(id, "random")?),
            n(pages(id, "buffer")?),
        );
        let [bound, wasi, stats, check] = choice_facts(id);
        features += &format!(
            "| {name} | {bound} | {} | {} | {} | {wasi} | {stats} | {check} |\n",
            word(size_row(id)?.features.realloc_in_place)?,
            word(size_row(id)?.features.merges_across_grows)?,
            word(size_row(id)?.features.threads)?,
        );
    }
    out += &format!(
        "\n**Code bytes**: the allocator's share of a small module (fewer is better). \
         **Their time / ours**: the geometric mean over {count} real Rust programs \
         (JSON, regex, collections, strings, trees, a parser, a frame loop) built at the \
         opt-level named (Rust's default allocator is dlmalloc, which comes prebuilt with \
         std; the real-program tables also time the dlmalloc crate, built with the \
         program), in node {node}, median of {rounds} rounds, with the range over the \
         programs; \
         below 1.00 the other allocator is faster, above 1.00 wasm-tlsf is. \
         **Pages** (64 KiB) at the end of a random allocate/free/realloc trace \
         (~5,000 live blocks, 1 B to 64 KiB) and of a buffer grown a page at a time \
         (fewer is better). Below, \"threads\": safe as the global allocator of a build \
         with shared memory; \"WASI\": next to wasi-libc's own `malloc`.\n"
    );
    out += "\n";
    out += &features;
    Ok(out)
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

    /// The summary of README and of BENCHMARKS.md is made from the saved
    /// reports.
    #[test]
    fn summaries_are_the_saved_reports() {
        let made = summary().unwrap();
        for page in [README, PAGE] {
            let text = std::fs::read_to_string(root().join(page)).unwrap();
            assert_eq!(
                section(&text, "summary").unwrap().trim_end(),
                made.trim_end(),
                "{page}'s summary is not made from the saved reports: run `cargo xtask bench --redraw`"
            );
        }
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
