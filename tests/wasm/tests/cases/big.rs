//! Large memory: one allocation above 64 MiB, and memory growing past
//! 256 MiB in 16 MiB steps, freed, then allocated again without growing.

use std::alloc::{alloc_zeroed, dealloc, Layout};

use wasm_bindgen_test::wasm_bindgen_test;

use super::util::*;

/// One 64 MiB + 4097-byte block: the first and last 4 KiB and 64 bytes
/// every MiB written and read back; it lies inside memory.
#[wasm_bindgen_test]
fn one_allocation_above_64mib() {
    let case = "alloc-above-64MiB";
    let (_, st0) = begin(case);
    let size = 64 * MIB + 4097;
    let b = alloc_block(case, size, 8, 0x64);
    ensure!(b.sparse, case, size, b.addr(), "expected a sparse fill");
    // Its last byte, on its own.
    // SAFETY: inside the block.
    unsafe { b.ptr.add(size - 1).write(0xEE) };
    // SAFETY: as above.
    let last = unsafe { b.ptr.add(size - 1).read() };
    ensure!(
        last == 0xEE,
        case,
        size,
        b.addr(),
        "last byte reads {last:#x}"
    );
    // SAFETY: as above: restore the pattern's last byte.
    unsafe { fill(b.ptr, size - 1, size, b.tag) };
    let (_, st) = heap_ok(case);
    ensure!(
        st.in_use >= st0.in_use + size,
        case,
        size,
        b.addr(),
        "in use grew by {} only",
        st.in_use - st0.in_use
    );
    b.free(case);
    end(case, &st0);
}

/// `alloc_zeroed` above 64 MiB with a 64 KiB alignment: all zero (checked
/// every 4 KiB and at both ends), even where earlier cases left data.
#[wasm_bindgen_test]
fn alloc_zeroed_above_64mib_aligned_64k() {
    let case = "alloc-zeroed-above-64MiB";
    heap_ok(case);
    let size = 72 * MIB + 3;
    let layout = Layout::from_size_align(size, 64 * KIB).unwrap();
    // SAFETY: non-zero size; reads inside the block; freed once.
    unsafe {
        let p = alloc_zeroed(layout);
        check_raw(case, "alloc_zeroed", p, size, 64 * KIB);
        ensure!(
            p as usize + size <= memory_bytes(),
            case,
            size,
            p,
            "beyond memory"
        );
        let mut at = 0;
        while at < size {
            let v = p.add(at).read();
            ensure!(
                v == 0,
                case,
                size,
                p,
                "byte {at} (address {:#x}) is {v:#x}",
                p as usize + at
            );
            at += 4093;
        }
        ensure!(
            p.add(size - 1).read() == 0,
            case,
            size,
            p,
            "last byte not zero"
        );
        dealloc(p, layout);
    }
    heap_ok(case);
}

/// Seventeen 16 MiB blocks (272 MiB) live at once, so memory grows past
/// 256 MiB; freed; the same requests again do not grow memory.
#[wasm_bindgen_test]
fn grow_past_256mib_in_16mib_steps_then_reuse() {
    let case = "grow-past-256MiB";
    let (_, st0) = begin(case);
    let chunk = 16 * MIB;
    let count = 17;
    let mut first_round_pages = 0;
    for round in 0..2 {
        let before = pages();
        let mut live = Vec::with_capacity(count);
        for i in 0..count {
            let b = alloc_block(case, chunk, 8, (round * 64 + i) as u8);
            ensure!(
                round == 0 || pages() == before,
                case,
                chunk,
                b.addr(),
                "round 2, chunk {i}: memory grew from {before} to {} pages",
                pages()
            );
            live.push(b);
        }
        check_all(case, &live);
        let (_, st) = heap_ok(case);
        ensure!(
            st.in_use >= st0.in_use + count * chunk && memory_bytes() > 256 * MIB,
            case,
            count * chunk,
            live[0].addr(),
            "round {round}: in use {} bytes, memory {} pages",
            st.in_use,
            pages()
        );
        if round == 0 {
            first_round_pages = pages();
        }
        free_all(case, live);
        heap_ok(case);
    }
    ensure!(
        pages() == first_round_pages,
        case,
        chunk,
        0usize,
        "memory grew in the second round: {first_round_pages} -> {} pages",
        pages()
    );
    end(case, &st0);
}
