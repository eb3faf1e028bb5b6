//! A simulated WebAssembly linear memory for host tests: page-granular,
//! with a cap (so `grow` fails like an exhausted `memory.grow`), a
//! "heap base" inside the initial pages, and foreign growth (other code
//! calling `memory.grow` between our calls).

use std::alloc::{alloc_zeroed, dealloc, Layout};
use std::cell::Cell;
use std::ptr::NonNull;
use std::rc::Rc;

use wasm_tlsf::{MemorySource, PAGE_SIZE};

/// The shared state of one simulated memory.
pub struct Memory {
    base: NonNull<u8>,
    layout: Layout,
    /// Pages currently in memory.
    pub pages: Cell<usize>,
    /// Pages `memory.grow` may reach.
    pub cap: usize,
    /// Offset of `__heap_base` in the first page(s).
    pub heap_base: usize,
    /// Pages at start: `__heap_end` is their end.
    pub initial_pages: usize,
    /// `(first page, page count)` of each foreign growth.
    pub foreign: std::cell::RefCell<Vec<(usize, usize)>>,
}

pub const FOREIGN_FILL: u8 = 0xA5;

impl Memory {
    pub fn new(initial_pages: usize, cap: usize, heap_base: usize) -> Rc<Memory> {
        let layout = Layout::from_size_align(cap * PAGE_SIZE, PAGE_SIZE).unwrap();
        // SAFETY: non-zero size.
        let base = NonNull::new(unsafe { alloc_zeroed(layout) }).expect("simulated memory");
        Rc::new(Memory {
            base,
            layout,
            pages: Cell::new(initial_pages),
            cap,
            heap_base,
            initial_pages,
            foreign: Default::default(),
        })
    }

    pub fn base(&self) -> usize {
        self.base.as_ptr().addr()
    }

    /// Someone else grows memory and fills its pages with a pattern.
    pub fn foreign_grow(&self, pages: usize) -> bool {
        let old = self.pages.get();
        if old + pages > self.cap {
            return false;
        }
        self.pages.set(old + pages);
        // SAFETY: in bounds of the reservation.
        unsafe {
            self.base
                .as_ptr()
                .add(old * PAGE_SIZE)
                .write_bytes(FOREIGN_FILL, pages * PAGE_SIZE)
        };
        self.foreign.borrow_mut().push((old, pages));
        true
    }

    /// Asserts no foreign page was written.
    pub fn assert_foreign_intact(&self) {
        // Page by page against a filled page: one bulk compare each (fast
        // under Miri, where reading byte by byte took a hundred seconds).
        let want = vec![FOREIGN_FILL; PAGE_SIZE];
        for &(first, n) in self.foreign.borrow().iter() {
            for page in first..first + n {
                // SAFETY: in bounds of the reservation.
                let got = unsafe {
                    std::slice::from_raw_parts(self.base.as_ptr().add(page * PAGE_SIZE), PAGE_SIZE)
                };
                if got != want.as_slice() {
                    let i = got.iter().position(|&b| b != FOREIGN_FILL).unwrap();
                    panic!(
                        "foreign page byte at offset {:#x} was written",
                        page * PAGE_SIZE + i
                    );
                }
            }
        }
    }
}

impl Drop for Memory {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout.
        unsafe { dealloc(self.base.as_ptr(), self.layout) };
    }
}

/// The `MemorySource` view of a `Memory`.
pub struct Source(pub Rc<Memory>);

// SAFETY: hands out `[heap_base, initial end)` once and then fresh pages,
// each at most once, all inside the reservation.
unsafe impl MemorySource for Source {
    fn initial(&mut self) -> Option<(NonNull<u8>, usize)> {
        let m = &self.0;
        let end = m.initial_pages * PAGE_SIZE;
        // SAFETY: in bounds of the reservation.
        let start = unsafe { NonNull::new_unchecked(m.base.as_ptr().add(m.heap_base)) };
        Some((start, end.checked_sub(m.heap_base)?))
    }

    fn grow(&mut self, pages: usize) -> Option<NonNull<u8>> {
        let m = &self.0;
        let old = m.pages.get();
        if pages > m.cap - old {
            return None;
        }
        m.pages.set(old + pages);
        // SAFETY: in bounds of the reservation.
        Some(unsafe { NonNull::new_unchecked(m.base.as_ptr().add(old * PAGE_SIZE)) })
    }
}
