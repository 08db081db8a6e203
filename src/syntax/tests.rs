//! Parser corner cases, checked through a compact S-expression form of the AST.

use super::ast::*;
use super::{parse, FileId};

fn sexpr(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Int(v) => v.to_string(),
        ExprKind::Float(v) => format!("{v:?}"),
        ExprKind::Str(s) => format!("{s:?}"),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::None => "none".into(),
        ExprKind::Name(i) => i.name.to_string(),
        ExprKind::FString(parts) => {
            let parts: Vec<String> = parts
                .iter()
                .map(|p| match p {
                    FStringPart::Text(t) => format!("{t:?}"),
                    FStringPart::Field { expr, spec, .. } => match spec {
                        Some(s) => format!("{{{} :{s}}}", sexpr(expr)),
                        None => format!("{{{}}}", sexpr(expr)),
                    },
                })
                .collect();
            format!("(f {})", parts.join(" "))
        }
        ExprKind::Tuple(items) => format!("(tuple {})", list(items)),
        ExprKind::List(items) => format!("[{}]", list(items)),
        ExprKind::Unary { op, operand } => {
            let op = match op {
                UnaryOp::Neg => "neg",
                UnaryOp::Pos => "pos",
                UnaryOp::BitNot => "~",
            };
            format!("({op} {})", sexpr(operand))
        }
        ExprKind::Binary { op, lhs, rhs, .. } => format!("({} {} {})", op.symbol(), sexpr(lhs), sexpr(rhs)),
        ExprKind::Compare { first, rest } => {
            let rest: Vec<String> = rest.iter().map(|(op, _, x)| format!("{} {}", op.symbol(), sexpr(x))).collect();
            format!("(cmp {} {})", sexpr(first), rest.join(" "))
        }
        ExprKind::And(l, r) => format!("(and {} {})", sexpr(l), sexpr(r)),
        ExprKind::Or(l, r) => format!("(or {} {})", sexpr(l), sexpr(r)),
        ExprKind::Not(x) => format!("(not {})", sexpr(x)),
        ExprKind::IfElse { cond, then, otherwise } => {
            format!("(if {} {} {})", sexpr(cond), sexpr(then), sexpr(otherwise))
        }
        ExprKind::Call { func, args } => {
            let args: Vec<String> = args
                .iter()
                .map(|a| match &a.keyword {
                    Some(k) => format!("{}={}", k.name, sexpr(&a.value)),
                    None => sexpr(&a.value),
                })
                .collect();
            format!("(call {} {})", sexpr(func), args.join(" "))
        }
        ExprKind::Index { target, subscripts, .. } => {
            let subs: Vec<String> = subscripts
                .iter()
                .map(|s| match s {
                    Subscript::Expr(e) => sexpr(e),
                    Subscript::Ellipsis(_) => "...".into(),
                    Subscript::Slice { start, stop, step, .. } => {
                        let part = |p: &Option<Expr>| p.as_ref().map(sexpr).unwrap_or_default();
                        format!("{}:{}:{}", part(start), part(stop), part(step))
                    }
                })
                .collect();
            format!("(index {} {})", sexpr(target), subs.join(" "))
        }
        ExprKind::Attr { target, name } => format!("(. {} {})", sexpr(target), name.name),
        ExprKind::Lambda(def) => format!("(fn {} stmts)", def.body.len()),
    }
}

fn list(items: &[Expr]) -> String {
    items.iter().map(sexpr).collect::<Vec<_>>().join(" ")
}

/// The S-expression of a one-expression program.
fn expr(src: &str) -> String {
    let program = parse(src, FileId(0)).unwrap_or_else(|e| panic!("{src:?} did not parse: {}", e.message));
    match &program.stmts[..] {
        [Stmt { kind: StmtKind::Expr(e), .. }] => sexpr(e),
        other => panic!("{src:?} is not one expression statement: {other:?}"),
    }
}

