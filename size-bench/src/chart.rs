//! The reports' bar charts (plotters: SVG only, no system fonts needed):
//! the size report's `report.svg`, and the bench report's
//! `instructions.svg` (xtask's `bench_charts`).

use std::path::Path;

use anyhow::Result;

use crate::numbers::thousands;
use crate::report::{SizeReport, COLUMNS};

/// Grouped horizontal bars: the chart of every report with rows of
/// allocators.
pub struct Bars {
    pub title: String,
    /// The legend: one entry per bar of a row (five colours).
    pub series: Vec<String>,
    /// One band per row, top to bottom: (label, a value per series,
    /// highlighted: bold on a shaded band).
    pub rows: Vec<(String, Vec<i64>, bool)>,
    /// The axis stops at this value so that the small values stay
    /// readable; a longer bar is cut there, marked with a break and
    /// labelled with its value.
    pub cap: i64,
    pub x_desc: String,
}

/// The size report's chart: each row's allocator bytes in the table's five
/// columns, ours highlighted, the axis cut at 10,000 B.
pub fn chart(report: &SizeReport, path: &Path) -> Result<()> {
    let rows = report.rows.iter().filter(|r| !r.is_baseline());
    let bars = Bars {
        title: "Allocator code bytes on wasm32 (row minus the null baseline; stripped; twiggy)"
            .into(),
        series: COLUMNS
            .iter()
            .map(|c| format!("opt-level {}", c.2))
            .collect(),
        rows: rows
            .map(|r| {
                (
                    r.name.clone(),
                    COLUMNS.iter().map(|(p, o, _)| r.bytes(p, o)).collect(),
                    r.ours,
                )
            })
            .collect(),
        cap: 10_000,
        x_desc: "allocator bytes".into(),
    };
    draw(&bars, path)
}

/// Draws `bars` as SVG into `path`.
pub fn draw(bars: &Bars, path: &Path) -> Result<()> {
    use plotters::prelude::*;
    use plotters::style::text_anchor::{HPos, Pos, VPos};

    let rows = &bars.rows;
    let max = rows
        .iter()
        .flat_map(|r| r.1.iter().copied())
        .max()
        .unwrap_or(1)
        .clamp(1, bars.cap);
    let x_end = max + max / 6;
    let n = rows.len();
    let bar = 9u32; // pixels per bar
    let band = bar * bars.series.len() as u32 + 12;
    // The label area fits the longest label: bold sans-serif at 13 px
    // averages under 7.5 px a character.
    let longest = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(10);
    let label_area = (longest as f64 * 7.5) as u32 + 16;
    let head_h = 60;
    let height = head_h + band * n as u32 + 60;
    let width = label_area + 720;
    let left = |size: u32| {
        TextStyle::from(("sans-serif", size).into_font()).pos(Pos::new(HPos::Left, VPos::Center))
    };
    let root_area = SVGBackend::new(path, (width, height)).into_drawing_area();
    root_area.fill(&WHITE)?;
    let colors = [
        RGBColor(31, 82, 150),
        RGBColor(120, 165, 220),
        RGBColor(120, 120, 120),
        RGBColor(196, 78, 30),
        RGBColor(240, 160, 110),
    ];
    // The title, then the legend (one entry per column), above the plot.
    let (head, plot) = root_area.split_vertically(head_h);
    head.draw(&Text::new(
        bars.title.as_str(),
        (width as i32 / 2, 16),
        TextStyle::from(("sans-serif", 17).into_font()).pos(Pos::new(HPos::Center, VPos::Center)),
    ))?;
    let mut x = label_area as i32 + 12;
    let y = 46;
    for (j, text) in bars.series.iter().enumerate() {
        head.draw(&Rectangle::new(
            [(x, y - 5), (x + 14, y + 5)],
            colors[j % colors.len()].filled(),
        ))?;
        head.draw(&Text::new(text.as_str(), (x + 19, y), left(12)))?;
        x += 19 + (text.len() as f64 * 6.6) as i32 + 18;
    }
    let mut chart = ChartBuilder::on(&plot)
        .margin(12)
        .margin_top(4)
        .x_label_area_size(36)
        .y_label_area_size(label_area)
        .build_cartesian_2d(0i64..x_end, 0f64..n as f64)?;
    // Row i's band is [n-1-i, n-i) on the y axis: the first row on top.
    let top = |i: usize| (n - i) as f64;
    let px = 1.0 / band as f64; // y units per pixel
    chart.draw_series(rows.iter().enumerate().filter(|r| r.1 .2).map(|(i, _)| {
        Rectangle::new(
            [(0, top(i) - 1.0), (x_end, top(i))],
            RGBColor(253, 240, 200).filled(),
        )
    }))?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_labels(8)
        .x_label_formatter(&|v| thousands(*v))
        .light_line_style(RGBColor(242, 242, 242))
        .x_desc(bars.x_desc.as_str())
        .draw()?;
    for (i, (_, bytes, _)) in rows.iter().enumerate() {
        for (j, &b) in bytes.iter().enumerate() {
            let y1 = top(i) - (6 + bar * j as u32) as f64 * px;
            let y0 = y1 - (bar - 1) as f64 * px;
            let mid = (y0 + y1) / 2.0;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(0, y0), (b.min(x_end), y1)],
                colors[j % colors.len()].filled(),
            )))?;
            let mut end = b;
            if b > x_end {
                // A cut bar: a white break near its end.
                let cut = x_end - x_end / 40;
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(cut, y0), (cut + x_end / 200, y1)],
                    WHITE.filled(),
                )))?;
                end = cut;
            }
            if end > x_end - x_end / 10 {
                // No room after the bar: the value inside its end, dark on
                // the light colours.
                let ink = if j % 3 == 1 { BLACK } else { WHITE };
                let style = TextStyle::from(("sans-serif", 11).into_font())
                    .color(&ink)
                    .pos(Pos::new(HPos::Right, VPos::Center));
                let text = if b > x_end {
                    format!("{} »", thousands(b))
                } else {
                    thousands(b)
                };
                chart.draw_series(std::iter::once(Text::new(
                    text,
                    (end - x_end / 150, mid),
                    style,
                )))?;
            } else {
                chart.draw_series(std::iter::once(Text::new(
                    thousands(b),
                    (b + x_end / 200, mid),
                    left(11),
                )))?;
            }
        }
    }
    // Row labels, right-aligned against the plot, at each band's middle;
    // ours in bold.
    for (i, (name, _, ours)) in rows.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(0, top(i) - 0.5));
        let font = if *ours {
            ("sans-serif", 13, FontStyle::Bold).into_font()
        } else {
            ("sans-serif", 13).into_font()
        };
        let style = TextStyle::from(font).pos(Pos::new(HPos::Right, VPos::Center));
        // `backend_coord` is in the whole image's pixels.
        root_area.draw(&Text::new(name.clone(), (x - 8, y), style))?;
    }
    root_area.present()?;
    Ok(())
}
