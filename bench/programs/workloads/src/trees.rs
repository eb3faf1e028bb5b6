//! Binary trees of `Box` nodes (after the benchmarks game): a long-lived
//! tree of the largest depth, and many short-lived trees of every depth
//! from 4 up, built, walked and dropped. Nearly every allocation is a
//! node of two pointers, most of them carved from fresh memory or just freed.

use crate::util::Sum;

struct Node {
    left: Option<Box<Node>>,
    right: Option<Box<Node>>,
}

fn build(depth: u32) -> Box<Node> {
    if depth == 0 {
        Box::new(Node {
            left: None,
            right: None,
        })
    } else {
        Box::new(Node {
            left: Some(build(depth - 1)),
            right: Some(build(depth - 1)),
        })
    }
}

fn check(n: &Node) -> u64 {
    1 + n.left.as_deref().map_or(0, check) + n.right.as_deref().map_or(0, check)
}

/// `scale` is the largest depth (at least 6).
pub fn run(seed: u64, scale: u32) -> u64 {
    let max = scale.max(6);
    let mut sum = Sum::new();
    sum.add(seed);
    // Kept alive across the loop, as in the original.
    let long_lived = build(max);
    let mut depth = 4;
    while depth <= max {
        let iterations = 1u32 << (max - depth + 4);
        let mut nodes = 0;
        for _ in 0..iterations {
            let t = build(depth);
            nodes += check(&t);
        }
        sum.add(u64::from(depth));
        sum.add(nodes);
        depth += 2;
    }
    sum.add(check(&long_lived));
    sum.get()
}
