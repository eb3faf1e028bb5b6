//! The allocators every report measures, written once: the size report
//! (`cargo xtask size`), the speed and memory benchmarks, the cold start
//! and the real programs (`cargo xtask bench`) read this table. Tests check
//! it against `size-bench/module`'s and `bench/programs/module`'s cargo
//! features.

use serde::{Deserialize, Serialize};

/// Whether an allocator has a feature.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Has {
    Yes,
    /// In part; the row's note says how.
    Partly,
    No,
}

/// What an allocator does beyond allocating (the reports' feature column,
/// so that bytes are compared with what they buy), read from each crate's
/// source at the pinned version. In the registry it is written as the
/// column's cell: one letter per feature in this order, lower case when
/// partly, `-` when absent.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Features {
    /// F: frees memory for reuse (the baseline and the bump allocator do
    /// not).
    pub frees: Has,
    /// R: `realloc` grows or shrinks a block where it is, when it can,
    /// rather than always allocating, copying and freeing.
    pub realloc_in_place: Has,
    /// G: memory from one `memory.grow` merges with free memory at the end
    /// of the heap, so a request can span two grows.
    pub merges_across_grows: Has,
    /// I: uses the initial memory after the linker's `__heap_base` before
    /// growing memory.
    pub uses_initial_memory: Has,
    /// T: works in a module built with wasm threads (atomics, shared
    /// memory).
    pub threads: Has,
}

/// The legend of the feature column.
pub const FEATURE_LEGEND: &str =
    "features: F frees, R reallocates in place, G merges memory across \
    `memory.grow`, I uses the initial memory (from `__heap_base`) before growing, T works with \
    wasm threads; lower case: partly (see the notes), `-`: no";

const LETTERS: &str = "FRGIT";

impl Features {
    /// The features of a cell such as `"FRGi-"` (the order of
    /// [`LETTERS`]).
    pub fn from_cell(cell: &str) -> Features {
        let has = |i: usize| match cell.as_bytes()[i] {
            b'-' => Has::No,
            c if c == LETTERS.as_bytes()[i] => Has::Yes,
            c if c == LETTERS.as_bytes()[i].to_ascii_lowercase() => Has::Partly,
            _ => {
                panic!("feature cell {cell:?}: letter {i} is not one of {LETTERS}, lower case or -")
            }
        };
        assert_eq!(cell.len(), LETTERS.len(), "feature cell {cell:?}");
        Features {
            frees: has(0),
            realloc_in_place: has(1),
            merges_across_grows: has(2),
            uses_initial_memory: has(3),
            threads: has(4),
        }
    }

    /// The column's cell (the inverse of [`Features::from_cell`]).
    pub fn cell(&self) -> String {
        let all = [
            self.frees,
            self.realloc_in_place,
            self.merges_across_grows,
            self.uses_initial_memory,
            self.threads,
        ];
        all.iter()
            .zip(LETTERS.chars())
            .map(|(h, c)| match h {
                Has::Yes => c,
                Has::Partly => c.to_ascii_lowercase(),
                Has::No => '-',
            })
            .collect()
    }
}

/// One allocator: a cargo feature of `size-bench/module`, a row of the size
/// report, and of the benchmarks its flags name.
pub struct Allocator {
    /// The cargo feature of `size-bench/module` that picks the allocator;
    /// also its stable id in every report.
    pub id: &'static str,
    /// The crate the allocator comes from (its version is read from
    /// `size-bench/module/Cargo.lock`).
    pub krate: &'static str,
    /// Which of the crate's allocators, or how it is set up.
    pub variant: &'static str,
    /// The feature column's cell (see [`Features`]).
    pub features: &'static str,
    /// What the row's set-up or features need said (empty: nothing).
    pub note: &'static str,
    /// Measured by `cargo xtask bench` (the baseline and builds that differ
    /// only in code size are not).
    pub bench: bool,
    /// Also replayed cold (`cargo xtask bench`'s cold start): ours both ways
    /// and the peers whose replays are cheap (wee_alloc's and lol_alloc's
    /// free lists are walked per operation: seconds per replay).
    pub cold_start: bool,
    /// Runs the real programs (`bench/programs/module`'s features, the
    /// allocators a program would swap in: not the size-only variants).
    pub programs: bool,
}

/// A row every benchmark runs; rows below override what differs.
const EVERYWHERE: Allocator = Allocator {
    id: "",
    krate: "",
    variant: "",
    features: "F----",
    note: "",
    bench: true,
    cold_start: true,
    programs: true,
};

/// A row of the size report only.
const SIZE_ONLY: Allocator = Allocator {
    bench: false,
    cold_start: false,
    programs: false,
    ..EVERYWHERE
};

/// Ours: frees, reallocates in place, merges across grows, starts in the
/// initial memory, and takes a lock where threads can run (build.rs's
/// `wasm_tlsf_threads`: `+atomics` and the `*-threads` targets).
const OURS: &str = "FRGIT";

