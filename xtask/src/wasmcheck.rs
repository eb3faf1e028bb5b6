//! The "no panic, no formatting" check on a built wasm module: reads the
//! function names from its `name` section and rejects any that belong to
//! panicking or formatting machinery. A module without names fails the
//! check, so it can never pass vacuously.

use std::path::Path;

use anyhow::{bail, Context, Result};

/// Substrings of (mangled or demangled) function names that mean panic or
/// formatting code reached the module.
const FORBIDDEN: &[&str] = &[
    "panic",
    "fmt",
    "Formatter",
    "unwrap_failed",
    "expect_failed",
];

fn leb(b: &[u8], i: &mut usize) -> Result<u32> {
    let mut result = 0u32;
    let mut shift = 0;
    loop {
        let byte = *b.get(*i).context("truncated LEB128")?;
        *i += 1;
        result |= u32::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(result);
        }
        shift += 7;
        if shift > 28 {
            bail!("LEB128 too long");
        }
    }
}

/// Every function name in the module's `name` section.
pub fn function_names(wasm: &[u8]) -> Result<Vec<String>> {
    if wasm.get(..4) != Some(b"\0asm") {
        bail!("not a wasm module");
    }
    let mut i = 8;
    let mut names = None;
    while i < wasm.len() {
        let id = wasm[i];
        i += 1;
        let len = leb(wasm, &mut i)? as usize;
        let end = i + len;
        let section = wasm.get(i..end).context("truncated section")?;
        if id == 0 {
            let mut j = 0;
            let name_len = leb(section, &mut j)? as usize;
            if section.get(j..j + name_len) == Some(b"name") {
                j += name_len;
                let mut found = Vec::new();
                while j < section.len() {
                    let sub = section[j];
                    j += 1;
                    let sub_len = leb(section, &mut j)? as usize;
                    let sub_end = j + sub_len;
                    if sub == 1 {
                        let mut k = j;
                        let count = leb(section, &mut k)?;
                        for _ in 0..count {
                            let _index = leb(section, &mut k)?;
                            let n = leb(section, &mut k)? as usize;
                            let name = section.get(k..k + n).context("truncated name")?;
                            found.push(String::from_utf8_lossy(name).into_owned());
                            k += n;
                        }
                    }
                    j = sub_end;
                }
                names = Some(found);
            }
        }
        i = end;
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

/// Fails, listing the culprits, if panic or formatting code is in `path`.
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
        let mut sub = vec![names.len() as u8];
        for (i, n) in names.iter().enumerate() {
            sub.push(i as u8);
            sub.push(n.len() as u8);
            sub.extend_from_slice(n.as_bytes());
        }
        let mut custom = vec![4];
        custom.extend_from_slice(b"name");
        custom.push(1);
        custom.push(sub.len() as u8);
        custom.extend(sub);
        let mut m = b"\0asm\x01\0\0\0".to_vec();
        m.push(0);
        m.push(custom.len() as u8);
        m.extend(custom);
        m
    }

    #[test]
    fn reads_names_and_flags_panics() {
        let m = module_with_names(&["alloc", "_ZN4core9panicking5panic17h0E"]);
        assert_eq!(function_names(&m).unwrap().len(), 2);
        let dir = std::env::temp_dir().join("wasm-tlsf-xtask-test.wasm");
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
}
