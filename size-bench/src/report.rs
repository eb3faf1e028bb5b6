//! The size report's types (`target/size-bench/report.json`,
//! `size-bench/results/report.json`; fields documented in
//! `size-bench/README.md`), read and written with serde, and its markdown:
//! the summary table the terminal shows and the full `report.md`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::allocators::{Features, Has, FEATURE_LEGEND};
use crate::numbers::{signed, table, thousands};

/// The report's format version.
pub const SCHEMA: u32 = 2;

/// The profiles measured, by opt-level (`size-bench/module`'s Cargo.toml
/// defines the cargo profiles: `release`, `release-s`, `speed`).
pub const PROFILES: [&str; 3] = ["z", "s", "3"];

/// The table's columns: (profile, wasm-opt level or "none", header). The
/// combinations users ship: cargo's size profiles with `wasm-opt -Oz`, its
/// default release profile (opt-level 3) with `wasm-pack build`'s
/// `wasm-opt -O`. Every other combination is in the JSON.
pub const COLUMNS: [(&str, &str, &str); 5] = [
    ("z", "none", "z"),
    ("z", "Oz", "z + wasm-opt -Oz"),
    ("s", "none", "s"),
    ("3", "none", "3"),
    ("3", "O", "3 + wasm-opt -O"),
];

/// The profiles the budget holds (`budget.json`), in the report's order.
pub const BUDGETED: [&str; 2] = ["z", "3"];

/// Bytes by wasm-opt level: "none" (the build as is), "Oz", "O".
pub type ByOpt<T> = BTreeMap<String, T>;

/// `report.json`.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct SizeReport {
    pub schema: u32,
    pub method: String,
    pub rustc: String,
    pub twiggy: String,
    pub wasm_opt: String,
    /// The budgets of `budget.json`, by profile.
    pub budget_allocator_bytes: BTreeMap<String, i64>,
    pub rows: Vec<Row>,
}

/// One allocator, measured at every profile.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct Row {
    /// The registry's id (`size_bench::allocators`).
    pub id: String,
    pub name: String,
    #[serde(rename = "crate")]
    pub krate: String,
    pub version: String,
    pub variant: String,
    pub ours: bool,
    pub features: Features,
    pub note: String,
    /// At opt-level z, without wasm-opt (as `sizes["z"].allocator_bytes["none"]`).
    pub allocator_bytes: i64,
    /// By profile ("z", "s", "3").
    pub sizes: BTreeMap<String, Sizes>,
    /// With `--baseline OLD.json`: the old report's allocator bytes and the
    /// change, by budgeted profile.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub baseline_allocator_bytes: BTreeMap<String, i64>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub change_bytes: BTreeMap<String, i64>,
}

/// One row at one profile.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Sizes {
    /// The stripped module's bytes.
    pub total_bytes: ByOpt<u64>,
    /// The stripped module's bytes minus the baseline row's.
    pub allocator_bytes: ByOpt<i64>,
    pub panics_or_fmt: bool,
    pub panic_fmt_functions: Vec<String>,
    /// Our rows: every allocator byte by twiggy item (this module's items
    /// minus the baseline's), largest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub breakdown: Vec<Item>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Item {
    pub item: String,
    pub bytes: i64,
}

impl SizeReport {
    pub fn row(&self, id: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.id == id)
    }
}

impl Row {
    /// Allocator bytes at `profile` and wasm-opt level `opt` (0 if absent).
    pub fn bytes(&self, profile: &str, opt: &str) -> i64 {
        self.sizes
            .get(profile)
            .and_then(|s| s.allocator_bytes.get(opt))
            .copied()
            .unwrap_or(0)
    }

    pub fn is_baseline(&self) -> bool {
        self.id == "null"
    }
}

/// What lol_alloc's free list gives up for its size (from its source:
/// `lol_alloc/src/free_list_allocator.rs`, 0.4.1).
const LOL_NOTE: &str = "lol_alloc's FreeListAllocator is smaller because it does less: \
    one address-sorted free list that every allocate and every free walks \
    (O(n) in free blocks, so each operation slows as the heap fragments), \
    and no realloc of its own (every resize copies).";

