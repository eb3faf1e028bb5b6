//! `wasi-suite`: a WASI command (wasm32-wasip1) whose global allocator is
//! `SmallGlobalTlsf`, while wasi-libc's own malloc serves std's environment
//! and file calls and direct `malloc`/`calloc`/`realloc`/`free`. Every case
//! checks that the two allocators' blocks never overlap and that every
//! pattern written into either survives, with the heap checker between
//! steps. Run by run.mjs (`--list` names the cases).

#[macro_use]
extern crate wasm_tlsf_wasi_tests;

use std::io::{Read, Write};
use std::process::ExitCode;

use wasm_tlsf_wasi_tests::common::libc::{getenv_raw, LibcBlock};
use wasm_tlsf_wasi_tests::common::live::Live;
use wasm_tlsf_wasi_tests::common::*;
/// The global allocator (this package's library).
use wasm_tlsf_wasi_tests::A;

fn main() -> ExitCode {
    run_cases(&[
        Case {
            name: "issue-repro-env-var",
            run: issue_repro_env_var,
        },
        Case {
            name: "issue-repro-malloc",
            run: issue_repro_malloc,
        },
        Case {
            name: "env-vars",
            run: env_vars,
        },
        Case {
            name: "env-args",
            run: env_args,
        },
        Case {
            name: "fs-preopen",
            run: fs_preopen,
        },
        Case {
            name: "libc-direct",
            run: libc_direct,
        },
        Case {
            name: "interleaved-random",
            run: interleaved_random,
        },
        Case {
            name: "growth",
            run: growth,
        },
    ])
}

/// The issue's program: a `Vec` of 4096 bytes, then `std::env::var`, whose
/// first call makes wasi-libc malloc the environment's strings. No byte of
/// the `Vec` may change.
fn issue_repro_env_var() -> Outcome {
    let v = vec![0x11u8; 4096];
    let home = std::env::var("HOME");
    let clobbered = v.iter().filter(|&&b| b != 0x11).count();
    println!("  clobbered: {clobbered}");
    ensure!(
        clobbered == 0,
        "{clobbered} bytes of the 4096-byte Vec at {:#x} changed after std::env::var",
        v.as_ptr() as usize
    );
    ensure!(
        home.as_deref() == Ok(SANDBOX),
        "HOME is {home:?}, expected {SANDBOX:?}"
    );
    Ok(())
}

/// A direct `malloc(64)` next to a live `Vec`: outside our heap, and
/// writing all of it changes neither the `Vec` nor our heap; Rust
/// allocations still work after it.
fn issue_repro_malloc() -> Outcome {
    let v = vec![0x22u8; 4096];
    let b = LibcBlock::malloc(64, 0x33).ok_or("malloc(64) returned null")?;
    let (p, vp) = (b.ptr as usize, v.as_ptr() as usize);
    println!("  Vec at {vp:#x}, malloc(64) at {p:#x}");
    ensure!(
        p + 64 <= vp || vp + 4096 <= p,
        "malloc(64) returned {p:#x}, inside the live Vec [{vp:#x}, {:#x})",
        vp + 4096
    );
    outside_heap("malloc(64)", &[b.span()])?;
    let clobbered = v.iter().filter(|&&b| b != 0x22).count();
    ensure!(
        clobbered == 0,
        "{clobbered} bytes of the Vec changed after writing libc's block"
    );
    heap_ok("after writing libc's block")?;
    let w: Vec<u64> = (0..100).collect();
    ensure!(
        w.iter().sum::<u64>() == 4950,
        "a Vec allocated after libc's block holds the wrong values"
    );
    b.free("the malloc(64) block")?;
    heap_ok("after free").map(|_| ())
}