fn stmt_count(src: &str) -> usize {
    parse(src, FileId(0)).unwrap_or_else(|e| panic!("{src:?} did not parse: {}", e.message)).stmts.len()
}

#[test]
fn arithmetic_precedence_and_associativity() {
    assert_eq!(expr("1 + 2 * 3"), "(+ 1 (* 2 3))");
    assert_eq!(expr("10 - 2 - 3"), "(- (- 10 2) 3)");
    assert_eq!(expr("2 ** 3 ** 2"), "(** 2 (** 3 2))");
    assert_eq!(expr("a | b ^ c & d"), "(| a (^ b (& c d)))");
    assert_eq!(expr("a + b @ c"), "(+ a (@ b c))");
    assert_eq!(expr("7 // 2 % 3"), "(% (// 7 2) 3)");
}

#[test]
fn power_binds_tighter_than_unary_minus_on_its_left() {
    assert_eq!(expr("-2**2"), "(neg (** 2 2))");
    assert_eq!(expr("2**-1"), "(** 2 (neg 1))");
    assert_eq!(expr("-x * y"), "(* (neg x) y)");
    assert_eq!(expr("~a + 1"), "(+ (~ a) 1)");
    assert_eq!(expr("3 - -2"), "(- 3 (neg 2))");
}

#[test]
fn comparisons_chain_and_logic_is_lower() {
    assert_eq!(expr("1 < x < 10"), "(cmp 1 < x < 10)");
    assert_eq!(expr("not x == 5"), "(not (cmp x == 5))");
    assert_eq!(expr("a or b and not c"), "(or a (and b (not c)))");
    assert_eq!(expr("a == b | c"), "(cmp a == (| b c))");
    assert_eq!(expr("x if c else y if d else z"), "(if c x (if d y z))");
}

#[test]
fn postfix_calls_indexes_and_attributes() {
    assert_eq!(expr("a.sum(axis=0)[1]"), "(index (call (. a sum) axis=0) 1)");
    assert_eq!(expr("u[1:-1, ::2, ..., none]"), "(index u 1:(neg 1): ::2 ... none)");
    assert_eq!(expr("f(x)(y)"), "(call (call f x) y)");
    assert_eq!(expr("-a[0]"), "(neg (index a 0))");
}

#[test]
fn literals() {
    assert_eq!(expr("1_000_000"), "1000000");
    assert_eq!(expr(".5"), "0.5");
    assert_eq!(expr("1."), "1.0");
    assert_eq!(expr("2.5E+10"), "25000000000.0");
    assert_eq!(expr("(5,)"), "(tuple 5)");
    assert_eq!(expr("()"), "(tuple )");
    assert_eq!(expr("(1)"), "1");
    assert_eq!(expr("[[1, 2], [3, 4]]"), "[[1 2] [3 4]]");
    assert_eq!(expr("'it\\'s'"), "\"it's\"");
    assert!(parse("9223372036854775808", FileId(0)).is_err());
}

#[test]
fn fstrings_nest_expressions_and_specs() {
    assert_eq!(expr("f\"a {x:.2f} b\""), "(f \"a \" {x :.2f} \" b\")");
    assert_eq!(expr("f\"{{lit}} {f(a[1:2])}\""), "(f \"{\" \"lit\" \"}\" \" \" {(call f (index a 1:2:))})");
    assert_eq!(expr("f'{\"q\" + s}'"), "(f {(+ \"q\" s)})");
    assert_eq!(expr("f\"{ n * 2 :>5}\""), "(f {(* n 2) :>5})");
}

