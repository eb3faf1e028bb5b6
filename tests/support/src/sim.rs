//! A simulated WebAssembly linear memory for host tests: page-granular,
//! with a cap (so `grow` fails like an exhausted `memory.grow`), a
//! "heap base" inside the initial pages, and foreign growth (other code
//! calling `memory.grow` between our calls). One memory may be shared
//! between threads (`Memory::new_shared`, `SharedSource`), as a wasm
//! memory is between the threads of a `+atomics` module.

use std::alloc::{alloc_zeroed, dealloc, Layout};
use std::ptr::NonNull;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex, MutexGuard};

use wasm_tlsf::{MemorySource, PAGE_SIZE};

/// The shared state of one simulated memory.
pub struct Memory {
    base: NonNull<u8>,
    layout: Layout,
    /// Pages currently in memory.
    pub pages: Pages,
    /// Pages `memory.grow` may reach.
    pub cap: usize,
    /// Offset of `__heap_base` in the first page(s).
    pub heap_base: usize,
    /// Pages at start: `__heap_end` is their end.
    pub initial_pages: usize,
    /// `(first page, page count)` of each foreign growth.
    pub foreign: Foreign,
}

/// The page count, which any thread may read or grow.
pub struct Pages(AtomicUsize);

impl Pages {
    pub fn get(&self) -> usize {
        self.0.load(SeqCst)
    }

    /// Adds `n` pages if that stays within `cap`; returns the old count.
    fn grow(&self, n: usize, cap: usize) -> Option<usize> {
        let mut old = self.0.load(SeqCst);
        while n <= cap - old {
            match self.0.compare_exchange(old, old + n, SeqCst, SeqCst) {
                Ok(_) => return Some(old),
                Err(now) => old = now,
            }
        }
        None
    }
}

/// The list of foreign growths, behind a lock so that any thread may grow.
#[derive(Default)]
pub struct Foreign(Mutex<Vec<(usize, usize)>>);

impl Foreign {
    pub fn borrow(&self) -> MutexGuard<'_, Vec<(usize, usize)>> {
        self.0.lock().unwrap()
    }

    pub fn borrow_mut(&self) -> MutexGuard<'_, Vec<(usize, usize)>> {
        self.borrow()
    }
}

// SAFETY: `base` is an allocation this value owns; the page count and the
// foreign list are synchronised, and the bytes of memory are used only by
// whoever the allocator hands them to.
unsafe impl Send for Memory {}
// SAFETY: as above.
unsafe impl Sync for Memory {}

pub const FOREIGN_FILL: u8 = 0xA5;

impl Memory {
    pub fn new(initial_pages: usize, cap: usize, heap_base: usize) -> Rc<Memory> {
        Rc::new(Self::build(initial_pages, cap, heap_base))
    }

    /// A memory that several threads may use (through `SharedSource`).
    #[allow(dead_code)] // Only the threads test shares a memory.
    pub fn new_shared(initial_pages: usize, cap: usize, heap_base: usize) -> Arc<Memory> {
        Arc::new(Self::build(initial_pages, cap, heap_base))
    }

    fn build(initial_pages: usize, cap: usize, heap_base: usize) -> Memory {
        let layout = Layout::from_size_align(cap * PAGE_SIZE, PAGE_SIZE).unwrap();
        // SAFETY: non-zero size.
        let base = NonNull::new(unsafe { alloc_zeroed(layout) }).expect("simulated memory");
        Memory {
            base,
            layout,
            pages: Pages(AtomicUsize::new(initial_pages)),
            cap,
            heap_base,
            initial_pages,
            foreign: Default::default(),
        }
    }

    pub fn base(&self) -> usize {
        self.base.as_ptr().addr()
    }

    /// Someone else grows memory and fills its pages with a pattern.
    pub fn foreign_grow(&self, pages: usize) -> bool {
        let Some(old) = self.pages.grow(pages, self.cap) else {
            return false;
        };
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
        let fill = [FOREIGN_FILL; PAGE_SIZE];
        for &(first, n) in self.foreign.borrow().iter() {
            for page in first..first + n {
                // SAFETY: in bounds of the reservation.
                let bytes = unsafe {
                    std::slice::from_raw_parts(self.base.as_ptr().add(page * PAGE_SIZE), PAGE_SIZE)
                };
                // One compare per page (fast under Miri); the byte only on failure.
                if bytes != fill {
                    let i = bytes.iter().position(|&b| b != FOREIGN_FILL).unwrap();
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

/// The `MemorySource` view of a `Memory` shared between threads.
#[allow(dead_code)] // Only the threads test shares a memory.
pub struct SharedSource(pub Arc<Memory>);

impl Memory {
    /// `[heap_base, initial end)`, for `MemorySource::initial`.
    fn initial(&self) -> Option<(NonNull<u8>, usize)> {
        let end = self.initial_pages * PAGE_SIZE;
        // SAFETY: in bounds of the reservation.
        let start = unsafe { NonNull::new_unchecked(self.base.as_ptr().add(self.heap_base)) };
        Some((start, end.checked_sub(self.heap_base)?))
    }

    /// `memory.grow`, for `MemorySource::grow`.
    fn grow(&self, pages: usize) -> Option<NonNull<u8>> {
        let old = self.pages.grow(pages, self.cap)?;
        // SAFETY: in bounds of the reservation.
        Some(unsafe { NonNull::new_unchecked(self.base.as_ptr().add(old * PAGE_SIZE)) })
    }
}

// SAFETY: hands out `[heap_base, initial end)` once and then fresh pages,
// each at most once, all inside the reservation.
unsafe impl MemorySource for Source {
    fn initial(&mut self) -> Option<(NonNull<u8>, usize)> {
        self.0.initial()
    }

    fn grow(&mut self, pages: usize) -> Option<NonNull<u8>> {
        self.0.grow(pages)
    }
}

// SAFETY: as for `Source`; the page count grows atomically, so pages that
// another thread grows are never handed out twice.
unsafe impl MemorySource for SharedSource {
    fn initial(&mut self) -> Option<(NonNull<u8>, usize)> {
        self.0.initial()
    }

    fn grow(&mut self, pages: usize) -> Option<NonNull<u8>> {
        self.0.grow(pages)
    }
}
