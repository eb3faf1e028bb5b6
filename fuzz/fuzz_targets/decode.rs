//! The input decoders both fuzz targets share (included by `#[path]`; not
//! a target itself).

use arbitrary::{Result, Unstructured};

/// A request that no memory can hold, valid for every alignment up to
/// 64 KiB.
pub const HUGE: usize = isize::MAX as usize - 65535;

/// A size from 3 bytes: mostly small, sometimes up to 1 MiB; may be 0.
pub fn size(u: &mut Unstructured) -> Result<usize> {
    let lo = u.arbitrary::<u16>()? as usize;
    let s = u.arbitrary::<u8>()?;
    Ok(if s >= 0xf0 { lo << 4 } else { lo >> (s % 16) })
}

/// An alignment from 1 byte: 1 to 16 B three times in four, else up to
/// 64 KiB.
pub fn align(u: &mut Unstructured) -> Result<usize> {
    let b = u.arbitrary::<u8>()?;
    Ok(if b < 0xc0 {
        1 << (b % 5)
    } else {
        1 << (b % 17)
    })
}
