//! A game-loop-like frame allocator pattern: persistent entities (with
//! names and inventories) live across frames, and every frame builds and
//! drops its own vectors and strings (a spatial grid, draw commands with
//! labels, collision pairs, event messages), spawning and despawning a few
//! entities as it goes.

use crate::util::{Fixed, Rng, Sum};
use std::collections::HashMap;

struct Entity {
    id: u64,
    name: String,
    pos: (i32, i32),
    vel: (i32, i32),
    hp: i32,
    inventory: Vec<String>,
}

struct Draw {
    layer: u8,
    at: (i32, i32),
    label: String,
}

fn spawn(rng: &mut Rng, id: u64) -> Entity {
    Entity {
        id,
        name: format!("{}#{id}", rng.capitalized(3, 9)),
        pos: (rng.below(2048) as i32, rng.below(2048) as i32),
        vel: (rng.range(0, 16) as i32 - 8, rng.range(0, 16) as i32 - 8),
        hp: 100,
        inventory: (0..rng.below(4)).map(|_| rng.word(3, 8)).collect(),
    }
}

/// `scale` frames over about 600 entities.
pub fn run(seed: u64, scale: u32) -> u64 {
    let mut rng = Rng::new(seed);
    let mut sum = Sum::new();
    let mut next_id = 0;
    let mut world: Vec<Entity> = (0..600)
        .map(|_| {
            next_id += 1;
            spawn(&mut rng, next_id)
        })
        .collect();
    for frame in 0..scale {
        // Move.
        for e in world.iter_mut() {
            e.pos.0 = (e.pos.0 + e.vel.0).rem_euclid(2048);
            e.pos.1 = (e.pos.1 + e.vel.1).rem_euclid(2048);
        }
        // This frame's spatial grid.
        let mut grid: HashMap<(i32, i32), Vec<usize>, Fixed> = HashMap::default();
        for (i, e) in world.iter().enumerate() {
            grid.entry((e.pos.0 / 64, e.pos.1 / 64))
                .or_default()
                .push(i);
        }
        let mut pairs = Vec::new();
        for cell in grid.values() {
            for (n, &a) in cell.iter().enumerate() {
                for &b in &cell[n + 1..] {
                    pairs.push((a, b));
                }
            }
        }
        // Events from collisions.
        let mut events: Vec<String> = Vec::new();
        for &(a, b) in &pairs {
            world[a].hp -= 3;
            world[b].hp -= 2;
            events.push(format!(
                "{} hits {} at {:?}",
                world[a].name, world[b].name, world[a].pos
            ));
            if rng.chance(10) {
                let item = rng.word(3, 8);
                world[a].inventory.push(item);
            }
        }
        // Draw list with labels, sorted by layer and position.
        let mut draws: Vec<Draw> = world
            .iter()
            .filter(|e| e.pos.0 < 1400 && e.pos.1 < 1400)
            .map(|e| Draw {
                layer: (e.id % 4) as u8,
                at: e.pos,
                label: format!("{} ({} hp, {} items)", e.name, e.hp, e.inventory.len()),
            })
            .collect();
        draws.sort_by_key(|d| (d.layer, d.at));
        let mut text_bytes = 0;
        for d in &draws {
            text_bytes += d.label.len();
        }
        sum.add(text_bytes as u64);
        sum.add(events.len() as u64);
        if let Some(e) = events.last() {
            sum.bytes(e.as_bytes());
        }
        // Despawn the dead and a few at random; spawn newcomers.
        world.retain(|e| e.hp > 0);
        for _ in 0..rng.below(4) {
            if !world.is_empty() {
                let i = rng.below(world.len() as u64) as usize;
                world.swap_remove(i);
            }
        }
        while world.len() < 600 {
            next_id += 1;
            world.push(spawn(&mut rng, next_id));
        }
        for e in world.iter_mut().filter(|e| e.inventory.len() > 6) {
            e.inventory.drain(..3);
        }
        sum.add(u64::from(frame));
    }
    sum.add(world.iter().map(|e| e.id).sum());
    sum.get()
}
