//! A small, constant-time TLSF allocator for WebAssembly.
//!
//! ```
//! // wasm32 only: native builds (host tests, build scripts) keep the
//! // system allocator, and `SmallGlobalTlsf` does not exist there.
//! #[cfg(target_arch = "wasm32")]
//! #[global_allocator]
//! static A: wasm_tlsf::SmallGlobalTlsf = wasm_tlsf::SmallGlobalTlsf::new();
//! ```
//!
//! - `SmallGlobalTlsf` (wasm32 only): the global allocator. It starts with the
//!   memory the module already has after `__heap_base`, grows it with
//!   `memory.grow` by the pages a request needs, merges new pages with the
//!   heap's last free block, reallocates in place, and answers every
//!   failure (including exhausted memory) with null. Where memory can be
//!   shared (`wasm32-wasip1-threads`, or a build with the `atomics` target
//!   feature, which `build.rs` detects) it takes a spin lock by itself;
//!   elsewhere it has none and pays nothing for it.
//! - [`Tlsf`]: the core, Two-Level Segregated Fit (Masmano et al., ECRTS
//!   2004), over any memory pools you give it; usable on any target.
//! - [`GlobalTlsf`] and [`MemorySource`]: the global allocator over any
//!   source of pages.
//!
//! - [`Arena`] (feature `allocator-api2`): a [`Tlsf`] over a buffer you
//!   lend it, as an `allocator_api2` `Allocator` for collections such as
//!   `allocator_api2::vec::Vec::new_in(&arena)`, on any target.
//!
//! Features: `stats` ([`Stats`]: bytes in use and free, peak, pages grown,
//! counts) and `check` (the heap checker, [`Tlsf::check`]). Both cost
//! nothing when off.
//!
//! Feature `debug-checks`, for debugging misuse: every free and realloc
//! (the core's and `GlobalAlloc`'s) first validates the block in constant
//! time (its header, its neighbours' headers, footers and free-list links,
//! the pools' address range, and in `GlobalAlloc` the layout) and panics,
//! before touching the heap, with a message naming the fault and the
//! address: `wasm-tlsf debug-checks: double free of block at 0x1010 (size
//! 112)`, `free of 0x...: pointer outside every pool ...`, `free of 0x...:
//! invalid block header at 0x... (...)`, `heap corruption after the block
//! at 0x... (...)`. It links panic and formatting code (the default build is
//! byte-identical without it). On wasm32 with `panic = "abort"` a fault
//! aborts; a panic hook such as `console_error_panic_hook` shows the message
//! first. Detection is best effort where O(1) cannot see: bytes before a
//! foreign pointer that happen to form a valid used block, a zeroed header
//! that looks like a pool's end, a freed block whose memory was allocated
//! again.
//!
//! The allocator never panics and links no formatting code (unless
//! `debug-checks` is on).
//!
//! Items behind a feature are linked here when the feature is on; in a
//! build without it, the links go to the documentation on docs.rs, which is
//! built with every feature.
//!
#![cfg_attr(feature = "stats", doc = "[`Stats`]: crate::Stats")]
#![cfg_attr(
    not(feature = "stats"),
    doc = "[`Stats`]: https://docs.rs/wasm-tlsf/latest/wasm_tlsf/struct.Stats.html"
)]
#![cfg_attr(feature = "check", doc = "[`Tlsf::check`]: crate::Tlsf::check")]
#![cfg_attr(
    not(feature = "check"),
    doc = "[`Tlsf::check`]: https://docs.rs/wasm-tlsf/latest/wasm_tlsf/struct.Tlsf.html#method.check"
)]
#![cfg_attr(feature = "allocator-api2", doc = "[`Arena`]: crate::Arena")]
#![cfg_attr(
    not(feature = "allocator-api2"),
    doc = "[`Arena`]: https://docs.rs/wasm-tlsf/latest/wasm_tlsf/struct.Arena.html"
)]
#![no_std]
// docs.rs (`--cfg docsrs`, nightly): badges naming the feature or target an
// item needs.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs, clippy::undocumented_unsafe_blocks)]

#[cfg(feature = "allocator-api2")]
mod arena;
mod bitmap;
mod global;
mod lock;
mod source;
#[cfg(feature = "stats")]
mod stats;
mod tlsf;

#[cfg(feature = "allocator-api2")]
pub use arena::Arena;
pub use global::GlobalTlsf;
#[cfg(target_arch = "wasm32")]
pub use source::WasmMemory;
pub use source::{Amortized, Growth, MemorySource, PAGE_SIZE};
#[cfg(feature = "stats")]
pub use stats::Stats;
pub use tlsf::{BlockInfo, Blocks, InPlaceError, Tlsf, GRANULARITY, MIN_BLOCK};
#[cfg(feature = "check")]
pub use tlsf::{HeapError, HeapSummary, Violation};

/// The global allocator for wasm32: [`GlobalTlsf`] over `memory.grow`,
/// with size classes chosen for a 4 GiB address space: 25 first-level
/// classes of 32 second-level classes cover every block size wasm32 memory
/// can hold, with at most 1/32 rounding. The 3.2 KiB control block lives in
/// zero-initialised memory, so it adds nothing to the module; the code is
/// the same size for any class counts, and finer classes round less (fewer
/// pages for the same workload).
///
/// "Small" names its code size, not a reduced allocator: this is the
/// complete allocator (in-place realloc, merging new pages with the heap's
/// last free block, the initial memory, the lock where memory can be
/// shared), with no feature on. rlsf's type of the same name is a reduced
/// build, without in-place realloc or merging across grows.
///
/// # Example
///
/// ```
/// #[cfg(target_arch = "wasm32")]
/// #[global_allocator]
/// static A: wasm_tlsf::SmallGlobalTlsf = wasm_tlsf::SmallGlobalTlsf::new();
/// ```
#[cfg(target_arch = "wasm32")]
pub type SmallGlobalTlsf = GlobalTlsf<WasmMemory, 25, 32>;

#[cfg(target_arch = "wasm32")]
impl GlobalTlsf<WasmMemory, 25, 32> {
    /// The allocator, empty until its first allocation.
    ///
    /// # Example
    ///
    /// ```
    /// # #[cfg(target_arch = "wasm32")]
    /// #[global_allocator]
    /// static A: wasm_tlsf::SmallGlobalTlsf = wasm_tlsf::SmallGlobalTlsf::new();
    /// ```
    // No `Default`: the allocator lives in a `static`, which only a `const
    // fn` can build.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Self::with_source(WasmMemory)
    }
}