/// Rust blocks of several sizes, then every environment call std makes
/// through libc, each value compared with what run.mjs set; patterns and
/// the heap after each step.
fn env_vars() -> Outcome {
    let mut live = Live::default();
    for len in [24, 100, 777, 4096, 65536 + 13, 300_000] {
        live.rust("Rust block before the environment", len)?;
    }
    live.verify("before the environment")?;
    let home = std::env::var("HOME");
    ensure!(home.as_deref() == Ok(SANDBOX), "HOME is {home:?}");
    live.verify("after env::var(\"HOME\")")?;
    let mut libc_spans = Vec::new();
    for k in 0..PROBES {
        let name = format!("WASM_TLSF_PROBE_{k}");
        let want = probe_value(k, probe_len(k));
        let got = std::env::var(&name);
        ensure!(
            got.as_deref() == Ok(want.as_str()),
            "{name}: std::env::var gives a value of {:?} bytes that differs from run.mjs's {}",
            got.as_ref().map(|s| s.len()),
            want.len()
        );
        // libc's own copy of the value lies in libc's memory.
        let (span, raw) = getenv_raw(&name).ok_or_else(|| failure!("getenv({name}) is null"))?;
        ensure!(raw == want.as_bytes(), "getenv({name}) differs");
        libc_spans.push(span);
        live.rust("Rust block between variables", 1000 + k * 3000)?;
        live.verify(&format!("after env::var({name})"))?;
    }
    outside_heap("libc's environment strings", &libc_spans)?;
    let vars: Vec<(String, String)> = std::env::vars().collect();
    live.verify("after env::vars()")?;
    let mut want: Vec<(String, String)> = (0..PROBES)
        .map(|k| (format!("WASM_TLSF_PROBE_{k}"), probe_value(k, probe_len(k))))
        .collect();
    want.push(("HOME".into(), SANDBOX.into()));
    let mut got = vars.clone();
    got.sort();
    want.sort();
    ensure!(
        got == want,
        "env::vars() gives {} variables ({:?}), expected {:?}",
        got.len(),
        got.iter().map(|(k, v)| (k, v.len())).collect::<Vec<_>>(),
        want.iter().map(|(k, v)| (k, v.len())).collect::<Vec<_>>()
    );
    // The same values again, after all those allocations.
    for k in 0..PROBES {
        let name = format!("WASM_TLSF_PROBE_{k}");
        let (span, raw) = getenv_raw(&name).ok_or_else(|| failure!("getenv({name}) is null"))?;
        ensure!(
            raw == probe_value(k, probe_len(k)).as_bytes(),
            "getenv({name}) changed"
        );
        outside_heap("libc's environment string", &[span])?;
    }
    live.free_all("end of env-vars")
}

/// `std::env::args` twice, around allocations: the case name and the
/// 5000-byte `--probe=` argument run.mjs passes.
fn env_args() -> Outcome {
    let mut live = Live::default();
    live.rust("Rust block", 4096)?;
    let want = format!("{PROBE_ARG}{}", probe_value(PROBES, PROBE_ARG_LEN));
    for round in 0..2 {
        let args: Vec<String> = std::env::args().collect();
        ensure!(
            args.iter().any(|a| a == "env-args") && args.contains(&want),
            "round {round}: env::args() lacks the case name or the probe argument: {:?}",
            args.iter().map(|a| a.len()).collect::<Vec<_>>()
        );
        live.rust("Rust block after args", 50_000)?;
        live.verify("after env::args()")?;
    }
    live.free_all("end of env-args")
}

