//! Reading built modules, with `wasmparser`: the module without its custom
//! sections (what a release ships), and the "no panic, no formatting" check
//! on its function names. A module without a `name` section fails the
//! check, so it can never pass vacuously.

use std::path::Path;

use anyhow::{bail, Context, Result};
use wasmparser::{KnownCustom, Name, Parser, Payload};

/// Substrings of (mangled or demangled) function names that mean panic or
/// formatting code reached the module.
const FORBIDDEN: &[&str] = &[
    "panic",
    "fmt",
    "Formatter",
    "unwrap_failed",
    "expect_failed",
];

/// The module without its custom sections (names, producers, target
/// features), every other section byte for byte.
pub fn strip(wasm: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(wasm.len());
    // A section's header (id and size) lies between the previous section's
    // end and its contents.
    let mut end = 0;
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.context("not a valid wasm module")?;
        if let Payload::Version { range, .. } = &payload {
            out.extend_from_slice(&wasm[range.clone()]);
            end = range.end;
        } else if let Some((id, range)) = payload.as_section() {
            if id != 0 {
                out.extend_from_slice(&wasm[end..range.end]);
            }
            end = range.end;
        }
    }
    if end != wasm.len() || out.is_empty() {
        bail!("not a wasm module");
    }
    Ok(out)
}

/// Every function name in the module's `name` section.
pub fn function_names(wasm: &[u8]) -> Result<Vec<String>> {
    let mut names = None;
    for payload in Parser::new(0).parse_all(wasm) {
        let Payload::CustomSection(c) = payload.context("not a valid wasm module")? else {
            continue;
        };
        let KnownCustom::Name(reader) = c.as_known() else {
            continue;
        };
        let found: &mut Vec<String> = names.get_or_insert_with(Vec::new);
        for sub in reader {
            if let Name::Function(map) = sub? {
                for naming in map {
                    found.push(naming?.name.to_string());
                }
            }
        }
    }
    names.context("the module has no `name` section: build it without stripping symbols")
}

/// The functions of `wasm` that belong to panic or formatting code (empty
/// when none reached it); fails if the module has no names to check.
pub fn forbidden_functions(wasm: &[u8]) -> Result<Vec<String>> {
    Ok(function_names(wasm)?
        .into_iter()
        .filter(|n| FORBIDDEN.iter().any(|f| n.contains(f)))
        .collect())
}

/// Fails, listing the culprits, if panic or formatting code is in `path`;
/// returns how many functions it checked.
pub fn check_no_panic_or_fmt(path: &Path) -> Result<usize> {
    let wasm = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let bad = forbidden_functions(&wasm)?;
    if !bad.is_empty() {
        bail!(
            "{}: panic or formatting code reached the module:\n  {}",
            path.display(),
            bad.join("\n  ")
        );
    }
    Ok(function_names(&wasm)?.len())
}

/// How many of the lock's instructions (`src/lock.rs`: the byte's
/// compare-and-swap, `i32.atomic.rmw8.cmpxchg_u`, and its release store,
/// `i32.atomic.store8`) the module's code holds. A no_std module's only
/// atomics are the allocator's, so none means the build has no lock.
pub fn lock_instructions(wasm: &[u8]) -> Result<usize> {
    use wasmparser::{Operator, Parser, Payload};
    let mut n = 0;
    for payload in Parser::new(0).parse_all(wasm) {
        if let Payload::CodeSectionEntry(body) = payload? {
            let mut ops = body.get_operators_reader()?;
            while !ops.eof() {
                if let Operator::I32AtomicRmw8CmpxchgU { .. } | Operator::I32AtomicStore8 { .. } =
                    ops.read()?
                {
                    n += 1;
                }
            }
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module_with_names(names: &[&str]) -> Vec<u8> {
        let mut map = wasm_encoder::NameMap::new();
        for (i, n) in names.iter().enumerate() {
            map.append(i as u32, n);
        }
        let mut section = wasm_encoder::NameSection::new();
        section.functions(&map);
        let mut module = wasm_encoder::Module::new();
        module.section(&section);
        module.finish()
    }

    #[test]
    fn reads_names_and_flags_panics() {
        let m = module_with_names(&["alloc", "_ZN4core9panicking5panic17h0E"]);
        assert_eq!(function_names(&m).unwrap().len(), 2);
        let dir = std::env::temp_dir().join("wasm-tlsf-size-bench-test.wasm");
        std::fs::write(&dir, &m).unwrap();
        assert!(check_no_panic_or_fmt(&dir).is_err());
        std::fs::write(&dir, module_with_names(&["alloc", "dealloc"])).unwrap();
        assert_eq!(check_no_panic_or_fmt(&dir).unwrap(), 2);
        std::fs::write(&dir, b"\0asm\x01\0\0\0").unwrap();
        assert!(
            check_no_panic_or_fmt(&dir).is_err(),
            "no name section must fail"
        );
    }

    #[test]
    fn strip_drops_custom_sections() {
        // header, a custom section of 3 bytes, a type section of 1 byte
        let m = b"\0asm\x01\0\0\0\x00\x03\x01ab\x01\x01\x00";
        assert_eq!(&strip(m).unwrap()[8..], b"\x01\x01\x00");
        assert!(strip(b"not wasm").is_err());
    }
}