#[test]
fn newlines_separate_statements_except_inside_brackets() {
    assert_eq!(stmt_count("x = 1\ny = 2"), 2);
    assert_eq!(stmt_count("x = 1; y = 2;"), 2);
    assert_eq!(stmt_count("x = (1 +\n 2)\ny = [1,\n2]"), 2);
    assert_eq!(stmt_count("x = 1 + \\\n 2"), 1);
    assert_eq!(stmt_count("f(fn(v) {\n  w = v\n  return w\n})"), 1);
    assert_eq!(stmt_count("if a {\n} \nelse {\n}"), 1);
    assert_eq!(stmt_count("# only a comment\n\n"), 0);
    assert!(parse("x = 1 y = 2", FileId(0)).is_err());
}

#[test]
fn statements_parse_to_their_kinds() {
    let program = parse("a, b = t\nx[1:] += 2\nfrom m import p as q, r\nfor i, v in t { break }", FileId(0)).unwrap();
    assert!(matches!(&program.stmts[0].kind, StmtKind::Assign { targets, unpack: true, .. } if targets.len() == 2));
    assert!(matches!(
        &program.stmts[1].kind,
        StmtKind::AugAssign { target: Target::Index { .. }, op: BinaryOp::Add, .. }
    ));
    assert!(matches!(&program.stmts[2].kind, StmtKind::FromImport { names, .. } if names.len() == 2));
    assert!(matches!(&program.stmts[3].kind, StmtKind::For { vars, .. } if vars.len() == 2));
}

#[test]
fn keywords_are_not_names_but_prefixes_are() {
    assert_eq!(expr("nonzero(x)"), "(call nonzero x)");
    assert_eq!(expr("format"), "format");
    assert_eq!(expr("assertion"), "assertion");
    assert!(parse("if = 3", FileId(0)).is_err());
}

#[test]
fn unclosed_input_is_incomplete_and_points_at_the_bracket() {
    let err = parse("x = foo(1,\n 2", FileId(0)).unwrap_err();
    assert!(err.incomplete);
    assert_eq!(err.span.start, 7);
    let err = parse("if x {\n y = 1\n", FileId(0)).unwrap_err();
    assert!(err.incomplete);
    // An error before the end is reported where it is, even inside a bracket.
    let err = parse("x = 1\ny = (x + 2\nz = 3 +\n", FileId(0)).unwrap_err();
    assert!(!err.incomplete);
    assert_eq!(err.span.start, 17);
}

#[test]
fn pathological_inputs_give_errors_not_crashes() {
    assert!(parse(&"(".repeat(100_000), FileId(0)).is_err());
    assert!(parse(&format!("x = {}1", "-".repeat(100_000)), FileId(0)).is_err());
    assert!(parse(&format!("x = 1{}", " + 1".repeat(100_000)), FileId(0)).is_err());
    assert!(parse(&format!("x = {}y", "not ".repeat(100_000)), FileId(0)).is_err());
    assert!(parse("\"unterminated", FileId(0)).is_err());
    assert!(parse("f\"{\"", FileId(0)).is_err());
    assert!(parse("\u{0}\u{ffff}", FileId(0)).is_err());
}

/// Found by fuzzing: unbalanced nesting once made the parser retry each level two
/// ways (group as paren, then as tuple; subscript as slice, then as index), taking
/// time exponential in the depth. Each must now fail fast.
#[test]
fn unbalanced_nesting_fails_fast() {
    let started = std::time::Instant::now();
    assert!(parse(&format!("x = {}1{}", "(".repeat(150), ")".repeat(149)), FileId(0)).is_err());
    assert!(parse(&format!("x = a{}{}", "[a".repeat(150), "]".repeat(149)), FileId(0)).is_err());
    assert!(parse(&format!("x = {}1{}", "f(".repeat(150), ")".repeat(149)), FileId(0)).is_err());
    assert!(started.elapsed().as_secs() < 5, "took {:?}", started.elapsed());
    assert_eq!(expr(&format!("{}1{}", "(".repeat(150), ")".repeat(150))), "1");
    assert_eq!(expr("a[]".trim_end_matches("[]")), "a");
    assert!(parse("a[]", FileId(0)).is_err());
}
