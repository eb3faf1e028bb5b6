//! The allocators every report measures, written once: the size report
//! (`cargo xtask size`), the speed and memory benchmarks and the cold start
//! (`cargo xtask bench`) read this table, and a test checks that
//! `size-bench/module`'s cargo features are exactly its ids (plus `bench`
//! and `export-stats`, which add exports for the benchmarks).

use serde_json::{json, Value};

/// Whether an allocator has a feature.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Has {
    Yes,
    /// In part; the row's note says how.
    Partly,
    No,
}

use Has::{No, Partly, Yes};

impl Has {
    pub fn word(self) -> &'static str {
        match self {
            Yes => "yes",
            Partly => "partly",
            No => "no",
        }
    }
}

/// What an allocator does beyond allocating: the report's feature column,
/// so that bytes are compared with what they buy. Read from each crate's
/// source at the pinned version.
pub struct Features {
    /// Frees memory for reuse (the baseline and the bump allocator do not).
    pub frees: Has,
    /// `realloc` grows or shrinks a block where it is, when it can, rather
    /// than always allocating, copying and freeing.
    pub realloc_in_place: Has,
    /// Memory from one `memory.grow` merges with free memory at the end of
    /// the heap, so a request can span two grows.
    pub merges_grows: Has,
    /// Uses the initial memory after the linker's `__heap_base` before
    /// growing memory.
    pub initial_memory: Has,
    /// Works in a module built with wasm threads (atomics, shared memory).
    pub threads: Has,
}

/// The letters of the feature column, in order (lower case: partly).
const FEATURE_LETTERS: [char; 5] = ['F', 'R', 'G', 'I', 'T'];

impl Features {
    fn all(&self) -> [Has; 5] {
        [
            self.frees,
            self.realloc_in_place,
            self.merges_grows,
            self.initial_memory,
            self.threads,
        ]
    }

    /// The column's cell: one letter per feature, lower case when partly,
    /// `-` when absent.
    pub fn cell(&self) -> String {
        self.all()
            .iter()
            .zip(FEATURE_LETTERS)
            .map(|(h, c)| match h {
                Yes => c,
                Partly => c.to_ascii_lowercase(),
                No => '-',
            })
            .collect()
    }

    pub fn json(&self) -> Value {
        json!({
            "frees": self.frees.word(),
            "realloc_in_place": self.realloc_in_place.word(),
            "merges_across_grows": self.merges_grows.word(),
            "uses_initial_memory": self.initial_memory.word(),
            "threads": self.threads.word(),
        })
    }
}

/// The legend of the feature column.
pub const FEATURE_LEGEND: &str =
    "features: F frees, R reallocates in place, G merges memory across \
    `memory.grow`, I uses the initial memory (from `__heap_base`) before growing, T works with \
    wasm threads; lower case: partly (see the notes), `-`: no";

