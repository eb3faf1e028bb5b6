//! std collections under churn, interleaved sizes from 1 B to 4 MiB,
//! contents verified against values recomputed from a seed.

use std::collections::{BTreeMap, HashMap};

use wasm_bindgen_test::wasm_bindgen_test;

use super::util::*;

/// The `i`-th element of the collection tagged `tag`.
fn val(tag: u64, i: usize) -> u32 {
    (tag.wrapping_mul(0x9E37_79B9) as u32) ^ (i as u32).wrapping_mul(0x85EB_CA6B)
}

fn check_vec(case: &str, v: &[u32], tag: u64) {
    for (i, &x) in v.iter().enumerate() {
        ensure!(
            x == val(tag, i),
            case,
            v.len() * 4,
            v.as_ptr(),
            "element {i} (tag {tag}) is {x:#x}, expected {:#x}",
            val(tag, i)
        );
    }
}

/// [`check_vec`] for each `(vec, tag)`.
fn check_vecs<'a>(case: &str, vecs: impl IntoIterator<Item = &'a (Vec<u32>, u64)>) {
    for (v, tag) in vecs {
        check_vec(case, v, *tag);
    }
}

/// [`verify_slice`] for each `(box, tag)`.
fn check_boxes<'a>(case: &str, boxes: impl IntoIterator<Item = &'a (Box<[u8]>, u8)>) {
    for (b, tag) in boxes {
        verify_slice(case, b, *tag);
    }
}

fn pattern_box(len: usize, tag: u8) -> Box<[u8]> {
    let mut b = vec![0u8; len].into_boxed_slice();
    // SAFETY: `len` writable bytes.
    unsafe { fill(b.as_mut_ptr(), 0, len, tag) };
    b
}

/// Runs a collections case (see [`run_case`]) with a PRNG seeded `seed`.
fn run(case: &str, seed: u64, body: impl FnOnce(&mut Rng)) {
    run_case(case, || body(&mut Rng::new(seed)));
}

#[wasm_bindgen_test]
fn vec_churn_1b_to_4mib() {
    let case = "vec-churn";
    run(case, 1, |rng| {
        let mut vecs: Vec<(Vec<u32>, u64)> = Vec::new();
        for step in 0..1200u64 {
            match rng.below(8) {
                0..=2 if vecs.len() < 40 => {
                    // Up to 1 Mi elements (4 MiB), built by pushes.
                    let n = rng.size_up_to(1 << 20);
                    let mut v = Vec::new();
                    for i in 0..n {
                        v.push(val(step, i));
                    }
                    vecs.push((v, step));
                }
                3 | 4 if !vecs.is_empty() => {
                    let i = rng.below(vecs.len());
                    let (v, tag) = &mut vecs[i];
                    let extra = rng.size_up_to(64 * 1024);
                    let len = v.len();
                    v.extend((len..len + extra).map(|j| val(*tag, j)));
                    check_vec(case, v, *tag);
                }
                5 if !vecs.is_empty() => {
                    let i = rng.below(vecs.len());
                    let (v, tag) = &mut vecs[i];
                    let keep = rng.below(v.len() + 1);
                    v.truncate(keep);
                    v.shrink_to_fit();
                    check_vec(case, v, *tag);
                }
                _ if !vecs.is_empty() => {
                    let (v, tag) = vecs.swap_remove(rng.below(vecs.len()));
                    check_vec(case, &v, tag);
                }
                _ => {}
            }
        }
        check_vecs(case, &vecs);
    });
}

#[wasm_bindgen_test]
fn vec_u8_push_one_by_one_to_4mib() {
    let case = "vec-push-4MiB";
    run_case(case, || {
        let mut v: Vec<u8> = Vec::new();
        let mut other = Vec::new();
        for i in 0..4 * MIB {
            v.push((i % 251) as u8);
            // A small allocation now and then, so that growth cannot always
            // happen in place.
            if i.is_power_of_two() {
                other.push((pattern_box(i % 1000 + 1, i as u8), i as u8));
            }
        }
        for (i, &x) in v.iter().enumerate() {
            ensure!(
                x == (i % 251) as u8,
                case,
                v.len(),
                v.as_ptr(),
                "byte {i} is {x}"
            );
        }
        check_boxes(case, &other);
    });
}

