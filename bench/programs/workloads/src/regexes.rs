//! regex: compile a set of patterns (every round, as a program that builds
//! its regexes on demand), then find, capture, replace and split over a
//! generated log.

use crate::util::{Rng, Sum};
use regex::Regex;

const PATTERNS: &[&str] = &[
    r"\b[a-z]+\.[a-z]+@[a-z]+\.(com|org|net)\b",
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})",
    r"(?i)\b(error|warn(ing)?|fatal)\b",
    r"\b[A-Z][a-z]+ [A-Z][a-z]+\b",
    r"id=(\d+)",
    r"\s+",
    r"[a-z]{3,}ing\b",
    r#""([^"]*)""#,
];

fn log(rng: &mut Rng, lines: u64) -> String {
    const LEVELS: &[&str] = &["INFO", "debug", "Warning", "ERROR", "info", "fatal"];
    let mut s = String::new();
    for _ in 0..lines {
        let level = LEVELS[rng.below(LEVELS.len() as u64) as usize];
        s.push_str(&format!(
            "2024-{:02}-{:02}T{:02}:{:02} {} id={} user {} {} <{}.{}@{}.org> said \"{} {}ing\"  {}\n",
            rng.range(1, 12),
            rng.range(1, 28),
            rng.below(24),
            rng.below(60),
            level,
            rng.below(1_000_000),
            rng.capitalized(3, 7),
            rng.capitalized(4, 9),
            rng.word(3, 6),
            rng.word(3, 8),
            rng.word(4, 7),
            rng.word(2, 9),
            rng.word(3, 6),
            rng.word(5, 30),
        ));
    }
    s
}

/// `scale` rounds over a log of 300 lines.
pub fn run(seed: u64, scale: u32) -> u64 {
    let mut rng = Rng::new(seed);
    let mut sum = Sum::new();
    for _ in 0..scale {
        let text = log(&mut rng, 300);
        let res: Vec<Regex> = PATTERNS.iter().filter_map(|p| Regex::new(p).ok()).collect();
        sum.add(res.len() as u64);
        for re in &res {
            sum.add(re.find_iter(&text).count() as u64);
            let caps: Vec<String> = re
                .captures_iter(&text)
                .filter_map(|c| c.get(c.len() - 1).map(|m| m.as_str().to_owned()))
                .collect();
            sum.add(caps.iter().map(String::len).sum::<usize>() as u64);
        }
        let replaced = res[2].replace_all(&text, "<$1>");
        let squeezed = res[5].replace_all(&replaced, " ");
        sum.bytes(squeezed.as_bytes());
        let fields: Vec<&str> = res[5].split(&text).collect();
        sum.add(fields.len() as u64);
    }
    sum.get()
}
