//! `cargo xtask bench`'s charts, from its [`Report`]: instructions per
//! operation on random actions, and the bound along each axis.

use std::path::Path;

use anyhow::{bail, Result};
use bench_report::Report;

use size_bench::chart::{draw, Bars};
use size_bench::numbers::thousands;

fn colour(i: usize) -> plotters::style::RGBColor {
    use plotters::style::RGBColor;
    const P: [RGBColor; 9] = [
        RGBColor(214, 77, 38),
        RGBColor(240, 150, 90),
        RGBColor(31, 119, 180),
        RGBColor(44, 160, 44),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(127, 127, 127),
        RGBColor(188, 189, 34),
        RGBColor(23, 190, 207),
    ];
    P[i % P.len()]
}

/// Grouped bars (the size chart's renderer): mean instructions per
/// allocate and free, median per realloc, on random actions; ours
/// highlighted. The axis stops at 500: lol_alloc's free-list walks (tens
/// of thousands) are cut there and labelled.
pub fn instructions(report: &Report, path: &Path) -> Result<()> {
    let rows = report.allocators.iter().map(|a| {
        let i = &a.traces["random"].instructions;
        let mean = |c: &bench_report::Counts| c.stats.as_ref().map_or(0.0, |s| s.mean).round();
        let median = i.realloc.stats.as_ref().map_or(0, |s| s.median);
        let values = vec![mean(&i.alloc) as i64, mean(&i.free) as i64, median as i64];
        (a.name.clone(), values, a.ours)
    });
    let bars = Bars {
        title: "wasm instructions per operation, random actions".into(),
        series: ["allocate (mean)", "free (mean)", "realloc (median)"]
            .map(String::from)
            .into(),
        rows: rows.collect(),
        cap: 500,
        x_desc: "instructions".into(),
    };
    draw(&bars, path)
}

/// An integer with thousands separators, for tick labels ("10", "1,000").
fn int_label(v: f64) -> String {
    thousands(v.round() as i64)
}

