//! serde_json: build a document of users and orders, serialize it, parse
//! it back, modify it (new fields, removed fields, grown arrays, strings
//! rewritten) and serialize it again, pretty-printed.

use crate::util::{Rng, Sum};
use serde_json::{json, Map, Value};

fn document(rng: &mut Rng, users: u64) -> Value {
    let mut list = Vec::new();
    for id in 0..users {
        let first = rng.capitalized(3, 8);
        let last = rng.capitalized(4, 10);
        let email = format!(
            "{}.{}@{}.com",
            first.to_lowercase(),
            last.to_lowercase(),
            rng.word(4, 9)
        );
        let tags: Vec<Value> = (0..rng.range(0, 6))
            .map(|_| Value::String(rng.word(3, 10)))
            .collect();
        let orders: Vec<Value> = (0..rng.range(0, 5))
            .map(|n| {
                json!({
                    "order": id * 100 + n,
                    "items": (0..rng.range(1, 4)).map(|_| json!({
                        "sku": format!("{}-{:04}", rng.word(2, 3).to_uppercase(), rng.below(10_000)),
                        "qty": rng.range(1, 9),
                        "price": rng.below(100_000) as f64 / 100.0,
                    })).collect::<Vec<_>>(),
                    "note": if rng.chance(30) { Value::String(rng.word(10, 40)) } else { Value::Null },
                })
            })
            .collect();
        list.push(json!({
            "id": id,
            "name": format!("{first} {last}"),
            "email": email,
            "age": rng.range(18, 90),
            "active": rng.chance(70),
            "score": rng.below(1_000_000) as f64 / 1000.0,
            "tags": tags,
            "address": { "city": rng.capitalized(4, 12), "zip": format!("{:05}", rng.below(100_000)) },
            "orders": orders,
        }));
    }
    json!({ "version": 3, "generated": rng.next() >> 12, "users": list })
}

fn modify(rng: &mut Rng, doc: &mut Value) {
    let Some(users) = doc.get_mut("users").and_then(Value::as_array_mut) else {
        return;
    };
    for user in users.iter_mut() {
        let Some(u) = user.as_object_mut() else {
            continue;
        };
        if let Some(Value::Number(age)) = u.get("age") {
            let next = age.as_u64().unwrap_or(0) + 1;
            u.insert("age".into(), Value::from(next));
        }
        if rng.chance(20) {
            u.remove("email");
        }
        if let Some(Value::Array(tags)) = u.get_mut("tags") {
            tags.push(Value::String(rng.word(3, 8)));
            tags.retain(|t| t.as_str().is_none_or(|s| !s.starts_with('b')));
        }
        let total: f64 = u
            .get("orders")
            .and_then(Value::as_array)
            .map(|orders| {
                orders
                    .iter()
                    .flat_map(|o| o["items"].as_array().into_iter().flatten())
                    .map(|i| i["qty"].as_f64().unwrap_or(0.0) * i["price"].as_f64().unwrap_or(0.0))
                    .sum()
            })
            .unwrap_or(0.0);
        u.insert("total".into(), Value::from((total * 100.0).round() / 100.0));
        if let Some(Value::String(name)) = u.get_mut("name") {
            *name = name.to_uppercase();
        }
        let mut meta = Map::new();
        meta.insert("seen".into(), Value::from(rng.below(1 << 30)));
        meta.insert("via".into(), Value::String(rng.word(3, 6)));
        u.insert("meta".into(), Value::Object(meta));
    }
    users.retain(|u| {
        u["active"].as_bool().unwrap_or(false) || u["age"].as_u64().unwrap_or(0) % 3 != 0
    });
}

/// `scale` rounds of a document of 150 users.
pub fn run(seed: u64, scale: u32) -> u64 {
    let mut rng = Rng::new(seed);
    let mut sum = Sum::new();
    for _ in 0..scale {
        let doc = document(&mut rng, 150);
        let text = serde_json::to_string(&doc).unwrap_or_default();
        drop(doc);
        let mut parsed: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        sum.bytes(text.as_bytes());
        drop(text);
        modify(&mut rng, &mut parsed);
        let pretty = serde_json::to_string_pretty(&parsed).unwrap_or_default();
        sum.bytes(pretty.as_bytes());
        // And once more through the parser, as a round trip would.
        let again: Value = serde_json::from_str(&pretty).unwrap_or(Value::Null);
        sum.add(again["users"].as_array().map_or(0, Vec::len) as u64);
    }
    sum.get()
}