/// Files in the preopened directory run.mjs passes as `/sandbox`: create,
/// write, read back, list, append, rename, remove (wasi-libc mallocs its
/// preopen table and path buffers); patterns and the heap after each step.
fn fs_preopen() -> Outcome {
    let mut live = Live::default();
    for len in [64, 5000, 123_457] {
        live.rust("Rust block before the file calls", len)?;
    }
    let dir = format!("{SANDBOX}/fs-preopen");
    let io = |what: &str, e: std::io::Error| format!("{what}: {e}");
    std::fs::create_dir_all(&dir).map_err(|e| io("create_dir_all", e))?;
    live.verify("after create_dir_all")?;
    let sizes = [0usize, 1, 4096, 70_000, 300_000];
    for (i, &len) in sizes.iter().enumerate() {
        let path = format!("{dir}/file-{i}");
        let data = pattern_vec(len, 100 + i as u8);
        let mut f = std::fs::File::create(&path).map_err(|e| io(&path, e))?;
        f.write_all(&data).map_err(|e| io(&path, e))?;
        drop(f);
        live.rust("Rust block between files", 3000 + len / 10)?;
        live.verify(&format!("after writing {path}"))?;
    }
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|e| io("read_dir", e))?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()
        .map_err(|e| io("read_dir entry", e))?;
    names.sort();
    let want: Vec<String> = (0..sizes.len()).map(|i| format!("file-{i}")).collect();
    ensure!(names == want, "read_dir lists {names:?}");
    live.verify("after read_dir")?;
    for (i, &len) in sizes.iter().enumerate() {
        let path = format!("{dir}/file-{i}");
        let got = std::fs::read(&path).map_err(|e| io(&path, e))?;
        ensure!(
            got == pattern_vec(len, 100 + i as u8),
            "{path}: read back {} bytes that differ from the {len} written",
            got.len()
        );
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(|e| io(&path, e))?;
        f.write_all(b"tail").map_err(|e| io(&path, e))?;
        drop(f);
        let mut s = Vec::new();
        std::fs::File::open(&path)
            .and_then(|mut f| f.read_to_end(&mut s))
            .map_err(|e| io(&path, e))?;
        ensure!(
            s.len() == len + 4 && s.ends_with(b"tail"),
            "{path}: appended file has {} bytes",
            s.len()
        );
        let renamed = format!("{dir}/renamed-{i}");
        std::fs::rename(&path, &renamed).map_err(|e| io(&renamed, e))?;
        std::fs::remove_file(&renamed).map_err(|e| io(&renamed, e))?;
        live.verify(&format!("after append, rename and remove of {path}"))?;
    }
    std::fs::remove_dir(&dir).map_err(|e| io("remove_dir", e))?;
    live.verify("after remove_dir")?;
    live.free_all("end of fs-preopen")
}

/// Direct malloc, calloc, realloc (growing and shrinking) and free, with
/// Rust blocks allocated, grown and freed between them.
fn libc_direct() -> Outcome {
    let mut live = Live::default();
    let sizes = [1usize, 64, 4096, 100_000, MIB];
    for &len in &sizes {
        live.rust("Rust block", len + 3)?;
        live.malloc("malloc", len)?;
        live.calloc("calloc", len + 5)?;
        live.verify(&format!("after malloc/calloc of {len}"))?;
    }
    for i in 0..live.libc.len() {
        let len = live.libc[i].len;
        live.resize_libc("realloc up", i, len * 3 + 17)?;
        live.rust("Rust block between reallocs", 2000 + i * 100)?;
        live.verify("after a libc realloc growing")?;
    }
    for i in 0..live.rust.len() {
        let len = live.rust[i].0.len();
        live.resize_rust("Rust realloc", i, len * 2 + 1)?;
        live.malloc("malloc between Rust reallocs", 500 + i * 50)?;
        live.verify("after a Rust realloc growing")?;
    }
    for i in 0..live.libc.len() {
        let len = live.libc[i].len;
        live.resize_libc("realloc down", i, len / 3 + 1)?;
        live.verify("after a libc realloc shrinking")?;
    }
    // Free every other block of each, then allocate again into the holes.
    let mut i = 0;
    live.rust.retain(|_| {
        i += 1;
        i % 2 == 0
    });
    let mut keep = Vec::new();
    for (j, b) in live.libc.drain(..).enumerate() {
        if j % 2 == 0 {
            b.free("freeing every other libc block")?;
        } else {
            keep.push(b);
        }
    }
    live.libc = keep;
    live.verify("after freeing half")?;
    for &len in &sizes {
        live.malloc("malloc into holes", len * 2)?;
        live.rust("Rust block into holes", len * 2)?;
    }
    live.free_all("end of libc-direct")
}