/// Every allocator, in the reports' order.
#[rustfmt::skip]
pub const ALLOCATORS: &[Allocator] = &[
    Allocator { id: "null", krate: "(none)", variant: "always returns null (baseline)", features: "-----", ..SIZE_ONLY },
    Allocator { id: "wasm-tlsf", krate: "wasm-tlsf", variant: "SmallGlobalTlsf", features: OURS, ..EVERYWHERE },
    Allocator { id: "wasm-tlsf-stats", krate: "wasm-tlsf", variant: "SmallGlobalTlsf + stats", features: OURS,
        cold_start: false, programs: false, ..EVERYWHERE },
    Allocator { id: "wasm-tlsf-amortized", krate: "wasm-tlsf", variant: "GlobalTlsf<Amortized<WasmMemory>, 25, 32>",
        features: OURS, programs: false,
        note: "grows memory by at least an eighth of what it has grown so far (`Growth::Amortized`)", ..EVERYWHERE },
    Allocator { id: "wasm-tlsf-debug-checks", krate: "wasm-tlsf", variant: "SmallGlobalTlsf + debug-checks",
        features: OURS,
        note: "feature `debug-checks` formats its fault messages, so it links formatting code", ..SIZE_ONLY },
    Allocator { id: "rlsf", krate: "rlsf", variant: "SmallGlobalTlsf",
        note: "its options turn off in-place realloc (`ENABLE_REALLOCATION`) and merging pools across grows \
               (`COALESCE_POOLS`)", ..EVERYWHERE },
    Allocator { id: "rlsf-global", krate: "rlsf", variant: "GlobalTlsf", features: "FRG--", ..EVERYWHERE },
    Allocator { id: "talc", krate: "talc", variant: "WasmDynamicTalc", features: "FRG--",
        note: "set up as its wasm README recommends (`new_wasm_dynamic_allocator`)", ..EVERYWHERE },
    Allocator { id: "wee_alloc", krate: "wee_alloc", variant: "WeeAlloc", cold_start: false,
        note: "archived upstream; its free lists leak without bound on some patterns", ..EVERYWHERE },
    Allocator { id: "lol_alloc", krate: "lol_alloc", variant: "FreeListAllocator", features: "F-G--", cold_start: false,
        note: "in `AssumeSingleThreaded`, as its docs set it up for single-threaded wasm", ..EVERYWHERE },
    Allocator { id: "lol_alloc-leaking", krate: "lol_alloc", variant: "LeakingPageAllocator", features: "----T",
        note: "never frees: one `memory.grow` per allocation (the floor)", ..SIZE_ONLY },
    Allocator { id: "dlmalloc", krate: "dlmalloc", variant: "GlobalDlmalloc", features: "FRGi-",
        note: "the crate used directly; it takes the initial memory for its first system allocation only when \
               that fits there (64 KiB and up: not with the default link)", ..EVERYWHERE },
    Allocator { id: "wasmalloc", krate: "wasmalloc", variant: "WasmAlloc", features: "FrGi-", cold_start: false,
        note: "a size-class allocator over 64 KiB slices: realloc stays in place within a size class and for \
               runs above 40 KiB, copies otherwise; it uses whole 64 KiB slices of the initial memory only",
        ..EVERYWHERE },
    Allocator { id: "std", krate: "std", variant: "default allocator", features: "FRG-T",
        note: "no `#[global_allocator]`: Rust's default on wasm32, dlmalloc inside std (a version that does \
               not use the initial memory), behind a lock when built with atomics", ..EVERYWHERE },
];

/// The allocator with this id.
pub fn get(id: &str) -> Option<&'static Allocator> {
    ALLOCATORS.iter().find(|a| a.id == id)
}

impl Allocator {
    /// How the reports name it (markdown): crate and `variant`; Rust's
    /// default by what users know it as. (Tables bold ours themselves.)
    pub fn name(&self) -> String {
        match self.krate {
            "std" => "Rust's default (dlmalloc in std)".to_string(),
            "(none)" => self.variant.to_string(),
            k => format!("{k} `{}`", self.variant),
        }
    }

    pub fn ours(&self) -> bool {
        self.krate == "wasm-tlsf"
    }

    pub fn features(&self) -> Features {
        Features::from_cell(self.features)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The features a module's `Cargo.toml` declares, sorted.
    fn features_of(manifest: &str) -> Vec<String> {
        let manifest = crate::cmd::toml_file(manifest).unwrap();
        manifest["features"]
            .as_table()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    }

    /// The allocator crate's features and the size module's are the
    /// registry's ids, nothing more or less.
    #[test]
    fn module_features_are_the_registry() {
        let mut want: Vec<&str> = ALLOCATORS.iter().map(|a| a.id).collect();
        want.sort_unstable();
        for file in ["allocator", "module"].map(|c| format!("size-bench/{c}/Cargo.toml")) {
            assert_eq!(features_of(&file), want, "{file}'s features");
        }
    }

    /// The real programs' module has one feature per registry row marked
    /// `programs`.
    #[test]
    fn program_features_are_the_registry() {
        let found = features_of("bench/programs/module/Cargo.toml");
        let mut want: Vec<&str> = ALLOCATORS
            .iter()
            .filter(|a| a.programs)
            .map(|a| a.id)
            .collect();
        want.sort_unstable();
        assert_eq!(
            found, want,
            "bench/programs/module's features against the registry"
        );
    }

    /// Every row's feature cell reads, and reads back the same.
    #[test]
    fn feature_cells_round_trip() {
        for a in ALLOCATORS {
            assert_eq!(a.features().cell(), a.features, "{}", a.id);
        }
        assert_eq!(
            get("wasmalloc").unwrap().features().realloc_in_place,
            Has::Partly
        );
    }
}
