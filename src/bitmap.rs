//! The bit tricks TLSF is built on, in one place.
//!
//! Both levels of the TLSF index are `u32` bitmaps: bit `i` set means "list
//! `i` is non-empty". Finding a suitable list is then one mask and one
//! trailing-zero count, which is what makes the search constant-time.
//! Shifts use `wrapping_shl` so that no overflow check (and so no panic path)
//! is ever emitted, whatever the build profile; every caller keeps the shift
//! amount below 32.

/// The bits of `map` at positions `> i` (`i < 32`; `i == 31` gives 0).
#[inline(always)]
pub(crate) const fn above(map: u32, i: usize) -> u32 {
    // `!1 << i` keeps bits i+1.. and, unlike `MAX << (i + 1)`, never shifts by 32.
    map & (!1u32).wrapping_shl(i as u32)
}

/// A mask with only bit `i` set (`i < 32`).
#[inline(always)]
pub(crate) const fn bit(i: usize) -> u32 {
    1u32.wrapping_shl(i as u32)
}

/// The index of the lowest set bit; `map` must be non-zero.
#[inline(always)]
pub(crate) const fn lowest(map: u32) -> usize {
    map.trailing_zeros() as usize
}

/// `floor(log2(x))` for `x > 0`.
#[inline(always)]
pub(crate) const fn log2(x: usize) -> u32 {
    usize::BITS - 1 - x.leading_zeros()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(above(0b1011, 0), 0b1010);
        assert_eq!(above(0b1011, 1), 0b1000);
        assert_eq!(above(u32::MAX, 30), 1 << 31);
        assert_eq!(above(u32::MAX, 31), 0);
        assert_eq!(bit(0), 1);
        assert_eq!(bit(31), 1 << 31);
        assert_eq!(lowest(0b1000), 3);
        assert_eq!(lowest(1 << 31), 31);
        assert_eq!(log2(1), 0);
        assert_eq!(log2(2), 1);
        assert_eq!(log2(3), 1);
        assert_eq!(log2(usize::MAX), usize::BITS - 1);
    }
}