/// The summary table (the terminal's and the report's), with a change
/// column when the report holds a baseline.
pub fn summary(report: &SizeReport) -> String {
    let with_change = report.rows.iter().any(|r| !r.change_bytes.is_empty());
    let mut header = vec!["allocator", "version", "features"];
    header.extend(COLUMNS.iter().map(|c| c.2));
    header.push("panic/fmt code");
    let mut right = vec![false, false, false, true, true, true, true, true, false];
    if with_change {
        header.push("change (z / 3)");
        right.push(true);
    }
    let mut cells = Vec::new();
    for r in &report.rows {
        let mut c = vec![
            if r.ours {
                format!("**{}**", r.name)
            } else {
                r.name.clone()
            },
            r.version.clone(),
            format!("`{}`", r.features.cell()),
        ];
        for (p, o, _) in COLUMNS {
            c.push(if r.is_baseline() {
                format!("({})", thousands(r.sizes[p].total_bytes[o] as i64))
            } else {
                thousands(r.bytes(p, o))
            });
        }
        let with_fmt: Vec<&str> = PROFILES
            .into_iter()
            .filter(|p| r.sizes[*p].panics_or_fmt)
            .collect();
        c.push(if with_fmt.is_empty() {
            "none".into()
        } else {
            format!("**yes** ({})", with_fmt.join(", "))
        });
        if with_change {
            let change = |p| r.change_bytes.get(p).map_or("new".into(), |&d| signed(d));
            c.push(format!("{} / {}", change("z"), change("3")));
        }
        cells.push(c);
    }
    format!(
        "Allocator code bytes on wasm32: each row's stripped module minus the baseline's, \
         at the opt-level (z, s, 3) and wasm-opt level of each column; the baseline row \
         shows its own module bytes.\n\n{}\n{FEATURE_LEGEND}.\n",
        table(&header, &right, &cells)
    )
}

/// Where our default row stands, column by column, among allocators that
/// free.
pub fn standing(report: &SizeReport, ours: &Row) -> String {
    let mut stand = String::new();
    for (p, o, head) in COLUMNS {
        let our = ours.bytes(p, o);
        let smaller: Vec<String> = report
            .rows
            .iter()
            .filter(|r| !r.ours && r.features.frees == Has::Yes && r.bytes(p, o) < our)
            .map(|r| format!("{} ({})", r.name, thousands(r.bytes(p, o))))
            .collect();
        let smaller = if smaller.is_empty() {
            "none".into()
        } else {
            smaller.join(", ")
        };
        stand += &format!(
            "- {head}: ours {} B; smaller among allocators that free: {smaller}\n",
            thousands(our)
        );
    }
    stand
}

/// The budgets against our default row, one line each.
pub fn budget_lines(report: &SizeReport, ours: &Row) -> String {
    let mut s = String::new();
    for p in BUDGETED {
        let b = report.budget_allocator_bytes.get(p).copied().unwrap_or(0);
        s += &format!(
            "Budget for our default row at opt-level {p} (`size-bench/budget.json`): {} B; measured {} B.\n",
            thousands(b),
            thousands(ours.bytes(p, "none"))
        );
    }
    s
}

/// `report.md`: the summary, the notes, where we stand, the budgets and
/// our rows' breakdowns.
pub fn markdown(report: &SizeReport, ours: &Row) -> String {
    let mut md = summary(report);
    let notes: Vec<String> = report
        .rows
        .iter()
        .filter(|r| !r.note.is_empty())
        .map(|r| format!("- {}: {}.", r.name, r.note))
        .collect();
    md += &format!("\nNotes:\n\n{}\n", notes.join("\n"));
    md += &format!("\nWhere we stand:\n\n{}", standing(report, ours));
    let lol = report.row("lol_alloc");
    if lol.is_some_and(|l| l.bytes("z", "none") < ours.bytes("z", "none")) {
        md += &format!("\n{LOL_NOTE}\n");
    }
    md += &format!("\n{}", budget_lines(report, ours));
    // Our rows' breakdowns: one table per row, a column per profile.
    for r in report.rows.iter().filter(|r| r.ours) {
        let mut items: BTreeMap<&str, [i64; 3]> = BTreeMap::new();
        for (i, p) in PROFILES.iter().enumerate() {
            for b in &r.sizes[*p].breakdown {
                items.entry(&b.item).or_default()[i] = b.bytes;
            }
        }
        let mut items: Vec<(&str, [i64; 3])> = items.into_iter().collect();
        items.sort_by(|a, b| {
            b.1[0]
                .cmp(&a.1[0])
                .then(b.1[2].cmp(&a.1[2]))
                .then(a.0.cmp(b.0))
        });
        let mut cells: Vec<Vec<String>> = items
            .iter()
            .map(|(k, v)| {
                let mut c = vec![format!("`{k}`")];
                c.extend(v.iter().map(|&n| thousands(n)));
                c
            })
            .collect();
        let mut total = vec!["total".to_string()];
        total.extend(PROFILES.iter().map(|p| thousands(r.bytes(p, "none"))));
        cells.push(total);
        md += &format!(
            "\nAllocator bytes of **{}**, by twiggy item (this module's items minus the baseline's):\n\n",
            r.name
        );
        md += &table(
            &["item", "opt-level z", "opt-level s", "opt-level 3"],
            &[false, true, true, true],
            &cells,
        );
    }
    md
}