/// Seeded random steps over both allocators: allocate, zero-allocate,
/// reallocate and free, sizes 1 B to 256 KiB; the touched block checked at
/// every step, everything every 100 steps.
fn interleaved_random() -> Outcome {
    let mut rng = Rng::new(14);
    let mut live = Live::default();
    let size = |rng: &mut Rng| -> usize {
        let r = rng.next_u64();
        match r % 16 {
            0 => 16 * KIB + (r >> 8) as usize % (240 * KIB),
            1..=4 => 256 + (r >> 8) as usize % (16 * KIB),
            _ => 1 + (r >> 8) as usize % 256,
        }
    };
    for step in 0..3000 {
        let what = format!("step {step}");
        let r = rng.next_u64() % 100;
        let len = size(&mut rng);
        let pick = |n: usize, rng: &mut Rng| (rng.next_u64() % n as u64) as usize;
        match r {
            0..=21 => live.rust(&what, len)?,
            22..=39 => live.malloc(&what, len)?,
            40..=44 => live.calloc(&what, len)?,
            45..=59 if !live.rust.is_empty() => {
                let i = pick(live.rust.len(), &mut rng);
                let (v, tag) = live.rust.swap_remove(i);
                // SAFETY: a live Vec.
                unsafe { verify(&what, v.as_ptr(), v.len(), tag) }?;
            }
            60..=74 if !live.libc.is_empty() => {
                let i = pick(live.libc.len(), &mut rng);
                live.libc.swap_remove(i).free(&what)?;
            }
            75..=86 if !live.rust.is_empty() => {
                let i = pick(live.rust.len(), &mut rng);
                live.resize_rust(&what, i, len)?;
            }
            87..=99 if !live.libc.is_empty() => {
                let i = pick(live.libc.len(), &mut rng);
                live.resize_libc(&what, i, len)?;
            }
            _ => {}
        }
        if step % 100 == 99 {
            live.verify(&what)?;
        }
    }
    println!(
        "  {} Rust and {} libc blocks live at the end",
        live.rust.len(),
        live.libc.len()
    );
    live.free_all("end of interleaved-random")
}

/// 48 MiB of Rust blocks in pieces of about 1 MiB, with libc blocks
/// between them (libc grows memory too, so our growth follows foreign
/// pages); all verified; half freed and allocated again; all freed.
fn growth() -> Outcome {
    let mut live = Live::default();
    let pages0 = memory_bytes();
    let mut total = 0;
    let mut k = 0;
    while total < 48 * MIB {
        let len = MIB + k * 4099;
        live.rust("growth", len)?;
        total += len;
        if k % 3 == 0 {
            live.malloc("libc block during growth", 64 * KIB + k * 1000)?;
        }
        if k % 8 == 7 {
            live.verify(&format!("after {total} bytes"))?;
        }
        k += 1;
    }
    live.verify("at 48 MiB")?;
    let st = A.stats();
    println!(
        "  memory {} -> {} MiB, {} pages grown by us",
        pages0 / MIB,
        memory_bytes() / MIB,
        st.pages_grown
    );
    ensure!(
        st.in_use >= total,
        "in use {} bytes with {total} live",
        st.in_use
    );
    let mut i = 0;
    live.rust.retain(|_| {
        i += 1;
        i % 2 == 0
    });
    live.verify("after freeing half")?;
    let grown = A.stats().pages_grown;
    for j in 0..k / 2 {
        live.rust("reuse", MIB + j * 4099 / 2)?;
    }
    live.verify("after reusing the freed half")?;
    ensure!(
        A.stats().pages_grown == grown,
        "reusing freed space grew memory: {grown} -> {} pages",
        A.stats().pages_grown
    );
    let b = LibcBlock::malloc(8 * MIB, 7).ok_or("malloc(8 MiB) returned null")?;
    outside_heap("malloc(8 MiB)", &[b.span()])?;
    live.verify("after a libc malloc of 8 MiB")?;
    b.free("malloc(8 MiB)")?;
    live.free_all("end of growth")
}
