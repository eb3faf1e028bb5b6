//! The lock around [`GlobalTlsf`](crate::GlobalTlsf)'s heap, present only
//! where more than one thread can call the allocator.
//!
//! `build.rs` decides, in one place, by setting `cfg(wasm_tlsf_threads)`:
//! on wasm32 when memory can be shared (the target is `*-threads`, or the
//! build enables the `atomics` target feature), and on every non-wasm
//! target (the host tests share one allocator between `std::thread`s).
//! Elsewhere, on wasm32 without `atomics`, there is one thread: [`Lock`]
//! is a zero-sized type whose `lock` does nothing, so the single-threaded
//! build holds no lock byte and no lock instruction.
//!
//! The threaded lock is a spin lock on one atomic byte:
//! - it never waits with `memory.atomic.wait32`, which traps on a
//!   browser's main thread (and the main thread allocates too);
//! - unlocking is one atomic store, never a wake-up;
//! - it keeps no thread-local state: a new thread's TLS block is itself
//!   allocated by this allocator before the thread runs.
//!
//! It is not re-entrant: a thread that calls into the allocator while it
//! holds the lock (a `MemorySource` or an `inspect` closure that
//! allocates) spins forever instead of corrupting the heap.

/// Exclusive access to the heap: see the module's text for which build
/// gets which lock.
pub(crate) struct Lock {
    /// Whether a thread holds the lock. Invariant: set only by a
    /// successful `lock`, cleared only by the [`Guard`] that `lock`
    /// returned, so at most one guard exists at a time.
    #[cfg(wasm_tlsf_threads)]
    held: core::sync::atomic::AtomicBool,
}

/// Proof that the lock is held; releases it when dropped.
pub(crate) struct Guard<'a> {
    #[cfg(wasm_tlsf_threads)]
    lock: &'a Lock,
    #[cfg(not(wasm_tlsf_threads))]
    lock: core::marker::PhantomData<&'a Lock>,
}

impl Lock {
    /// An unlocked lock.
    pub(crate) const fn new() -> Self {
        Self {
            #[cfg(wasm_tlsf_threads)]
            held: core::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Spins until this thread holds the lock.
    #[inline(always)]
    pub(crate) fn lock(&self) -> Guard<'_> {
        #[cfg(wasm_tlsf_threads)]
        {
            use core::sync::atomic::Ordering::{Acquire, Relaxed};
            // Test and test-and-set: while another thread holds the lock,
            // spin on plain loads, which keep the cache line shared.
            while self
                .held
                .compare_exchange_weak(false, true, Acquire, Relaxed)
                .is_err()
            {
                while self.held.load(Relaxed) {
                    core::hint::spin_loop();
                }
            }
            Guard { lock: self }
        }
        #[cfg(not(wasm_tlsf_threads))]
        Guard {
            lock: core::marker::PhantomData,
        }
    }
}

impl Guard<'_> {
    /// Releases the lock before the end of the guard's scope.
    #[inline(always)]
    pub(crate) fn unlock(self) {}
}

#[cfg(wasm_tlsf_threads)]
impl Drop for Guard<'_> {
    #[inline(always)]
    fn drop(&mut self) {
        // The Release store publishes every heap write made under the lock
        // to the next thread whose Acquire exchange takes it.
        self.lock
            .held
            .store(false, core::sync::atomic::Ordering::Release);
    }
}

/// Makes sure the calling thread's view of memory reaches the end of the
/// block `[p, p + size)` it is about to be handed (`p` non-null, `size`
/// non-zero), on wasm32 with shared memory; nothing elsewhere.
///
/// When one thread grows a shared memory, V8 (node, Chromium) updates the
/// other threads' view of its size lazily, at their next function call.
/// Until then, plain loads and stores on the new pages work, but
/// `memory.fill` and `memory.copy` there trap ("memory access out of
/// bounds"), and `memory.size` still answers the old size. A block in
/// pages another thread grew could reach a user (or the realloc's own
/// copy) in that state, so: if `memory.size` does not cover the block,
/// `memory.grow(0)` brings this thread's view up to date (it changes no
/// size, and costs nothing where the view was current).
#[inline(always)]
pub(crate) fn reach(p: *mut u8, size: usize) {
    #[cfg(all(target_arch = "wasm32", wasm_tlsf_threads))]
    {
        use core::arch::wasm32::{memory_grow, memory_size};
        let last = p.addr().wrapping_add(size - 1);
        if last / crate::source::page_size() >= memory_size(0) {
            memory_grow(0, 0);
        }
    }
    #[cfg(not(all(target_arch = "wasm32", wasm_tlsf_threads)))]
    let _ = (p, size);
}
