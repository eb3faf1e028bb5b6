//! The one number formatter and the one statistics helper of every report.
//!
//! Statistics convention: the median of an even count is the mean of the
//! two middle values; every statistic of an empty sample is NaN (written
//! as `null` in a report's JSON). These are for measured times and ratios;
//! the runner's instruction counts (`bench/runner`) use nearest rank
//! instead (`sorted[floor(p * n)]`), so that a median or p99 of counts is a
//! count that occurred.

/// `1505` as `1,505`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut s = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            s.push(',');
        }
        s.push(c);
    }
    if n < 0 {
        format!("-{s}")
    } else {
        s
    }
}

/// A change, signed: `+12`, `-3`, `0`.
pub fn signed(d: i64) -> String {
    if d > 0 {
        format!("+{d}")
    } else {
        d.to_string()
    }
}

/// The median (see the module's convention).
pub fn median(xs: &[f64]) -> f64 {
    let mut s = xs.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    match s.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => s[n / 2],
        n => (s[n / 2 - 1] + s[n / 2]) / 2.0,
    }
}

/// The smallest and the largest value (NaN, NaN when empty).
pub fn min_max(xs: &[f64]) -> (f64, f64) {
    if xs.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    xs.iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
            (lo.min(x), hi.max(x))
        })
}

/// A markdown table with its columns padded, so that it reads on a
/// terminal as it renders on a page; `right[i]`: column i is numeric.
pub fn table(header: &[String], right: &[bool], rows: &[Vec<String>]) -> String {
    let width = |s: &String| s.chars().count();
    let mut w: Vec<usize> = header.iter().map(width).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            w[i] = w[i].max(width(c));
        }
    }
    let line = |cells: &[String]| {
        let mut s = String::from("|");
        for (i, c) in cells.iter().enumerate() {
            let pad = " ".repeat(w[i] - width(c));
            if right[i] {
                s += &format!(" {pad}{c} |");
            } else {
                s += &format!(" {c}{pad} |");
            }
        }
        s + "\n"
    };
    let mut s = line(header);
    s += "|";
    for (i, &n) in w.iter().enumerate() {
        let dashes = "-".repeat(n.max(3));
        s += &if right[i] {
            format!(" {}: |", &dashes[1..])
        } else {
            format!(" {dashes} |")
        };
    }
    s += "\n";
    for r in rows {
        s += &line(r);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1505), "1,505");
        assert_eq!(thousands(-28748), "-28,748");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn median_and_range() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
        assert_eq!(min_max(&[2.0, 0.5, 3.0]), (0.5, 3.0));
        assert!(min_max(&[]).0.is_nan());
    }
}