/// Small multiples: max instructions per allocate along one axis of the
/// bound sweep, one panel per allocator on shared log-log axes that start
/// and end at the data. Each panel repeats ours as a dashed grey reference;
/// a hollow marker is a point where an allocation in the measured window
/// grew memory.
pub fn bound(report: &Report, axis: &str, path: &Path) -> Result<()> {
    use plotters::prelude::*;
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    struct Line {
        name: String,
        ours: bool,
        /// (x, max instructions, grew memory)
        points: Vec<(f64, f64, bool)>,
    }
    let lines: Vec<Line> = report
        .allocators
        .iter()
        .map(|a| Line {
            name: a.name.clone(),
            ours: a.id == crate::bench::OURS,
            points: a
                .bound
                .iter()
                .filter(|b| b.axis == axis)
                .map(|b| {
                    let x = if axis == "live" { b.live } else { b.pages };
                    (
                        (x as f64).max(1.0),
                        (b.alloc.max as f64).max(1.0),
                        b.alloc.grew > 0,
                    )
                })
                .collect(),
        })
        .collect();
    let all = || lines.iter().flat_map(|l| l.points.iter());
    let lo_hi = |f: fn(&(f64, f64, bool)) -> f64| {
        all()
            .map(f)
            .fold((f64::INFINITY, 0f64), |(lo, hi), v| (lo.min(v), hi.max(v)))
    };
    let (xmin, xmax) = lo_hi(|p| p.0);
    let (ymin, ymax) = lo_hi(|p| p.1);
    if !xmin.is_finite() {
        bail!("no bound points on the {axis} axis");
    }
    // A little room around the data, so that end markers are not cut.
    let (xr, yr) = (
        (xmin / 1.25..xmax * 1.25).log_scale(),
        (ymin / 1.25..ymax * 1.25).log_scale(),
    );
    let what = if axis == "live" {
        "live blocks"
    } else {
        "heap pages (64 KiB)"
    };
    let cols = 3;
    let rows = lines.len().div_ceil(cols);
    let (w, panel_h, head) = (1080u32, 260u32, 64u32);
    let area = SVGBackend::new(path, (w, head + panel_h * rows as u32)).into_drawing_area();
    area.fill(&WHITE)?;
    let (top, body) = area.split_vertically(head);
    let centre =
        TextStyle::from(("sans-serif", 16).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
    top.draw(&Text::new(
        format!(
            "the bound: max wasm instructions per allocate as {what} grow (log-log, shared axes)"
        ),
        (w as i32 / 2, 8),
        centre,
    ))?;
    let note =
        TextStyle::from(("sans-serif", 13).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
    top.draw(&Text::new(
        "filled: no allocation in the window grew memory; hollow: one did (memory.grow); dashed grey: wasm-tlsf SmallGlobalTlsf",
        (w as i32 / 2, 34),
        note,
    ))?;
    let ours = lines.iter().find(|l| l.ours).map(|l| l.points.clone());
    for (i, (panel, line)) in body
        .split_evenly((rows, cols))
        .iter()
        .zip(&lines)
        .enumerate()
    {
        let c = colour(i);
        let (bottom, left) = (
            i / cols == rows - 1 || i + cols >= lines.len(),
            i % cols == 0,
        );
        let mut chart = ChartBuilder::on(panel)
            .caption(&line.name, ("sans-serif", 13))
            .margin(10)
            .x_label_area_size(if bottom { 36 } else { 20 })
            .y_label_area_size(if left { 62 } else { 44 })
            .build_cartesian_2d(xr.clone(), yr.clone())?;
        let mut mesh = chart.configure_mesh();
        mesh.x_label_formatter(&|v| int_label(*v))
            .y_labels(12)
            .y_label_formatter(&|v| int_label(*v))
            .label_style(("sans-serif", 11))
            .light_line_style(WHITE.mix(0.0));
        if bottom {
            mesh.x_desc(what);
        }
        if left {
            mesh.y_desc("instructions");
        }
        mesh.draw()?;
        if let (false, Some(o)) = (line.ours, &ours) {
            chart.draw_series(DashedLineSeries::new(
                o.iter().map(|p| (p.0, p.1)),
                4,
                3,
                RGBColor(120, 120, 120).stroke_width(1),
            ))?;
        }
        chart.draw_series(LineSeries::new(
            line.points.iter().map(|p| (p.0, p.1)),
            c.stroke_width(2),
        ))?;
        chart.draw_series(line.points.iter().map(|p| {
            let style = if p.2 { c.stroke_width(2) } else { c.filled() };
            Circle::new((p.0, p.1), 4, style)
        }))?;
    }
    area.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The charts' tick labels are integers ("10", "1,000"), never "10.0".
    #[test]
    fn charts_have_integer_ticks() {
        assert_eq!(int_label(10.0), "10");
        assert_eq!(int_label(100_000.0), "100,000");
        assert_eq!(int_label(999.6), "1,000");
        let saved = crate::util::root().join(crate::bench::SAVED);
        let report: Report = crate::util::read_json(&saved.join("report.json")).unwrap();
        let dir = std::env::temp_dir().join(format!("xtask-bench-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        instructions(&report, &dir.join("i.svg")).unwrap();
        bound(&report, "live", &dir.join("l.svg")).unwrap();
        bound(&report, "pages", &dir.join("p.svg")).unwrap();
        for f in ["i.svg", "l.svg", "p.svg"] {
            let svg = std::fs::read_to_string(dir.join(f)).unwrap();
            let texts: Vec<&str> = svg
                .split("</text>")
                .filter_map(|t| t.rsplit('>').next())
                .collect();
            assert!(texts.len() > 10, "{f}: {} labels", texts.len());
            for t in texts {
                let t = t.trim();
                assert!(
                    !(t.ends_with(".0")
                        && t[..t.len() - 2]
                            .chars()
                            .all(|c| c.is_ascii_digit() || c == ',')),
                    "{f}: tick label {t:?}"
                );
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
