//! Live blocks of both allocators, each filled with its own pattern, and
//! the checks every step of a case runs on them.

use super::libc::LibcBlock;
use super::{heap_ok, inside_used_block, outside_heap, pattern, pattern_vec, verify, Outcome};

/// Blocks from our allocator (`Vec`s, through `#[global_allocator]`) and
/// from wasi-libc's `malloc`, live at once.
#[derive(Default)]
pub struct Live {
    pub rust: Vec<(Vec<u8>, u8)>,
    pub libc: Vec<LibcBlock>,
    next_tag: u8,
}

impl Live {
    fn tag(&mut self) -> u8 {
        self.next_tag = self.next_tag.wrapping_add(1);
        self.next_tag
    }

    /// A `Vec` of `len` pattern bytes: it must lie in a used block of our
    /// heap.
    pub fn rust(&mut self, what: &str, len: usize) -> Outcome {
        let tag = self.tag();
        let v = pattern_vec(len, tag);
        inside_used_block(what, v.as_ptr(), v.capacity())?;
        self.rust.push((v, tag));
        Ok(())
    }

    /// A libc `malloc` block of `len` pattern bytes: non-null, outside our
    /// heap.
    pub fn malloc(&mut self, what: &str, len: usize) -> Outcome {
        let tag = self.tag();
        let b = LibcBlock::malloc(len, tag)
            .ok_or_else(|| failure!("{what}: malloc({len}) returned null"))?;
        outside_heap(what, &[b.span()])?;
        self.libc.push(b);
        Ok(())
    }

    /// A libc `calloc` block: zeroed, then filled; outside our heap.
    pub fn calloc(&mut self, what: &str, len: usize) -> Outcome {
        let tag = self.tag();
        let b = LibcBlock::calloc(len, tag)?
            .ok_or_else(|| failure!("{what}: calloc({len}) returned null"))?;
        outside_heap(what, &[b.span()])?;
        self.libc.push(b);
        Ok(())
    }

    /// Resizes Rust block `i` to `len` (a realloc through our allocator,
    /// growing or shrinking), checking the kept prefix.
    pub fn resize_rust(&mut self, what: &str, i: usize, len: usize) -> Outcome {
        let (v, tag) = &mut self.rust[i];
        let tag = *tag;
        if len > v.len() {
            v.reserve_exact(len - v.len());
            let from = v.len();
            v.extend((from..len).map(|j| pattern(j, tag)));
        } else {
            v.truncate(len);
            v.shrink_to_fit();
        }
        // SAFETY: a live Vec.
        unsafe { verify(what, v.as_ptr(), v.len(), tag) }?;
        inside_used_block(what, v.as_ptr(), v.capacity())
    }

    /// Reallocates libc block `i` to `len` with libc's `realloc`.
    pub fn resize_libc(&mut self, what: &str, i: usize, len: usize) -> Outcome {
        let b = &mut self.libc[i];
        ensure!(
            b.realloc(what, len)?,
            "{what}: realloc({len}) returned null"
        );
        outside_heap(what, &[b.span()])
    }

    /// Every pattern intact, no two blocks overlap (whichever allocator),
    /// every libc block outside our heap, and the heap checker passes.
    pub fn verify(&self, what: &str) -> Outcome {
        let mut spans = Vec::with_capacity(self.rust.len() + self.libc.len());
        for (v, tag) in &self.rust {
            // SAFETY: a live Vec.
            unsafe { verify(what, v.as_ptr(), v.len(), *tag) }?;
            spans.push((
                v.as_ptr() as usize,
                v.as_ptr() as usize + v.capacity(),
                "Rust",
            ));
        }
        for b in &self.libc {
            b.verify(what)?;
            spans.push((b.span().0, b.span().1, "libc"));
        }
        spans.sort_unstable();
        for w in spans.windows(2) {
            ensure!(
                w[0].1 <= w[1].0,
                "{what}: {} block [{:#x}, {:#x}) overlaps {} block [{:#x}, {:#x})",
                w[0].2,
                w[0].0,
                w[0].1,
                w[1].2,
                w[1].0,
                w[1].1
            );
        }
        let libc: Vec<(usize, usize)> = self.libc.iter().map(|b| b.span()).collect();
        outside_heap(what, &libc)?;
        heap_ok(what).map(|_| ())
    }

    /// Verifies, then frees every block.
    pub fn free_all(&mut self, what: &str) -> Outcome {
        self.verify(what)?;
        self.rust.clear();
        for b in self.libc.drain(..) {
            b.free(what)?;
        }
        heap_ok(what).map(|_| ())
    }
}
