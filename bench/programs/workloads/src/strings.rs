//! String formatting and sorting: format records into lines, sort them by
//! several keys (some of which allocate), deduplicate, join, split and
//! rewrite them, as a report generator or a log processor does.

use crate::util::{Rng, Sum};

/// `scale` rounds of 2,000 records.
pub fn run(seed: u64, scale: u32) -> u64 {
    let mut rng = Rng::new(seed);
    let mut sum = Sum::new();
    for _ in 0..scale {
        let mut lines: Vec<String> = (0..2000)
            .map(|i| {
                format!(
                    "{:08x} {:>12} {:<9} {:.3} #{}",
                    rng.next() as u32,
                    rng.capitalized(3, 11),
                    rng.word(1, 8),
                    rng.below(1_000_000) as f64 / 7.0,
                    i
                )
            })
            .collect();
        lines.sort();
        sum.bytes(lines[0].as_bytes());
        lines.sort_by_key(|l| l.split_whitespace().nth(2).unwrap_or("").to_uppercase());
        sum.bytes(lines[lines.len() / 2].as_bytes());
        lines.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        let mut words: Vec<String> = lines
            .iter()
            .flat_map(|l| l.split_whitespace().skip(1).take(2).map(str::to_owned))
            .collect();
        words.sort_unstable();
        words.dedup();
        sum.add(words.len() as u64);
        let joined = words.join(",");
        let rewritten = joined.replace(',', ", ").to_lowercase();
        sum.bytes(rewritten.as_bytes());
        let mut out = String::new();
        for (i, w) in rewritten
            .split(", ")
            .enumerate()
            .filter(|(i, _)| i % 3 == 0)
        {
            out += &format!("{i}:{w};");
            if out.len() > 4096 {
                sum.bytes(out.as_bytes());
                out = String::new();
            }
        }
        sum.bytes(out.as_bytes());
    }
    sum.get()
}
