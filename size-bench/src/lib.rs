//! size-bench: the code-size tool, and the allocator registry every report
//! reads.
//!
//! - [`allocators`]: the allocators measured, written once.
//! - [`size()`]: builds `module/` once per allocator and profile, strips it,
//!   measures it with twiggy (and after wasm-opt), writes the table, JSON
//!   and chart under `target/size-bench/`, and checks the budget
//!   (`budget.json`). `cargo xtask size` calls it.
//! - [`report`]: the report's types ([`report::SizeReport`], serde) and
//!   its markdown; [`chart`]: its SVG chart.
//! - [`build`]: one build of `module/` (the benchmarks build theirs here).
//! - [`wasm`]: reading built modules (wasmparser).
//! - [`numbers`]: the reports' number formatter, table and statistics.
//! - [`cmd`]: running commands, reading Cargo's files (xtask's too).

pub mod allocators;
pub mod chart;
pub mod cmd;
pub mod numbers;
pub mod report;
mod size;
pub mod wasm;

pub use cmd::root;
pub use size::{build, size};