/// One allocator: a cargo feature of `size-bench/module`, a row of the size
/// report, and (when `bench` is set) of the speed and memory benchmarks.
pub struct Allocator {
    /// The cargo feature of `size-bench/module` that picks the allocator;
    /// also its stable id in every report.
    pub id: &'static str,
    /// The crate the allocator comes from (its version is read from
    /// `size-bench/module/Cargo.lock`).
    pub krate: &'static str,
    /// Which of the crate's allocators, or how it is set up.
    pub variant: &'static str,
    pub features: Features,
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

const NONE: Features = Features {
    frees: No,
    realloc_in_place: No,
    merges_grows: No,
    initial_memory: No,
    threads: No,
};

/// `SmallGlobalTlsf`: frees, reallocates in place, merges across grows,
/// starts in the initial memory; a lock where threads can run (build.rs's
/// `wasm_tlsf_threads`: `+atomics` and the `*-threads` targets), none in
/// these single-threaded rows.
const OUR_FEATURES: Features = Features {
    frees: Yes,
    realloc_in_place: Yes,
    merges_grows: Yes,
    initial_memory: Yes,
    threads: Yes,
};

/// Every allocator, in the reports' order.
pub const ALLOCATORS: &[Allocator] = &[
    Allocator {
        id: "null",
        krate: "(none)",
        variant: "always returns null (baseline)",
        features: NONE,
        note: "",
        bench: false,
        cold_start: false,
        programs: false,
    },
    Allocator {
        id: "wasm-tlsf",
        krate: "wasm-tlsf",
        variant: "SmallGlobalTlsf",
        features: OUR_FEATURES,
        note: "",
        bench: true,
        cold_start: true,
        programs: true,
    },
    Allocator {
        id: "wasm-tlsf-stats",
        krate: "wasm-tlsf",
        variant: "SmallGlobalTlsf + stats",
        features: OUR_FEATURES,
        note: "",
        bench: true,
        cold_start: false,
        programs: false,
    },
    Allocator {
        id: "wasm-tlsf-amortized",
        krate: "wasm-tlsf",
        variant: "GlobalTlsf<Amortized<WasmMemory>, 25, 32>",
        features: OUR_FEATURES,
        note:
            "grows memory by at least an eighth of what it has grown so far (`Growth::Amortized`)",
        bench: true,
        cold_start: true,
        programs: false,
    },
    Allocator {
        id: "wasm-tlsf-debug-checks",
        krate: "wasm-tlsf",
        variant: "SmallGlobalTlsf + debug-checks",
        features: OUR_FEATURES,
        note: "feature `debug-checks` formats its fault messages, so it links formatting code",
        bench: false,
        cold_start: false,
        programs: false,
    },
    Allocator {
        id: "rlsf",
        krate: "rlsf",
        variant: "SmallGlobalTlsf",
        features: Features { frees: Yes, ..NONE },
        note: "its options turn off in-place realloc (`ENABLE_REALLOCATION`) and \
               merging pools across grows (`COALESCE_POOLS`)",
        bench: true,
        cold_start: true,
        programs: true,
    },
    Allocator {
        id: "rlsf-global",
        krate: "rlsf",
        variant: "GlobalTlsf",
        features: Features {
            frees: Yes,
            realloc_in_place: Yes,
            merges_grows: Yes,
            ..NONE
        },
        note: "",
        bench: true,
        cold_start: true,
        programs: true,
    },
    Allocator {
        id: "talc",
        krate: "talc",
        variant: "WasmDynamicTalc",
        features: Features {
            frees: Yes,
            realloc_in_place: Yes,
            merges_grows: Yes,
            ..NONE
        },
        note: "set up as its wasm README recommends (`new_wasm_dynamic_allocator`)",
        bench: true,
        cold_start: true,
        programs: true,
    },
    Allocator {
        id: "wee_alloc",
        krate: "wee_alloc",
        variant: "WeeAlloc",
        features: Features { frees: Yes, ..NONE },
        note: "",
        bench: true,
        cold_start: false,
        programs: true,
    },
    Allocator {
        id: "lol_alloc",
        krate: "lol_alloc",
        variant: "FreeListAllocator",
        features: Features {
            frees: Yes,
            merges_grows: Yes,
            ..NONE
        },
        note: "in `AssumeSingleThreaded`, as its docs set it up for single-threaded wasm",
        bench: true,
        cold_start: false,
        programs: true,
    },
    Allocator {
        id: "lol_alloc-leaking",
        krate: "lol_alloc",
        variant: "LeakingPageAllocator",
        features: Features {
            threads: Yes,
            ..NONE
        },
        note: "never frees: one `memory.grow` per allocation (the floor)",
        bench: false,
        cold_start: false,
        programs: false,
    },
    Allocator {
        id: "dlmalloc",
        krate: "dlmalloc",
        variant: "GlobalDlmalloc",
        features: Features {
            frees: Yes,
            realloc_in_place: Yes,
            merges_grows: Yes,
            initial_memory: Partly,
            ..NONE
        },
        note: "the crate used directly; it takes the initial memory for its first system \
               allocation only when that fits there (64 KiB and up: not with the default link)",
        bench: true,
        cold_start: true,
        programs: true,
    },
    Allocator {
        id: "wasmalloc",
        krate: "wasmalloc",
        variant: "WasmAlloc",
        features: Features {
            frees: Yes,
            realloc_in_place: Partly,
            merges_grows: Yes,
            initial_memory: Partly,
            threads: No,
        },
        note: "a size-class allocator over 64 KiB slices: realloc stays in place within a size \
               class and for runs above 40 KiB, copies otherwise; it uses whole 64 KiB slices \
               of the initial memory only",
        bench: true,
        cold_start: false,
        programs: true,
    },
    Allocator {
        id: "std",
        krate: "std",
        variant: "default allocator",
        features: Features {
            frees: Yes,
            realloc_in_place: Yes,
            merges_grows: Yes,
            threads: Yes,
            ..NONE
        },
        note: "no `#[global_allocator]`: Rust's default on wasm32, dlmalloc inside std (a version \
               that does not use the initial memory), behind a lock when built with atomics",
        bench: true,
        cold_start: true,
        programs: true,
    },
];

/// The allocator with this id.
pub fn get(id: &str) -> Option<&'static Allocator> {
    ALLOCATORS.iter().find(|a| a.id == id)
}

impl Allocator {
    /// How the reports name it: crate and variant.
    pub fn name(&self) -> String {
        format!("{} {}", self.krate, self.variant)
    }

    pub fn ours(&self) -> bool {
        self.krate == "wasm-tlsf"
    }
}

#[cfg(test)]
mod tests {
    /// The module's features are the registry's ids and the two that add
    /// benchmark exports, nothing more or less.
    /// The features a module's `Cargo.toml` declares, sorted.
    fn features_of(manifest: &str) -> Vec<String> {
        let manifest = std::fs::read_to_string(crate::root().join(manifest)).unwrap();
        let features = manifest.split("\n[features]\n").nth(1).unwrap();
        let features = features.split("\n[").next().unwrap();
        let mut found: Vec<String> = features
            .lines()
            .filter_map(|l| l.split_once(" = [").map(|(k, _)| k.to_string()))
            .collect();
        found.sort_unstable();
        found
    }

    #[test]
    fn module_features_are_the_registry() {
        let found = features_of("size-bench/module/Cargo.toml");
        let mut want: Vec<&str> = super::ALLOCATORS.iter().map(|a| a.id).collect();
        want.extend(["bench", "export-stats"]);
        want.sort_unstable();
        assert_eq!(
            found, want,
            "size-bench/module's features against the registry"
        );
    }

    /// The real programs' module has one feature per registry row marked
    /// `programs`, and the runner labels each of them.
    #[test]
    fn program_features_are_the_registry() {
        let found = features_of("bench/programs/module/Cargo.toml");
        let mut want: Vec<&str> = super::ALLOCATORS
            .iter()
            .filter(|a| a.programs)
            .map(|a| a.id)
            .collect();
        want.sort_unstable();
        assert_eq!(
            found, want,
            "bench/programs/module's features against the registry"
        );
        let runner = std::fs::read_to_string(crate::root().join("bench/programs/run.mjs")).unwrap();
        for id in want {
            let key = if id.contains('-') {
                format!("\"{id}\":")
            } else {
                format!("{id}:")
            };
            assert!(
                runner.contains(&key),
                "bench/programs/run.mjs labels no {id}"
            );
        }
    }
}
