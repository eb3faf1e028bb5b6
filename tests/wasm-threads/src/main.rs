//! The stress test on `wasm32-wasip1-threads`: four `std::thread`s (wasi
//! threads: node workers over one shared memory) run the workload of
//! `test_support::stress` at once, then the main thread frees what is left in transit
//! and runs the heap checker. Exits 0 only if no thread saw a wrong byte,
//! a null, a misaligned block, and the heap checks out with as many used
//! blocks as before the threads started.

use wasm_tlsf_threads::{stress, A};

fn main() {
    let ops = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(stress::OPS);
    let mut handles = Vec::with_capacity(stress::THREADS);
    let (before, _) = stress::check(&A).expect("a sound heap before the threads");
    for id in 0..stress::THREADS {
        handles.push(std::thread::spawn(move || stress::worker(id, ops)));
    }
    let results: Vec<_> = handles.into_iter().map(|h| h.join()).collect();
    let drained = stress::drain();
    let checked = stress::check(&A);
    let mut ok = true;
    for r in results.iter().chain([&Ok(drained)]) {
        match r {
            Ok(Ok(())) => {}
            Ok(Err(f)) => {
                eprintln!("FAIL: {f:?}");
                ok = false;
            }
            Err(_) => {
                eprintln!("FAIL: a thread panicked");
                ok = false;
            }
        }
    }
    match checked {
        Ok((used, pools)) => {
            println!(
                "{} threads x {ops} ops: heap sound, {pools} pools, {used} used blocks \
                 (before the threads: {before}), {} pages grown; a block from another \
                 thread beyond this one's view of memory {} times",
                stress::THREADS,
                A.stats().pages_grown,
                stress::VIEW_REFRESHES.load(std::sync::atomic::Ordering::Acquire)
            );
            if used != before {
                eprintln!("FAIL: {used} used blocks after the threads, {before} before");
                ok = false;
            }
        }
        Err(e) => {
            eprintln!("FAIL: heap checker: {e:?}");
            ok = false;
        }
    }
    std::process::exit(if ok { 0 } else { 1 });
}
