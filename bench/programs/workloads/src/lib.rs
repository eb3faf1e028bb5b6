//! Real programs for the allocator comparison. Each one generates its input
//! from a seed (inside wasm), runs to the end, and returns a checksum of
//! what it computed, the same under every allocator. The library has no
//! allocator of its own: the module that links it picks the global one.

mod collections;
mod frame;
mod json;
mod parser;
mod regexes;
mod strings;
mod trees;
mod util;

/// The programs `run` knows, by number.
pub const PROGRAMS: &[&str] = &[
    "json",
    "regex",
    "collections",
    "strings",
    "trees",
    "parser",
    "frame",
];

/// Runs program number `program` with input from `seed` at size `scale`;
/// returns its checksum (0 for an unknown program).
pub fn run(program: u32, seed: u32, scale: u32) -> u64 {
    let seed = u64::from(seed);
    match program {
        0 => json::run(seed, scale),
        1 => regexes::run(seed, scale),
        2 => collections::run(seed, scale),
        3 => strings::run(seed, scale),
        4 => trees::run(seed, scale),
        5 => parser::run(seed, scale),
        6 => frame::run(seed, scale),
        _ => 0,
    }
}
