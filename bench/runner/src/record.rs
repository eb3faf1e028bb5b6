//! A real program's trace: the allocations serde_json makes parsing a large
//! JSON document and serialising it again, recorded by this process's own
//! global allocator (a thin wrapper over the system allocator that logs
//! while recording is on).
//!
//! Recorded on the host, so sizes are a 64-bit program's (pointers and
//! `serde_json::Value` are larger than on wasm32); the sequence is the real
//! one.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::trace::{Builder, Op, Rng, Trace};

/// (kind 0 alloc / 1 free / 2 realloc, pointer, size (realloc: the new
/// one), align, realloc's new pointer).
type Event = (u8, usize, usize, usize, usize);

static ON: AtomicBool = AtomicBool::new(false);
static LEN: AtomicUsize = AtomicUsize::new(0);
static mut BUF: *mut Event = std::ptr::null_mut();
static mut CAP: usize = 0;

pub struct Recorder;

fn log(kind: u8, p: *mut u8, size: usize, l: Layout, new: *mut u8) {
    if !ON.load(Ordering::Relaxed) {
        return;
    }
    let i = LEN.fetch_add(1, Ordering::Relaxed);
    // SAFETY: BUF holds CAP events while ON is set (see `record`); one
    // thread records.
    unsafe {
        if i < CAP {
            BUF.add(i)
                .write((kind, p as usize, size, l.align(), new as usize));
        }
    }
}

// SAFETY: forwards to the system allocator; logging never allocates.
unsafe impl GlobalAlloc for Recorder {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        log(0, p, l.size(), l, std::ptr::null_mut());
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        log(1, p, l.size(), l, std::ptr::null_mut());
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, l, n) };
        log(2, p, n, l, q);
        q
    }
}

/// A JSON document of about `bytes` bytes: records with strings, numbers,
/// arrays and nested objects.
fn document(bytes: usize, seed: u64) -> String {
    let mut r = Rng::new(seed);
    let word = |r: &mut Rng| -> String {
        (0..r.range(2, 14))
            .map(|_| (b'a' + r.range(0, 25) as u8) as char)
            .collect()
    };
    let mut s = String::from("[");
    let mut i = 0;
    while s.len() < bytes {
        if i > 0 {
            s.push(',');
        }
        let tags: Vec<String> = (0..r.range(0, 6))
            .map(|_| format!("\"{}\"", word(&mut r)))
            .collect();
        let scores: Vec<String> = (0..r.range(0, 8))
            .map(|_| format!("{:.3}", r.unit() * 1000.0))
            .collect();
        s += &format!(
            "{{\"id\":{i},\"name\":\"{} {}\",\"active\":{},\"tags\":[{}],\"scores\":[{}],\
             \"address\":{{\"street\":\"{} street {}\",\"city\":\"{}\",\"zip\":\"{:05}\"}},\
             \"notes\":\"{}\"}}",
            word(&mut r),
            word(&mut r),
            r.unit() < 0.5,
            tags.join(","),
            scores.join(","),
            r.range(1, 999),
            word(&mut r),
            word(&mut r),
            r.range(0, 99999),
            (0..r.range(0, 12))
                .map(|_| word(&mut r))
                .collect::<Vec<_>>()
                .join(" "),
        );
        i += 1;
    }
    s.push(']');
    s
}

/// Records serde_json parsing a document of about `bytes` bytes into a
/// `Value` and serialising it back (pretty), and returns the trace.
pub fn serde_json_trace(bytes: usize) -> Trace {
    let doc = document(bytes, 7);
    let cap = 8 << 20;
    let mut buf: Vec<Event> = Vec::with_capacity(cap);
    // SAFETY: one thread; the buffer outlives recording.
    unsafe {
        BUF = buf.as_mut_ptr();
        CAP = cap;
    }
    LEN.store(0, Ordering::SeqCst);
    ON.store(true, Ordering::SeqCst);
    {
        let v: serde_json::Value = serde_json::from_str(&doc).expect("a valid document");
        let out = serde_json::to_string_pretty(&v).expect("serialisable");
        std::hint::black_box(&out);
    }
    ON.store(false, Ordering::SeqCst);
    let n = LEN.load(Ordering::SeqCst).min(cap);
    // SAFETY: `n` events were written.
    unsafe { buf.set_len(n) };

    // Pointers to block ids.
    let mut b = Builder::default();
    let mut ids: HashMap<usize, u32> = HashMap::new();
    for &(kind, ptr, size, align, new) in &buf {
        match kind {
            0 if ptr != 0 => {
                ids.insert(ptr, b.alloc(size as u32, align as u32));
            }
            1 => {
                if let Some(id) = ids.remove(&ptr) {
                    b.ops.push(Op::Free { id });
                }
            }
            2 if new != 0 => {
                if let Some(id) = ids.remove(&ptr) {
                    let size = size as u32;
                    b.ops.push(Op::Realloc { id, size });
                    ids.insert(new, id);
                }
            }
            _ => {}
        }
    }
    let what = format!(
        "a real program: serde_json parses a {} KB document and re-serialises it (recorded, {n} events)",
        doc.len() / 1000
    );
    b.trace("serde_json", what)
}
