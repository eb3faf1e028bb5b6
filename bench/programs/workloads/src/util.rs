//! A seeded generator and a checksum, shared by the programs.

use std::collections::hash_map::DefaultHasher;
use std::hash::BuildHasherDefault;

/// A hasher with fixed keys, so that maps grow and iterate the same way on
/// every run (the allocation pattern depends only on the seed).
pub type Fixed = BuildHasherDefault<DefaultHasher>;

/// SplitMix64: a small, fast generator; good enough for test inputs.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// A lower-case word of `lo..=hi` letters, syllable by syllable.
    pub fn word(&mut self, lo: u64, hi: u64) -> String {
        const C: &[u8] = b"bcdfghjklmnprstvwz";
        const V: &[u8] = b"aeiou";
        let n = self.range(lo, hi) as usize;
        let mut s = String::with_capacity(n);
        for i in 0..n {
            let set = if i % 2 == 0 { C } else { V };
            s.push(set[self.below(set.len() as u64) as usize] as char);
        }
        s
    }

    pub fn capitalized(&mut self, lo: u64, hi: u64) -> String {
        let mut w = self.word(lo, hi);
        w[..1].make_ascii_uppercase();
        w
    }
}

/// An order-dependent checksum of what a program computed.
pub struct Sum(u64);

impl Sum {
    pub fn new() -> Self {
        Sum(0xcbf2_9ce4_8422_2325)
    }

    pub fn add(&mut self, x: u64) {
        self.0 = (self.0 ^ x)
            .wrapping_mul(0x0000_0100_0000_01b3)
            .rotate_left(29);
    }

    pub fn bytes(&mut self, b: &[u8]) {
        self.add(b.len() as u64);
        let mut chunks = b.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().unwrap_or([0; 8])));
        }
        for &x in chunks.remainder() {
            self.add(u64::from(x));
        }
    }

    pub fn get(&self) -> u64 {
        self.0
    }
}
