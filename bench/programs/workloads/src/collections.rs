//! BTreeMap and HashMap churn: an index of records keyed by number and by
//! name, with inserts, removals, growing values, range scans and lookups,
//! the way a cache or an in-memory table changes over time.

use crate::util::{Fixed, Rng, Sum};
use std::collections::{BTreeMap, HashMap};

/// `scale` thousand operations.
pub fn run(seed: u64, scale: u32) -> u64 {
    let mut rng = Rng::new(seed);
    let mut sum = Sum::new();
    let mut by_id: BTreeMap<u64, Vec<u32>> = BTreeMap::new();
    let mut by_name: HashMap<String, Vec<u64>, Fixed> = HashMap::default();
    let mut names: BTreeMap<String, u64> = BTreeMap::new();
    let ops = u64::from(scale) * 1000;
    for op in 0..ops {
        let key = rng.below(20_000);
        match rng.below(10) {
            0..=3 => {
                let v = by_id.entry(key).or_default();
                let n = rng.range(1, 12) as u32;
                v.extend((0..n).map(|i| i ^ key as u32));
                let name = format!("{}-{}", rng.word(2, 6), key % 997);
                by_name.entry(name.clone()).or_default().push(key);
                names.insert(name, op);
            }
            4 | 5 => {
                if let Some(v) = by_id.remove(&key) {
                    sum.add(v.len() as u64);
                }
                let name = format!("{}-{}", rng.word(2, 6), key % 997);
                if let Some(ids) = by_name.remove(&name) {
                    sum.add(ids.iter().sum());
                    names.remove(&name);
                }
            }
            6 => {
                let scan: u64 = by_id
                    .range(key..key + 200)
                    .map(|(k, v)| k ^ v.len() as u64)
                    .sum();
                sum.add(scan);
            }
            7 => {
                // Rewrite a value: a fresh, smaller vector replaces the old one.
                if let Some(v) = by_id.get_mut(&key) {
                    let kept: Vec<u32> = v.iter().copied().filter(|x| x % 3 != 0).collect();
                    *v = kept;
                }
            }
            8 => {
                let prefix = rng.word(2, 2);
                let hits = names
                    .range(prefix.clone()..)
                    .take(8)
                    .filter(|(k, _)| k.starts_with(&prefix))
                    .count();
                sum.add(hits as u64);
            }
            _ => {
                let name = format!("{}-{}", rng.word(2, 6), key % 997);
                sum.add(by_name.get(&name).map_or(0, Vec::len) as u64);
            }
        }
        if op % 5000 == 4999 {
            // Every so often, drop the cold half.
            by_id.retain(|k, v| (k + v.len() as u64).is_multiple_of(2));
            by_name.retain(|_, ids| ids.len() > 1);
            names.retain(|k, _| by_name.contains_key(k));
        }
    }
    sum.add(by_id.len() as u64);
    sum.add(by_name.len() as u64);
    sum.add(names.len() as u64);
    sum.get()
}
