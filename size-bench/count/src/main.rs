//! `wasm-count IN.wasm OUT.wasm`: instruments a module so that it counts
//! the wasm instructions it executes, in an exported mutable `i64` global
//! named `__icount`. A benchmark reads it before and after each call.
//!
//! What counts, mirroring wasmtime's fuel metering: one per operator,
//! except the structural ones that execute nothing (`block`, `loop`, `end`,
//! `else`, `nop`, `drop`, `unreachable`, `return`). Every straight-line run
//! of instructions gets one counter increment at its start, covering the run
//! up to and including the next instruction that may branch, so the counts
//! are exact for every path.

use anyhow::{Context, Result};
use walrus::ir::{BinaryOp, Instr, InstrSeqId, Value};
use walrus::{ConstExpr, FunctionKind, GlobalId, LocalFunction, Module, ValType};

/// Whether an instruction costs fuel.
fn counts(i: &Instr) -> bool {
    !matches!(i, Instr::Block(_) | Instr::Loop(_) | Instr::Drop(_) | Instr::Unreachable(_) | Instr::Return(_))
}

/// Whether execution may leave the straight line after this instruction.
fn ends_run(i: &Instr) -> bool {
    matches!(
        i,
        Instr::Block(_)
            | Instr::Loop(_)
            | Instr::IfElse(_)
            | Instr::Br(_)
            | Instr::BrIf(_)
            | Instr::BrTable(_)
            | Instr::Return(_)
            | Instr::Unreachable(_)
    )
}

fn children(i: &Instr) -> Vec<InstrSeqId> {
    match i {
        Instr::Block(b) => vec![b.seq],
        Instr::Loop(l) => vec![l.seq],
        Instr::IfElse(ie) => vec![ie.consequent, ie.alternative],
        _ => vec![],
    }
}

fn increment(counter: GlobalId, n: u64) -> [Instr; 4] {
    [
        Instr::GlobalGet(walrus::ir::GlobalGet { global: counter }),
        Instr::Const(walrus::ir::Const { value: Value::I64(n as i64) }),
        Instr::Binop(walrus::ir::Binop { op: BinaryOp::I64Add }),
        Instr::GlobalSet(walrus::ir::GlobalSet { global: counter }),
    ]
}

/// Adds increments of every counter in `counters` (the total, and with
/// `--per-function` the function's own), charging original instructions
/// only.
fn instrument_seq(f: &mut LocalFunction, seq: InstrSeqId, counters: &[GlobalId]) {
    let old = std::mem::take(&mut f.block_mut(seq).instrs);
    let mut out = Vec::with_capacity(old.len() * 2);
    let mut nested = Vec::new();
    let mut run: Vec<(Instr, walrus::InstrLocId)> = Vec::new();
    let mut run_cost = 0u64;
    let flush = |out: &mut Vec<(Instr, walrus::InstrLocId)>, run: &mut Vec<_>, cost: &mut u64| {
        if *cost > 0 {
            for &counter in counters {
                for i in increment(counter, *cost) {
                    out.push((i, Default::default()));
                }
            }
        }
        out.append(run);
        *cost = 0;
    };
    for (instr, loc) in old {
        nested.extend(children(&instr));
        if counts(&instr) {
            run_cost += 1;
        }
        let end = ends_run(&instr);
        run.push((instr, loc));
        if end {
            flush(&mut out, &mut run, &mut run_cost);
        }
    }
    flush(&mut out, &mut run, &mut run_cost);
    f.block_mut(seq).instrs = out;
    for child in nested {
        instrument_seq(f, child, counters);
    }
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (input, output, per_function) = match args.as_slice() {
        [_, i, o] => (i, o, false),
        [_, flag, i, o] if flag == "--per-function" => (i, o, true),
        _ => anyhow::bail!("usage: wasm-count [--per-function] IN.wasm OUT.wasm"),
    };
    let mut module = Module::from_file(input).with_context(|| format!("reading {input}"))?;
    let counter = module.globals.add_local(ValType::I64, true, false, ConstExpr::Value(Value::I64(0)));
    module.exports.add("__icount", counter);
    let ids: Vec<_> = module.funcs.iter().map(|f| f.id()).collect();
    for id in ids {
        // With --per-function, each function also counts into its own
        // exported global, `__icount:NAME`, for a profile.
        let own = if per_function {
            let name = module.funcs.get(id).name.clone().unwrap_or_else(|| format!("{id:?}"));
            let g = module.globals.add_local(ValType::I64, true, false, ConstExpr::Value(Value::I64(0)));
            module.exports.add(&format!("__icount:{name}"), g);
            Some(g)
        } else {
            None
        };
        if let FunctionKind::Local(local) = &mut module.funcs.get_mut(id).kind {
            let entry = local.entry_block();
            match own {
                Some(g) => instrument_seq(local, entry, &[counter, g]),
                None => instrument_seq(local, entry, &[counter]),
            }
        }
    }
    module.emit_wasm_file(output).with_context(|| format!("writing {output}"))?;
    Ok(())
}
