//! A tiny seeded PRNG (SplitMix64): deterministic, dependency-free, fast
//! under Miri; the host tests, the fuzz targets, the wasm, WASI and
//! threads suites and the benchmark runner's traces all draw from it.

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`: the top 53 bits.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `lo..=hi` (`lo <= hi < u64::MAX`).
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Log-uniform in `1..=max`: as many tiny sizes as huge ones.
    pub fn size_up_to(&mut self, max: usize) -> usize {
        let bits = usize::BITS - max.leading_zeros();
        let b = self.below(bits as usize + 1);
        // (`b` reaches `usize::BITS` only for `max` with the top bit set.)
        (1 + self.below(1usize << b.min(usize::BITS as usize - 1))).min(max)
    }

    /// A power-of-two alignment up to `max`, mostly small.
    pub fn align_up_to(&mut self, max: usize) -> usize {
        let a = if self.below(4) == 0 {
            1 << self.below(max.trailing_zeros() as usize + 1)
        } else {
            1 << self.below(4)
        };
        a.min(max)
    }
}
