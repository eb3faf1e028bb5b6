//! The build script's reading of the rustflags (`build.rs`,
//! `atomics_in_rustflags`): every spelling rustc accepts for the `atomics`
//! target feature, and the order rules. Each expectation for flags rustc
//! accepts was checked against nightly rustc's own answer (`rustc --print
//! cfg --target wasm32-unknown-unknown FLAGS` lists
//! `target_feature="atomics"`); rustc rejects the `--cfg`, `-Z` and
//! dangling `-C` cases, which must not count either.

#[path = "../build.rs"]
#[allow(dead_code)]
mod build;

/// `(flags as cargo passes them, separated by spaces here, atomics on?)`
const CASES: &[(&str, bool)] = &[
    ("", false),
    ("-C target-feature=+atomics", true),
    ("-Ctarget-feature=+atomics", true),
    ("--codegen target-feature=+atomics", true),
    ("--codegen=target-feature=+atomics", true),
    ("-C target_feature=+atomics", true),
    ("-Ctarget_feature=+atomics", true),
    ("--codegen=target_feature=+atomics", true),
    (
        "-C target-feature=+bulk-memory,+atomics,+mutable-globals",
        true,
    ),
    (
        "-C target-feature=+bulk-memory -C target-feature=+atomics",
        true,
    ),
    // The last mention wins, across flags and within one list.
    (
        "-C target-feature=+atomics -C target-feature=-atomics",
        false,
    ),
    (
        "-C target-feature=-atomics --codegen=target_feature=+atomics",
        true,
    ),
    ("-Ctarget-feature=+atomics,-atomics", false),
    ("-Ctarget-feature=-atomics,+atomics", true),
    // The CPU: `bleeding-edge` has atomics; the last CPU wins; features
    // apply on top of it, before or after.
    ("-C target-cpu=bleeding-edge", true),
    ("-Ctarget_cpu=bleeding-edge", true),
    ("--codegen=target-cpu=bleeding-edge", true),
    ("-C target-cpu=bleeding-edge -C target-cpu=generic", false),
    ("-C target-cpu=mvp -C target-cpu=bleeding-edge", true),
    (
        "-C target-cpu=bleeding-edge -C target-feature=-atomics",
        false,
    ),
    (
        "-C target-feature=-atomics -C target-cpu=bleeding-edge",
        false,
    ),
    ("-C target-feature=+atomics -C target-cpu=mvp", true),
    // Not the feature: other features, other options, unsigned names,
    // values of other options, a dangling `-C`.
    ("-C target-feature=+atomics-extra", false),
    ("-C target-feature=atomics", false),
    ("-C target-feature=+simd128 -C opt-level=z", false),
    ("--cfg target-feature=+atomics", false),
    ("-Z target-feature=+atomics", false),
    ("-C link-arg=--shared-memory", false),
    ("-C opt-level=3 -C", false),
    ("-C target-cpu=bleeding-edge-ish", false),
];

#[test]
fn every_spelling_of_the_atomics_flag() {
    for &(flags, on) in CASES {
        let words = flags.split(' ').filter(|w| !w.is_empty());
        assert_eq!(build::atomics_in_rustflags(words), on, "flags {flags:?}");
    }
}

#[test]
fn cargo_encoding() {
    // Cargo separates the words with 0x1f, so a word may hold spaces.
    let encoded = "-C\x1ftarget_feature=+atomics\x1f--cfg\x1fx=\"a b\"";
    assert!(build::atomics_in_rustflags(encoded.split('\x1f')));
}
