//! A small language: generated source text is tokenized (identifiers as
//! `String`s), parsed into an AST of `Box`ed nodes, constant-folded into a
//! new tree, evaluated against an environment of variables, and printed
//! back, as an interpreter or a config language does.

use crate::util::{Fixed, Rng, Sum};
use std::collections::HashMap;

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Num(i64),
    Ident(String),
    Op(char),
    LParen,
    RParen,
    Comma,
    Let,
    Assign,
    Semi,
}

fn tokenize(src: &str) -> Vec<Token> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\n' => i += 1,
            b'0'..=b'9' => {
                let mut n = 0i64;
                while i < b.len() && b[i].is_ascii_digit() {
                    n = n.wrapping_mul(10).wrapping_add(i64::from(b[i] - b'0'));
                    i += 1;
                }
                out.push(Token::Num(n));
            }
            b'a'..=b'z' | b'_' => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                let word = &src[start..i];
                out.push(if word == "let" {
                    Token::Let
                } else {
                    Token::Ident(word.to_owned())
                });
            }
            b'(' | b')' | b',' | b'=' | b';' => {
                out.push(match c {
                    b'(' => Token::LParen,
                    b')' => Token::RParen,
                    b',' => Token::Comma,
                    b'=' => Token::Assign,
                    _ => Token::Semi,
                });
                i += 1;
            }
            _ => {
                out.push(Token::Op(c as char));
                i += 1;
            }
        }
    }
    out
}

#[derive(Clone)]
enum Expr {
    Num(i64),
    Var(String),
    Bin(char, Box<Expr>, Box<Expr>),
    Neg(Box<Expr>),
    Call(String, Vec<Expr>),
}

struct Stmt {
    name: String,
    value: Expr,
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn program(&mut self) -> Vec<Stmt> {
        let mut out = Vec::new();
        while let Some(Token::Let) = self.next() {
            let Some(Token::Ident(name)) = self.next() else {
                break;
            };
            if self.next() != Some(Token::Assign) {
                break;
            }
            let value = self.expr(0);
            out.push(Stmt { name, value });
            if self.next() != Some(Token::Semi) {
                break;
            }
        }
        out
    }

    fn expr(&mut self, min: u8) -> Expr {
        let mut lhs = self.unary();
        while let Some(&Token::Op(op)) = self.peek() {
            let prec = match op {
                '+' | '-' => 1,
                '*' | '/' | '%' => 2,
                '^' => 3,
                _ => break,
            };
            if prec < min {
                break;
            }
            self.at += 1;
            let rhs = self.expr(prec + 1);
            lhs = Expr::Bin(op, Box::new(lhs), Box::new(rhs));
        }
        lhs
    }

    fn unary(&mut self) -> Expr {
        match self.next() {
            Some(Token::Num(n)) => Expr::Num(n),
            Some(Token::Op('-')) => Expr::Neg(Box::new(self.unary())),
            Some(Token::LParen) => {
                let e = self.expr(0);
                self.at += 1; // ')'
                e
            }
            Some(Token::Ident(name)) => {
                if self.peek() == Some(&Token::LParen) {
                    self.at += 1;
                    let mut args = Vec::new();
                    while self.peek() != Some(&Token::RParen) && self.peek().is_some() {
                        args.push(self.expr(0));
                        if self.peek() == Some(&Token::Comma) {
                            self.at += 1;
                        }
                    }
                    self.at += 1;
                    Expr::Call(name, args)
                } else {
                    Expr::Var(name)
                }
            }
            _ => Expr::Num(0),
        }
    }
}

fn apply(op: char, a: i64, b: i64) -> i64 {
    match op {
        '+' => a.wrapping_add(b),
        '-' => a.wrapping_sub(b),
        '*' => a.wrapping_mul(b),
        '/' => a.checked_div(b).unwrap_or(0),
        '%' => a.checked_rem(b).unwrap_or(0),
        _ => a ^ b,
    }
}

