//! The one number formatter and the one statistics helper of every report.
//!
//! Statistics convention: a quantile `p` (0 to 1) of `n` sorted values is
//! read at rank `p * (n - 1)`, interpolating linearly between the two
//! nearest values (numpy's default): the median of an even count is the
//! mean of the two middle values, `quantile(xs, 1.0)` is the maximum.
//! Every statistic of an empty sample is NaN (written as `null` in a
//! report's JSON).

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

/// The quantile `p` of `xs` (see the module's convention).
pub fn quantile(xs: &[f64], p: f64) -> f64 {
    let mut s = xs.to_vec();
    s.sort_by(f64::total_cmp);
    if s.is_empty() {
        return f64::NAN;
    }
    let rank = p.clamp(0.0, 1.0) * (s.len() - 1) as f64;
    let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
    s[lo] + (s[hi] - s[lo]) * (rank - lo as f64)
}

/// The median: `quantile(xs, 0.5)`.
pub fn median(xs: &[f64]) -> f64 {
    quantile(xs, 0.5)
}

/// The arithmetic mean (NaN when empty).
pub fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
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

/// The median, the smallest and the largest value: how every report
/// gives a ratio over rounds (NaN, NaN, NaN when empty).
pub fn median_range(xs: &[f64]) -> (f64, f64, f64) {
    let (lo, hi) = min_max(xs);
    (median(xs), lo, hi)
}

/// A markdown table with its columns padded, so that it reads on a
/// terminal as it renders on a page; `right[i]`: column i is numeric
/// (right-aligned). Every report's tables are made here.
pub fn table(header: &[impl AsRef<str>], right: &[bool], rows: &[Vec<String>]) -> String {
    let header: Vec<String> = header.iter().map(|h| h.as_ref().to_string()).collect();
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
    let mut s = line(&header);
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
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.25), 2.0);
        assert_eq!(quantile(&[10.0, 20.0], 0.99), 19.9);
        assert_eq!(quantile(&[7.0, 1.0], 1.0), 7.0);
        assert_eq!(mean(&[1.0, 2.0]), 1.5);
        assert!(mean(&[]).is_nan());
    }
}