#[wasm_bindgen_test]
fn string_churn() {
    let case = "string-churn";
    run(case, 2, |rng| {
        let piece = |tag: usize, i: usize| -> char {
            // ASCII, 2-, 3- and 4-byte UTF-8 characters.
            ['a', 'é', '€', '𝄞', 'z', 'ß'][(tag + i) % 6]
        };
        // `s` holds the `n` characters of tag `tag`.
        let check = |s: &str, tag: usize, n: usize| {
            let ok =
                s.chars().count() == n && s.chars().enumerate().all(|(i, c)| c == piece(tag, i));
            ensure!(
                ok,
                case,
                s.len(),
                s.as_ptr(),
                "string (tag {tag}, {n} chars) corrupted"
            );
        };
        let mut strings: Vec<(String, usize, usize)> = Vec::new(); // (s, tag, chars)
        for step in 0..1500usize {
            if strings.len() < 48 && (rng.below(3) > 0 || strings.is_empty()) {
                let n = rng.size_up_to(256 * 1024);
                let s: String = (0..n).map(|i| piece(step, i)).collect();
                strings.push((s, step, n));
            } else if rng.below(2) == 0 {
                let i = rng.below(strings.len());
                let (s, tag, n) = &mut strings[i];
                let extra = rng.size_up_to(4096);
                for j in *n..*n + extra {
                    s.push(piece(*tag, j));
                }
                *n += extra;
            } else {
                let (s, tag, n) = strings.swap_remove(rng.below(strings.len()));
                check(&s, tag, n);
            }
        }
        for (s, tag, n) in &strings {
            check(s, *tag, *n);
        }
    });
}

#[wasm_bindgen_test]
fn hashmap_churn() {
    let case = "hashmap-churn";
    run(case, 3, |rng| {
        // Key -> a byte buffer whose length and pattern derive from the key and
        // its version; the shadow records the version.
        let len_of = |k: u32, ver: u32| (k as usize * 131 + ver as usize * 977) % 5000 + 1;
        // `b` is the buffer of version `ver` of key `k`.
        let check = |k: u32, ver: u32, b: &[u8]| {
            ensure!(
                b.len() == len_of(k, ver),
                case,
                b.len(),
                b.as_ptr(),
                "key {k}"
            );
            verify_slice(case, b, (k ^ ver) as u8);
        };
        let mut map: HashMap<u32, Box<[u8]>> = HashMap::new();
        let mut shadow: Vec<Option<u32>> = vec![None; 4096];
        for step in 0..30_000u32 {
            let k = rng.below(4096) as u32;
            if rng.below(3) < 2 {
                let ver = step;
                if let Some(old) = map.insert(k, pattern_box(len_of(k, ver), (k ^ ver) as u8)) {
                    check(k, shadow[k as usize].unwrap(), &old);
                }
                shadow[k as usize] = Some(ver);
            } else {
                let got = map.remove(&k);
                match (got, shadow[k as usize].take()) {
                    (Some(b), Some(ver)) => check(k, ver, &b),
                    (None, None) => {}
                    (g, s) => panic!(
                        "case {case}: size 0 at address 0x0: key {k}: map has {:?}, shadow {s:?}",
                        g.map(|b| b.len())
                    ),
                }
            }
            if step % 10_000 == 0 {
                map.shrink_to_fit();
            }
        }
        ensure!(
            map.len() == shadow.iter().flatten().count(),
            case,
            map.len(),
            0usize,
            "map length"
        );
        for (k, v) in &map {
            check(*k, shadow[*k as usize].unwrap(), v);
        }
    });
}

#[wasm_bindgen_test]
fn btreemap_churn() {
    let case = "btreemap-churn";
    run(case, 4, |rng| {
        let text = |k: u32, ver: u32| -> String {
            let n = (k as usize * 7 + ver as usize) % 300;
            (0..n)
                .map(|i| (b'a' + ((k as usize + ver as usize + i) % 26) as u8) as char)
                .collect()
        };
        let mut map: BTreeMap<u32, String> = BTreeMap::new();
        let mut shadow: Vec<Option<u32>> = vec![None; 20_000];
        for step in 0..40_000u32 {
            let k = rng.below(20_000) as u32;
            if rng.below(2) == 0 {
                map.insert(k, text(k, step));
                shadow[k as usize] = Some(step);
            } else {
                let got = map.remove(&k);
                let want = shadow[k as usize].take().map(|v| text(k, v));
                ensure!(
                    got == want,
                    case,
                    got.as_ref().map_or(0, |s| s.len()),
                    got.as_ref().map_or(0, |s| s.as_ptr() as usize),
                    "key {k}: removed value differs"
                );
            }
        }
        // A range query in order, against the shadow.
        let mut expect = shadow
            .iter()
            .enumerate()
            .filter_map(|(k, v)| v.map(|v| (k as u32, v)));
        for (k, s) in &map {
            let (ek, ev) = expect.next().unwrap();
            ensure!(
                *k == ek && *s == text(ek, ev),
                case,
                s.len(),
                s.as_ptr(),
                "key {k} (expected {ek})"
            );
        }
        ensure!(
            expect.next().is_none(),
            case,
            map.len(),
            0usize,
            "map lost keys"
        );
    });
}