/// A new tree with constant subtrees folded.
fn fold(e: &Expr) -> Expr {
    match e {
        Expr::Bin(op, a, b) => match (fold(a), fold(b)) {
            (Expr::Num(x), Expr::Num(y)) => Expr::Num(apply(*op, x, y)),
            (x, y) => Expr::Bin(*op, Box::new(x), Box::new(y)),
        },
        Expr::Neg(a) => match fold(a) {
            Expr::Num(x) => Expr::Num(x.wrapping_neg()),
            x => Expr::Neg(Box::new(x)),
        },
        Expr::Call(f, args) => Expr::Call(f.clone(), args.iter().map(fold).collect()),
        other => other.clone(),
    }
}

fn eval(e: &Expr, env: &HashMap<String, i64, Fixed>) -> i64 {
    match e {
        Expr::Num(n) => *n,
        Expr::Var(v) => env.get(v).copied().unwrap_or(1),
        Expr::Bin(op, a, b) => apply(*op, eval(a, env), eval(b, env)),
        Expr::Neg(a) => eval(a, env).wrapping_neg(),
        Expr::Call(f, args) => {
            let vals: Vec<i64> = args.iter().map(|a| eval(a, env)).collect();
            match f.as_str() {
                "max" => vals.iter().copied().max().unwrap_or(0),
                "min" => vals.iter().copied().min().unwrap_or(0),
                _ => vals.iter().fold(0i64, |s, v| s.wrapping_add(*v)),
            }
        }
    }
}

fn print(e: &Expr, out: &mut String) {
    match e {
        Expr::Num(n) => out.push_str(&n.to_string()),
        Expr::Var(v) => out.push_str(v),
        Expr::Bin(op, a, b) => {
            out.push('(');
            print(a, out);
            out.push(*op);
            print(b, out);
            out.push(')');
        }
        Expr::Neg(a) => {
            out.push('-');
            print(a, out);
        }
        Expr::Call(f, args) => {
            out.push_str(f);
            out.push('(');
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                print(a, out);
            }
            out.push(')');
        }
    }
}

fn gen_expr(rng: &mut Rng, depth: u32, vars: usize, out: &mut String) {
    if depth == 0 || rng.chance(20) {
        if vars > 0 && rng.chance(50) {
            out.push_str(&format!("v{}", rng.below(vars as u64)));
        } else {
            out.push_str(&rng.below(1000).to_string());
        }
        return;
    }
    match rng.below(8) {
        0 => {
            out.push('-');
            gen_expr(rng, depth - 1, vars, out);
        }
        1 => {
            out.push_str(["max(", "min(", "sum("][rng.below(3) as usize]);
            for i in 0..rng.range(1, 4) {
                if i > 0 {
                    out.push_str(", ");
                }
                gen_expr(rng, depth - 1, vars, out);
            }
            out.push(')');
        }
        2 => {
            out.push('(');
            gen_expr(rng, depth - 1, vars, out);
            out.push(')');
        }
        _ => {
            gen_expr(rng, depth - 1, vars, out);
            out.push_str([" + ", " - ", " * ", " / ", " % ", " ^ "][rng.below(6) as usize]);
            gen_expr(rng, depth - 1, vars, out);
        }
    }
}

/// `scale` programs of 200 statements.
pub fn run(seed: u64, scale: u32) -> u64 {
    let mut rng = Rng::new(seed);
    let mut sum = Sum::new();
    for _ in 0..scale {
        let mut src = String::new();
        for v in 0..200 {
            src.push_str(&format!("let v{v} = "));
            gen_expr(&mut rng, 7, v, &mut src);
            src.push_str(";\n");
        }
        let tokens = tokenize(&src);
        sum.add(tokens.len() as u64);
        let stmts = Parser { tokens, at: 0 }.program();
        let mut env: HashMap<String, i64, Fixed> = HashMap::default();
        let mut printed = String::new();
        for s in &stmts {
            let folded = fold(&s.value);
            let value = eval(&folded, &env);
            sum.add(value as u64);
            env.insert(s.name.clone(), value);
            printed.clear();
            print(&folded, &mut printed);
            sum.bytes(printed.as_bytes());
        }
        sum.add(stmts.len() as u64);
    }
    sum.get()
}
