//! A small, constant-time TLSF allocator for WebAssembly.
//!
//! ```
//! # #[cfg(target_arch = "wasm32")]
//! #[global_allocator]
//! static A: wasm_tlsf::SmallGlobalTlsf = wasm_tlsf::SmallGlobalTlsf::new();
//! ```
//!
//! - [`SmallGlobalTlsf`] (wasm32): the global allocator. It starts with the
//!   memory the module already has after `__heap_base`, grows it with
//!   `memory.grow` by the pages a request needs, merges new pages with the
//!   heap's last free block, reallocates in place, and answers every
//!   failure (including exhausted memory) with null.
//! - [`Tlsf`]: the core, Two-Level Segregated Fit (Masmano et al., ECRTS
//!   2004), over any memory pools you give it; usable on any target.
//! - [`GlobalTlsf`] and [`MemorySource`]: the global allocator over any
//!   source of pages.
//!
//! Features: `stats` ([`Stats`]: bytes in use and free, peak, pages grown,
//! counts) and `check` (the heap checker, [`Tlsf::check`]). Both cost
//! nothing when off.
//!
//! The allocator never panics and links no formatting code.
#![no_std]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs, clippy::undocumented_unsafe_blocks)]

// Platform choice, in one place. One thread is what makes the global
// allocator sound without a lock: refuse builds that could have more.
#[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
compile_error!(
    "wasm-tlsf is single-threaded: this build enables the `atomics` target feature \
     (shared memory, threads), where `SmallGlobalTlsf` could race. Build without \
     `-C target-feature=+atomics`, or use the core `Tlsf` behind your own lock."
);

mod bitmap;
mod global;
mod source;
#[cfg(feature = "stats")]
mod stats;
mod tlsf;

pub use global::GlobalTlsf;
#[cfg(target_arch = "wasm32")]
pub use source::WasmMemory;
pub use source::{MemorySource, PAGE_SIZE};
#[cfg(feature = "stats")]
pub use stats::Stats;
pub use tlsf::{BlockInfo, Blocks, Tlsf, GRANULARITY, MIN_BLOCK};
#[cfg(feature = "check")]
pub use tlsf::{HeapError, HeapSummary, Violation};

/// The global allocator for wasm32: [`GlobalTlsf`] over `memory.grow`,
/// with size classes chosen for a 4 GiB address space (26 first-level
/// classes of 16 second-level classes: blocks of any size wasm32 memory can
/// hold, at most 1/16 rounding, a 1.7 KiB control block that lives in
/// zero-initialised memory and so adds nothing to the module).
///
/// # Example
///
/// ```
/// # #[cfg(target_arch = "wasm32")]
/// #[global_allocator]
/// static A: wasm_tlsf::SmallGlobalTlsf = wasm_tlsf::SmallGlobalTlsf::new();
/// ```
#[cfg(target_arch = "wasm32")]
pub type SmallGlobalTlsf = GlobalTlsf<WasmMemory, 26, 16>;

#[cfg(target_arch = "wasm32")]
impl GlobalTlsf<WasmMemory, 26, 16> {
    /// The allocator, empty until its first allocation.
    ///
    /// # Example
    ///
    /// ```
    /// # #[cfg(target_arch = "wasm32")]
    /// #[global_allocator]
    /// static A: wasm_tlsf::SmallGlobalTlsf = wasm_tlsf::SmallGlobalTlsf::new();
    /// ```
    pub const fn new() -> Self {
        Self::with_source(WasmMemory)
    }
}