/// `Box<[u8]>` of log-uniform sizes from 1 B to 4 MiB, interleaved, up to
/// 32 live, each checked disjoint from the others and verified when freed.
#[wasm_bindgen_test]
fn boxed_slices_1b_to_4mib() {
    let case = "boxed-slices";
    run(case, 5, |rng| {
        let mut live: Vec<(Box<[u8]>, u8)> = Vec::new();
        for step in 0..1500usize {
            if live.len() < 32 && (rng.below(2) == 0 || live.is_empty()) {
                let n = rng.size_up_to(4 * MIB);
                let b = pattern_box(n, step as u8);
                let (p, e) = (b.as_ptr() as usize, b.as_ptr() as usize + n);
                for (o, _) in &live {
                    let (q, f) = (o.as_ptr() as usize, o.as_ptr() as usize + o.len());
                    ensure!(
                        e <= q || f <= p,
                        case,
                        n,
                        p,
                        "overlaps a live box at {q:#x} (size {})",
                        o.len()
                    );
                }
                live.push((b, step as u8));
            } else {
                let (b, tag) = live.swap_remove(rng.below(live.len()));
                verify_slice(case, &b, tag);
            }
        }
        check_boxes(case, &live);
    });
}

/// All the collections at once, so that their blocks interleave: Vec,
/// String, HashMap, BTreeMap and Box<[u8]>, sizes 1 B to 4 MiB.
#[wasm_bindgen_test]
fn mixed_collections_interleaved() {
    let case = "mixed-collections";
    run(case, 6, |rng| {
        let mut vecs: Vec<(Vec<u32>, u64)> = Vec::new();
        let mut strings: BTreeMap<u32, String> = BTreeMap::new();
        let mut boxes: HashMap<u32, (Box<[u8]>, u8)> = HashMap::new();
        for step in 0..2000u32 {
            match rng.below(6) {
                0 => {
                    let n = rng.size_up_to(MIB);
                    vecs.push(((0..n).map(|i| val(step as u64, i)).collect(), step as u64));
                    if vecs.len() > 24 {
                        let (v, t) = vecs.remove(0);
                        check_vec(case, &v, t);
                    }
                }
                1 => {
                    let n = rng.size_up_to(64 * 1024);
                    strings.insert(step % 512, "x".repeat(n) + &step.to_string());
                }
                2 => {
                    let n = rng.size_up_to(4 * MIB);
                    if let Some((old, tag)) =
                        boxes.insert(step % 24, (pattern_box(n, step as u8), step as u8))
                    {
                        verify_slice(case, &old, tag);
                    }
                }
                3 => {
                    if let Some((v, t)) = vecs.last_mut() {
                        let len = v.len();
                        let more = rng.size_up_to(100_000);
                        v.extend((len..len + more).map(|i| val(*t, i)));
                    }
                }
                4 => {
                    let k = rng.below(512) as u32;
                    if let Some(s) = strings.remove(&k) {
                        let digits = s.trim_start_matches('x');
                        let ok = digits.parse::<u32>().is_ok_and(|n| n % 512 == k);
                        ensure!(
                            ok,
                            case,
                            s.len(),
                            s.as_ptr(),
                            "string for key {k} ends in {digits:?}"
                        );
                    }
                }
                _ => {
                    let k = rng.below(24) as u32;
                    if let Some((b, tag)) = boxes.remove(&k) {
                        verify_slice(case, &b, tag);
                    }
                }
            }
        }
        check_vecs(case, &vecs);
        check_boxes(case, boxes.values());
    });
}
