//! A canonical byte form of values: equal values (in cty's sense) give equal
//! bytes. Used for set equality, hashing and set de-duplication, so nested
//! sets are sorted once per level instead of once per comparison.

use crate::value::{Refinements, Value};

/// Appends the canonical form of `value`. Every part is self-delimiting, so
/// concatenations are unambiguous.
pub(crate) fn write(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.push(0),
        Value::Unknown(refinements) => {
            out.push(1);
            write_refinements(refinements, out);
        }
        Value::Bool(b) => out.extend([2, u8::from(*b)]),
        Value::Number(n) => {
            out.push(3);
            n.write_canonical(out);
        }
        Value::String(s) => {
            out.push(4);
            write_bytes(s.as_bytes(), out);
        }
        Value::List(items) => write_sequence(5, items, out),
        Value::Set(items) => {
            out.push(6);
            let elements = canonical_set(items);
            write_len(elements.len(), out);
            for element in elements {
                out.extend_from_slice(&element);
            }
        }
        Value::Tuple(items) => write_sequence(7, items, out),
        Value::Map(entries) | Value::Object(entries) => {
            out.push(if matches!(value, Value::Map(_)) { 8 } else { 9 });
            write_len(entries.len(), out);
            for (key, item) in entries {
                write_bytes(key.as_bytes(), out);
                write(item, out);
            }
        }
        Value::Dynamic(ty, inner) => {
            out.push(10);
            write_bytes(ty.to_json().as_bytes(), out);
            write(inner, out);
        }
    }
}

fn write_len(len: usize, out: &mut Vec<u8>) {
    out.extend_from_slice(&(len as u64).to_be_bytes());
}

fn write_bytes(bytes: &[u8], out: &mut Vec<u8>) {
    write_len(bytes.len(), out);
    out.extend_from_slice(bytes);
}

fn write_sequence(tag: u8, items: &[Value], out: &mut Vec<u8>) {
    out.push(tag);
    write_len(items.len(), out);
    for item in items {
        write(item, out);
    }
}

fn write_refinements(r: &Refinements, out: &mut Vec<u8>) {
    match r.nullness {
        None => out.push(0),
        Some(is_null) => out.extend([1, u8::from(is_null)]),
    }
    match r.prefix() {
        None => out.push(0),
        Some(prefix) => {
            out.push(1);
            write_bytes(prefix.as_bytes(), out);
        }
    }
    for bound in [&r.number_lower, &r.number_upper] {
        match bound {
            None => out.push(0),
            Some((n, inclusive)) => {
                out.push(1);
                n.write_canonical(out);
                out.push(u8::from(*inclusive));
            }
        }
    }
    for length in [r.length_min, r.length_max] {
        match length {
            None => out.push(0),
            Some(length) => {
                out.push(1);
                out.extend_from_slice(&length.to_be_bytes());
            }
        }
    }
}

/// Canonical forms of the set's elements, sorted, with duplicate wholly
/// known elements removed. Unknown elements never collapse: two unknowns
/// may turn out different (cty's rule).
fn canonical_set(items: &[Value]) -> Vec<Vec<u8>> {
    let mut elements: Vec<(Vec<u8>, bool)> = items
        .iter()
        .map(|item| {
            let mut bytes = Vec::new();
            write(item, &mut bytes);
            (bytes, item.is_wholly_known())
        })
        .collect();
    elements.sort();
    elements.dedup_by(|later, earlier| later.1 && later == earlier);
    elements.into_iter().map(|(bytes, _)| bytes).collect()
}

pub(crate) fn sets_equal(a: &[Value], b: &[Value]) -> bool {
    canonical_set(a) == canonical_set(b)
}

/// Which elements to keep so that no wholly-known element repeats; the
/// first occurrence of each survives.
pub(crate) fn dedupe_mask(items: &[Value]) -> Vec<bool> {
    let mut keep = vec![true; items.len()];
    if items.len() < 2 {
        return keep;
    }
    let mut keyed: Vec<(Vec<u8>, usize)> = items
        .iter()
        .enumerate()
        .filter(|(_, item)| item.is_wholly_known())
        .map(|(i, item)| {
            let mut bytes = Vec::new();
            write(item, &mut bytes);
            (bytes, i)
        })
        .collect();
    keyed.sort();
    for pair in keyed.windows(2) {
        if pair[0].0 == pair[1].0 {
            keep[pair[1].1] = false;
        }
    }
    keep
}

/// Removes duplicate wholly-known elements, keeping first occurrences in
/// their original order.
pub(crate) fn dedupe_set(items: Vec<Value>) -> Vec<Value> {
    let keep = dedupe_mask(&items);
    items
        .into_iter()
        .zip(keep)
        .filter_map(|(item, keep)| keep.then_some(item))
        .collect()
}
