//! `Debug` for the core and its block walk: a summary read in constant
//! time, never a walk of the heap (`Tlsf::blocks` and the checker are for
//! that).

use core::fmt;

use super::{walk::Blocks, Tlsf};

/// What `Debug` shows of a [`Tlsf`], copied out of it, so that the
/// wrappers (`GlobalTlsf`, `Arena`) can read it and let go of the core
/// before formatting, which may allocate.
#[derive(Clone, Copy)]
pub(crate) struct Summary {
    fllen: usize,
    sllen: usize,
    fl_bitmap: u32,
    newest_pool: *mut *mut u8,
    #[cfg(feature = "stats")]
    in_use: usize,
    #[cfg(feature = "stats")]
    free: usize,
}

impl<const FLLEN: usize, const SLLEN: usize> Tlsf<FLLEN, SLLEN> {
    /// The summary `Debug` shows.
    pub(crate) fn summary(&self) -> Summary {
        Summary {
            fllen: FLLEN,
            sllen: SLLEN,
            fl_bitmap: self.fl_bitmap,
            newest_pool: self.pools,
            #[cfg(feature = "stats")]
            in_use: self.counters.in_use,
            #[cfg(feature = "stats")]
            free: self.counters.free(),
        }
    }
}

impl fmt::Debug for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Tlsf");
        s.field("fllen", &self.fllen)
            .field("sllen", &self.sllen)
            // Bit `fl` set: some free block is in first-level class `fl`.
            .field("fl_bitmap", &format_args!("{:#x}", self.fl_bitmap))
            // The newest pool's link word (null: no pool yet).
            .field("newest_pool", &self.newest_pool);
        #[cfg(feature = "stats")]
        s.field("in_use", &self.in_use).field("free", &self.free);
        s.finish_non_exhaustive()
    }
}

/// A summary: the size classes, which first-level classes hold free
/// blocks, the newest pool, and with `stats` the bytes in use and free.
///
/// # Example
///
/// ```
/// let tlsf: wasm_tlsf::Tlsf<16, 8> = wasm_tlsf::Tlsf::new();
/// let text = format!("{tlsf:?}");
/// assert!(text.starts_with("Tlsf { fllen: 16, sllen: 8,"));
/// ```
impl<const FLLEN: usize, const SLLEN: usize> fmt::Debug for Tlsf<FLLEN, SLLEN> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.summary().fmt(f)
    }
}

/// Where the walk stands: the pool being walked and the next block.
///
/// # Example
///
/// ```
/// let tlsf: wasm_tlsf::Tlsf<16, 8> = wasm_tlsf::Tlsf::new();
/// assert!(format!("{:?}", tlsf.blocks()).starts_with("Blocks {"));
/// ```
impl fmt::Debug for Blocks<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Blocks")
            .field("pool", &self.pool)
            .field("next_block", &self.block)
            .finish_non_exhaustive()
    }
}
