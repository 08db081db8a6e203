//! pest pairs to AST. Operator precedence for levels 6–12 of the spec's table is a
//! Pratt parser; everything else follows the grammar's rules one to one.

use std::rc::Rc;
use std::sync::LazyLock;

use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};
use pest::Parser;
use pest_derive::Parser;

use super::ast::*;
use super::error::SyntaxError;
use super::expected::{expected_items, found_at, join_or};
use super::literals::{parse_float, parse_int, unescape};
use super::scan::{scan, MAX_NESTING};
use super::span::{FileId, Span};

#[derive(Parser)]
#[grammar = "../grammar/darr.pest"]
pub struct DarrParser;

/// Precedence from loosest to tightest. Unary operators sit between `* /` and
/// `**`, so `-2**2 == -(2**2)` while `2**-1` still parses (a prefix operator may
/// always start an operand).
static PRATT: LazyLock<PrattParser<Rule>> = LazyLock::new(|| {
    PrattParser::new()
        .op(Op::infix(Rule::bitor, Assoc::Left))
        .op(Op::infix(Rule::bitxor, Assoc::Left))
        .op(Op::infix(Rule::bitand, Assoc::Left))
        .op(Op::infix(Rule::add, Assoc::Left) | Op::infix(Rule::sub, Assoc::Left))
        .op(Op::infix(Rule::mul, Assoc::Left)
            | Op::infix(Rule::div, Assoc::Left)
            | Op::infix(Rule::floordiv, Assoc::Left)
            | Op::infix(Rule::modulo, Assoc::Left)
            | Op::infix(Rule::matmul, Assoc::Left))
        .op(Op::prefix(Rule::neg) | Op::prefix(Rule::pos) | Op::prefix(Rule::bitnot))
        .op(Op::infix(Rule::pow, Assoc::Right))
});

/// Expressions nested deeper than this (through operators, calls or brackets) are
/// refused, so neither building nor evaluating them can exhaust the stack.
const MAX_EXPR_DEPTH: usize = 400;

/// Parses a whole program (a script, a module, or one REPL input).
pub fn parse(source: &str, file: FileId) -> std::result::Result<Program, SyntaxError> {
    let scanned = scan(source);
    if let Some(at) = scanned.too_deep {
        return Err(SyntaxError::new(
            Span::new(file, at, at + 1),
            format!("brackets nest more than {MAX_NESTING} deep"),
            "too deep",
        ));
    }
    if let Some(at) = scanned.unterminated_string {
        return Err(SyntaxError::new(
            Span::new(file, at, at + 1),
            "string literal is not closed",
            "this string has no closing quote on its line",
        ));
    }
    let pairs = match DarrParser::parse(Rule::program, &scanned.text) {
        Ok(pairs) => pairs,
        Err(_) => {
            // Parse again collecting the detail pest needs to say what it expected;
            // only failing inputs pay for it.
            pest::set_error_detail(true);
            let err =
                DarrParser::parse(Rule::program, &scanned.text).expect_err("a parse that failed once fails again");
            pest::set_error_detail(false);
            return Err(describe_failure(&err, &scanned.text, &scanned.unclosed, file));
        }
    };
    let builder = Builder { file };
    let program = pairs.into_iter().next().expect("program rule");
    let mut stmts = Vec::new();
    for pair in program.into_inner() {
        if pair.as_rule() != Rule::EOI {
            stmts.push(builder.stmt(pair)?);
        }
    }
    let program = Program { stmts };
    depth::check_program(&program)?;
    Ok(program)
}

fn describe_failure(err: &pest::error::Error<Rule>, text: &str, unclosed: &[usize], file: FileId) -> SyntaxError {
    let offset = match err.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    let at_end = text[offset.min(text.len())..].trim().is_empty();
    if let (true, Some(&open)) = (at_end, unclosed.last()) {
        let bracket = &text[open..open + 1];
        let mut error = SyntaxError::new(
            Span::new(file, open, open + 1),
            format!("the input ended inside this `{bracket}`"),
            format!("this `{bracket}` is never closed"),
        );
        error.incomplete = true;
        return error;
    }
    if let pest::error::ErrorVariant::CustomError { message } = &err.variant {
        return SyntaxError::new(Span::new(file, offset, offset + 1), message.clone(), "here");
    }
    let expected = expected_items(err);
    let found = found_at(text, offset);
    let message = if expected.is_empty() {
        format!("unexpected {found}")
    } else {
        format!("expected {}, found {found}", join_or(&expected))
    };
    // Point at the offending token, not at the whitespace before it.
    let skipped = text[offset..].len() - text[offset..].trim_start_matches([' ', '\t']).len();
    let start = offset + skipped;
    let end = (start + 1).min(text.len()).max(start);
    let mut error = SyntaxError::new(Span::new(file, start, end), message, "unexpected here");
    if let Some(hint) = super::python_habits::syntax_hint(text, start, &expected) {
        error = error.with_help(hint);
    } else if expected.contains(&"a newline or `;`") && !at_end {
        error = error.with_help("statements are separated by a newline or `;`");
    }
    error
}

struct Builder {
    file: FileId,
}

fn too_long(span: Span) -> SyntaxError {
    SyntaxError::new(span, format!("expression has more than {MAX_EXPR_DEPTH} operators in a row"), "too long")
        .with_help("split it into several statements with intermediate variables")
}

/// Refuses an operator chain longer than [`MAX_EXPR_DEPTH`] before it is built into
/// a tree that deep.
fn check_chain_length(pair: &Pair<Rule>, file: FileId) -> Result<()> {
    let operands = pair.clone().into_inner().count();
    if operands > 2 * MAX_EXPR_DEPTH {
        let s = pair.as_span();
        return Err(too_long(Span::new(file, s.start(), s.start() + 1)));
    }
    Ok(())
}

type Result<T> = std::result::Result<T, SyntaxError>;

impl Builder {
    fn span(&self, pair: &Pair<Rule>) -> Span {
        let s = pair.as_span();
        Span::new(self.file, s.start(), s.end())
    }

    fn ident(&self, pair: Pair<Rule>) -> Ident {
        Ident { name: Rc::from(pair.as_str()), span: self.span(&pair) }
    }

    // ------------------------------------------------------------ statements

    fn block(&self, pair: Pair<Rule>) -> Result<Vec<Stmt>> {
        pair.into_inner().map(|p| self.stmt(p)).collect()
    }

    fn stmt(&self, pair: Pair<Rule>) -> Result<Stmt> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut inner = pair.into_inner();
        let kind = match rule {
            Rule::fn_def => {
                inner.next(); // `fn`
                let name = self.ident(inner.next().unwrap());
                let params = self.params(inner.next().unwrap())?;
                let body = self.block(inner.next().unwrap())?;
                StmtKind::FnDef(Rc::new(FnDef { name: Some(name), params, body, span }))
            }
            Rule::if_stmt => {
                inner.next(); // `if`
                let cond = self.expr(inner.next().unwrap())?;
                let body = self.block(inner.next().unwrap())?;
                let mut branches = vec![(cond, body)];
                let mut otherwise = None;
                for clause in inner {
                    match clause.as_rule() {
                        Rule::elif_clause => {
                            let mut parts = clause
                                .into_inner()
                                .filter(|p| !matches!(p.as_rule(), Rule::k_elif | Rule::k_else | Rule::k_if));
                            let cond = self.expr(parts.next().unwrap())?;
                            let body = self.block(parts.next().unwrap())?;
                            branches.push((cond, body));
                        }
                        _ => {
                            let block = clause.into_inner().nth(1).unwrap();
                            otherwise = Some(self.block(block)?);
                        }
                    }
                }
                StmtKind::If { branches, otherwise }
            }
            Rule::while_stmt => {
                inner.next();
                let cond = self.expr(inner.next().unwrap())?;
                let body = self.block(inner.next().unwrap())?;
                StmtKind::While { cond, body }
            }
            Rule::for_stmt => {
                inner.next();
                let vars = inner.next().unwrap().into_inner().map(|p| self.ident(p)).collect();
                inner.next(); // `in`
                let iter = self.expr(inner.next().unwrap())?;
                let body = self.block(inner.next().unwrap())?;
                StmtKind::For { vars, iter, body }
            }
            Rule::return_stmt => {
                inner.next();
                match inner.next() {
                    Some(list) => StmtKind::Return(Some(self.expr_list(list)?)),
                    None => StmtKind::Return(None),
                }
            }
            Rule::break_stmt => StmtKind::Break,
            Rule::continue_stmt => StmtKind::Continue,
            Rule::import_stmt => {
                inner.next();
                let module = self.ident(inner.next().unwrap());
                let alias = inner.nth(1).map(|p| self.ident(p));
                StmtKind::Import { module, alias }
            }
            Rule::from_import => {
                inner.next();
                let module = self.ident(inner.next().unwrap());
                inner.next(); // `import`
                let names = inner
                    .map(|name| {
                        let mut parts = name.into_inner();
                        let name = self.ident(parts.next().unwrap());
                        let alias = parts.nth(1).map(|p| self.ident(p));
                        (name, alias)
                    })
                    .collect();
                StmtKind::FromImport { module, names }
            }
            Rule::assert_stmt => {
                inner.next();
                let cond = self.expr(inner.next().unwrap())?;
                let message = inner.next().map(|p| self.expr(p)).transpose()?;
                StmtKind::Assert { cond, message }
            }
            Rule::assign => {
                let targets_pair = inner.next().unwrap();
                let unpack = targets_pair.as_str().trim_end().ends_with(',');
                let targets = targets_pair.into_inner().map(|t| self.target(t)).collect::<Result<Vec<_>>>()?;
                let value = self.expr_list(inner.next().unwrap())?;
                StmtKind::Assign { unpack: unpack || targets.len() > 1, targets, value }
            }
            Rule::aug_assign => {
                let target = self.target(inner.next().unwrap())?;
                let op_pair = inner.next().unwrap();
                let op_span = self.span(&op_pair);
                let op = match op_pair.as_str() {
                    "+=" => BinaryOp::Add,
                    "-=" => BinaryOp::Sub,
                    "*=" => BinaryOp::Mul,
                    "/=" => BinaryOp::Div,
                    "//=" => BinaryOp::FloorDiv,
                    "%=" => BinaryOp::Mod,
                    "**=" => BinaryOp::Pow,
                    _ => BinaryOp::MatMul,
                };
                let value = self.expr(inner.next().unwrap())?;
                StmtKind::AugAssign { target, op, op_span, value }
            }
            Rule::expr_stmt => StmtKind::Expr(self.expr_list(inner.next().unwrap())?),
            other => unreachable!("statement rule {other:?}"),
        };
        Ok(Stmt { kind, span })
    }

    fn target(&self, pair: Pair<Rule>) -> Result<Target> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = self.ident(inner.next().unwrap());
        Ok(match inner.next() {
            None => Target::Name(name),
            Some(index) => Target::Index { name, subscripts: self.subscripts(index)?, span },
        })
    }

    fn params(&self, pair: Pair<Rule>) -> Result<Vec<Param>> {
        let mut params: Vec<Param> = Vec::new();
        for param in pair.into_inner() {
            let mut inner = param.into_inner();
            let name = self.ident(inner.next().unwrap());
            let default = inner.next().map(|p| self.expr(p)).transpose()?;
            if params.iter().any(|p| p.name.name == name.name) {
                return Err(SyntaxError::new(name.span, format!("duplicate parameter `{}`", name.name), "repeated"));
            }
            if default.is_none() && params.last().is_some_and(|p| p.default.is_some()) {
                return Err(SyntaxError::new(
                    name.span,
                    "a parameter without a default follows one with a default",
                    "needs a default",
                )
                .with_help("put the parameters that have defaults last"));
            }
            params.push(Param { name, default });
        }
        Ok(params)
    }

    // ------------------------------------------------------------ expressions

    /// `a, b, c` is a tuple; a single expression without a comma is itself.
    fn expr_list(&self, pair: Pair<Rule>) -> Result<Expr> {
        let span = self.span(&pair);
        let mut items = Vec::new();
        let mut comma = false;
        for p in pair.into_inner() {
            if p.as_rule() == Rule::comma {
                comma = true;
            } else {
                items.push(self.expr(p)?);
            }
        }
        if items.len() == 1 && !comma {
            return Ok(items.pop().unwrap());
        }
        Ok(Expr { kind: ExprKind::Tuple(items), span })
    }

    fn expr(&self, pair: Pair<Rule>) -> Result<Expr> {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::expr => {
                let mut inner = pair.into_inner();
                let value = self.expr(inner.next().unwrap())?;
                if inner.next().is_none() {
                    return Ok(value);
                }
                let cond = self.expr(inner.next().unwrap())?;
                inner.next(); // `else`
                let otherwise = self.expr(inner.next().unwrap())?;
                Ok(Expr {
                    kind: ExprKind::IfElse {
                        cond: Box::new(cond),
                        then: Box::new(value),
                        otherwise: Box::new(otherwise),
                    },
                    span,
                })
            }
            Rule::or_expr | Rule::and_expr => {
                check_chain_length(&pair, self.file)?;
                let is_or = pair.as_rule() == Rule::or_expr;
                let mut operands = pair.into_inner().filter(|p| !matches!(p.as_rule(), Rule::k_or | Rule::k_and));
                let mut acc = self.expr(operands.next().unwrap())?;
                for operand in operands {
                    let rhs = self.expr(operand)?;
                    let span = acc.span.to(rhs.span);
                    let kind = if is_or {
                        ExprKind::Or(Box::new(acc), Box::new(rhs))
                    } else {
                        ExprKind::And(Box::new(acc), Box::new(rhs))
                    };
                    acc = Expr { kind, span };
                }
                Ok(acc)
            }
            Rule::not_expr => {
                // `not not ... x` nests in the grammar; walk it with a loop.
                let mut nots = Vec::new();
                let mut current = pair;
                loop {
                    let mut inner = current.clone().into_inner();
                    let first = inner.next().unwrap();
                    if first.as_rule() != Rule::k_not {
                        break;
                    }
                    nots.push(self.span(&first));
                    if nots.len() > MAX_EXPR_DEPTH {
                        return Err(too_long(self.span(&first)));
                    }
                    current = inner.next().unwrap();
                }
                let mut acc = self.expr(current.into_inner().next().unwrap())?;
                for not_span in nots.into_iter().rev() {
                    let span = not_span.to(acc.span);
                    acc = Expr { kind: ExprKind::Not(Box::new(acc)), span };
                }
                Ok(acc)
            }
            Rule::comparison => {
                let mut inner = pair.into_inner();
                let first = self.expr(inner.next().unwrap())?;
                let mut rest = Vec::new();
                while let Some(op) = inner.next() {
                    let op_span = self.span(&op);
                    let op = match op.as_str() {
                        "==" => CompareOp::Eq,
                        "!=" => CompareOp::Ne,
                        "<" => CompareOp::Lt,
                        "<=" => CompareOp::Le,
                        ">" => CompareOp::Gt,
                        _ => CompareOp::Ge,
                    };
                    rest.push((op, op_span, self.expr(inner.next().unwrap())?));
                }
                if rest.is_empty() {
                    return Ok(first);
                }
                Ok(Expr { kind: ExprKind::Compare { first: Box::new(first), rest }, span })
            }
            Rule::arith => {
                check_chain_length(&pair, self.file)?;
                self.arith(pair.into_inner())
            }
            Rule::postfix => self.postfix(pair),
            _ => self.atom(pair),
        }
    }

    fn arith(&self, pairs: Pairs<Rule>) -> Result<Expr> {
        PRATT
            .map_primary(|p| self.expr(p))
            .map_prefix(|op, operand| {
                let operand = operand?;
                let op_span = self.span(&op);
                let op = match op.as_rule() {
                    Rule::neg => UnaryOp::Neg,
                    Rule::pos => UnaryOp::Pos,
                    _ => UnaryOp::BitNot,
                };
                let span = op_span.to(operand.span);
                Ok(Expr { kind: ExprKind::Unary { op, operand: Box::new(operand) }, span })
            })
            .map_infix(|lhs, op, rhs| {
                let (lhs, rhs) = (lhs?, rhs?);
                let op_span = self.span(&op);
                let op = match op.as_rule() {
                    Rule::add => BinaryOp::Add,
                    Rule::sub => BinaryOp::Sub,
                    Rule::mul => BinaryOp::Mul,
                    Rule::div => BinaryOp::Div,
                    Rule::floordiv => BinaryOp::FloorDiv,
                    Rule::modulo => BinaryOp::Mod,
                    Rule::pow => BinaryOp::Pow,
                    Rule::matmul => BinaryOp::MatMul,
                    Rule::bitand => BinaryOp::BitAnd,
                    Rule::bitor => BinaryOp::BitOr,
                    _ => BinaryOp::BitXor,
                };
                let span = lhs.span.to(rhs.span);
                Ok(Expr { kind: ExprKind::Binary { op, op_span, lhs: Box::new(lhs), rhs: Box::new(rhs) }, span })
            })
            .parse(pairs)
    }

    fn postfix(&self, pair: Pair<Rule>) -> Result<Expr> {
        let mut inner = pair.into_inner();
        let mut acc = self.atom(inner.next().unwrap())?;
        for trailer in inner {
            let trailer_span = self.span(&trailer);
            let span = acc.span.to(trailer_span);
            let kind = match trailer.as_rule() {
                Rule::call => {
                    let mut args = Vec::new();
                    for arg in trailer.into_inner() {
                        let arg = arg.into_inner().next().unwrap();
                        if arg.as_rule() == Rule::kwarg {
                            let mut parts = arg.into_inner();
                            let keyword = self.ident(parts.next().unwrap());
                            let value = self.expr(parts.next().unwrap())?;
                            args.push(Arg { keyword: Some(keyword), value });
                        } else {
                            if let Some(prev) = args.last().and_then(|a: &Arg| a.keyword.as_ref()) {
                                return Err(SyntaxError::new(
                                    self.span(&arg),
                                    "a positional argument follows a keyword argument",
                                    "positional",
                                )
                                .with_help(format!("move it before `{}=`", prev.name)));
                            }
                            args.push(Arg { keyword: None, value: self.expr(arg)? });
                        }
                    }
                    ExprKind::Call { func: Box::new(acc), args }
                }
                Rule::index => ExprKind::Index {
                    target: Box::new(acc),
                    subscripts: self.subscripts(trailer)?,
                    bracket_span: trailer_span,
                },
                _ => {
                    let name = self.ident(trailer.into_inner().next().unwrap());
                    ExprKind::Attr { target: Box::new(acc), name }
                }
            };
            acc = Expr { kind, span };
        }
        Ok(acc)
    }

    fn subscripts(&self, pair: Pair<Rule>) -> Result<Vec<Subscript>> {
        pair.into_inner()
            .map(|p| {
                let span = self.span(&p);
                Ok(match p.as_rule() {
                    Rule::ellipsis => Subscript::Ellipsis(span),
                    _ => {
                        let inner: Vec<Pair<Rule>> = p.into_inner().collect();
                        let is_slice = inner.iter().any(|part| part.as_rule() == Rule::colon);
                        let mut parts = inner
                            .into_iter()
                            .filter(|part| part.as_rule() == Rule::slice_part)
                            .map(|part| part.into_inner().next().map(|e| self.expr(e)).transpose());
                        let start = parts.next().transpose()?.flatten();
                        if !is_slice {
                            return start.map(Subscript::Expr).ok_or_else(|| {
                                SyntaxError::new(span, "empty index", "expected an index or a slice here")
                            });
                        }
                        let stop = parts.next().transpose()?.flatten();
                        let step = parts.next().transpose()?.flatten();
                        Subscript::Slice { start, stop, step, span }
                    }
                })
            })
            .collect()
    }

    fn atom(&self, pair: Pair<Rule>) -> Result<Expr> {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::int => ExprKind::Int(parse_int(pair.as_str(), span)?),
            Rule::float => ExprKind::Float(parse_float(pair.as_str(), span)?),
            Rule::string => {
                let raw = pair.into_inner().next().unwrap();
                ExprKind::Str(Rc::from(self.unescape(&raw)?))
            }
            Rule::fstring => ExprKind::FString(self.fstring(pair)?),
            Rule::k_true => ExprKind::Bool(true),
            Rule::k_false => ExprKind::Bool(false),
            Rule::k_none => ExprKind::None,
            Rule::ident => ExprKind::Name(self.ident(pair)),
            Rule::lambda => {
                let mut inner = pair.into_inner();
                inner.next(); // `fn`
                let params = self.params(inner.next().unwrap())?;
                let body_pair = inner.next().unwrap();
                let body = if body_pair.as_rule() == Rule::block {
                    self.block(body_pair)?
                } else {
                    let value = self.expr(body_pair)?;
                    vec![Stmt { span: value.span, kind: StmtKind::Return(Some(value)) }]
                };
                ExprKind::Lambda(Rc::new(FnDef { name: None, params, body, span }))
            }
            Rule::group => {
                let parts: Vec<Pair<Rule>> = pair.into_inner().collect();
                let is_tuple = parts.is_empty() || parts.iter().any(|p| p.as_rule() == Rule::comma);
                let mut items = parts
                    .into_iter()
                    .filter(|p| p.as_rule() != Rule::comma)
                    .map(|p| self.expr(p))
                    .collect::<Result<Vec<_>>>()?;
                if !is_tuple {
                    return Ok(items.pop().expect("a parenthesized expression"));
                }
                ExprKind::Tuple(items)
            }
            Rule::list => ExprKind::List(pair.into_inner().map(|p| self.expr(p)).collect::<Result<_>>()?),
            _ => return self.expr(pair),
        };
        Ok(Expr { kind, span })
    }

    fn unescape(&self, raw: &Pair<Rule>) -> Result<String> {
        let base = raw.as_span().start();
        unescape(raw.as_str(), |a, b| Span::new(self.file, base + a, base + b))
    }

    fn fstring(&self, pair: Pair<Rule>) -> Result<Vec<FStringPart>> {
        let mut parts = Vec::new();
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::f_escape => parts.push(FStringPart::Text(Rc::from(&part.as_str()[..1]))),
                Rule::f_field => {
                    let span = self.span(&part);
                    let mut inner = part.into_inner();
                    let expr = self.expr(inner.next().unwrap())?;
                    let spec = inner.next().map(|s| Rc::from(&s.as_str()[1..]));
                    parts.push(FStringPart::Field { expr, spec, span });
                }
                _ => parts.push(FStringPart::Text(Rc::from(self.unescape(&part)?))),
            }
        }
        Ok(parts)
    }
}

/// The depth check of [`MAX_EXPR_DEPTH`]: it bails out as soon as the limit is
/// passed, so its own recursion is bounded too.
mod depth {
    use super::*;

    pub fn check_program(program: &Program) -> Result<()> {
        stmts(&program.stmts, 0)
    }

    fn too_deep(span: Span) -> SyntaxError {
        SyntaxError::new(span, format!("expression nests more than {MAX_EXPR_DEPTH} levels deep"), "too deep")
            .with_help("split it into several statements with intermediate variables")
    }

    fn stmts(list: &[Stmt], d: usize) -> Result<()> {
        if d > MAX_EXPR_DEPTH {
            return Err(too_deep(list.first().map(|s| s.span).unwrap_or_default()));
        }
        for s in list {
            match &s.kind {
                StmtKind::Expr(e) | StmtKind::Return(Some(e)) => expr(e, d)?,
                StmtKind::Assign { targets, value, .. } => {
                    targets.iter().try_for_each(|t| target(t, d))?;
                    expr(value, d)?
                }
                StmtKind::AugAssign { target: t, value, .. } => {
                    target(t, d)?;
                    expr(value, d)?
                }
                StmtKind::FnDef(f) => fndef(f, d)?,
                StmtKind::If { branches, otherwise } => {
                    for (c, b) in branches {
                        expr(c, d)?;
                        stmts(b, d + 1)?;
                    }
                    if let Some(b) = otherwise {
                        stmts(b, d + 1)?;
                    }
                }
                StmtKind::While { cond, body } => {
                    expr(cond, d)?;
                    stmts(body, d + 1)?
                }
                StmtKind::For { iter, body, .. } => {
                    expr(iter, d)?;
                    stmts(body, d + 1)?
                }
                StmtKind::Assert { cond, message } => {
                    expr(cond, d)?;
                    if let Some(m) = message {
                        expr(m, d)?
                    }
                }
                StmtKind::Return(None)
                | StmtKind::Break
                | StmtKind::Continue
                | StmtKind::Import { .. }
                | StmtKind::FromImport { .. } => {}
            }
        }
        Ok(())
    }

    fn fndef(f: &FnDef, d: usize) -> Result<()> {
        for p in &f.params {
            if let Some(e) = &p.default {
                expr(e, d + 1)?;
            }
        }
        stmts(&f.body, d + 1)
    }

    fn target(t: &Target, d: usize) -> Result<()> {
        match t {
            Target::Name(_) => Ok(()),
            Target::Index { subscripts: subs, .. } => subscripts(subs, d + 1),
        }
    }

    fn subscripts(list: &[Subscript], d: usize) -> Result<()> {
        for s in list {
            match s {
                Subscript::Expr(e) => expr(e, d)?,
                Subscript::Slice { start, stop, step, .. } => {
                    for e in [start, stop, step].into_iter().flatten() {
                        expr(e, d)?;
                    }
                }
                Subscript::Ellipsis(_) => {}
            }
        }
        Ok(())
    }

    fn expr(e: &Expr, d: usize) -> Result<()> {
        if d > MAX_EXPR_DEPTH {
            return Err(too_deep(e.span));
        }
        let d = d + 1;
        match &e.kind {
            ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Str(_)
            | ExprKind::Bool(_)
            | ExprKind::None
            | ExprKind::Name(_) => Ok(()),
            ExprKind::FString(parts) => parts.iter().try_for_each(|p| match p {
                FStringPart::Field { expr: x, .. } => expr(x, d),
                FStringPart::Text(_) => Ok(()),
            }),
            ExprKind::Tuple(items) | ExprKind::List(items) => items.iter().try_for_each(|x| expr(x, d)),
            ExprKind::Unary { operand, .. } | ExprKind::Not(operand) => expr(operand, d),
            ExprKind::Binary { lhs, rhs, .. } | ExprKind::And(lhs, rhs) | ExprKind::Or(lhs, rhs) => {
                expr(lhs, d)?;
                expr(rhs, d)
            }
            ExprKind::Compare { first, rest } => {
                expr(first, d)?;
                rest.iter().try_for_each(|(_, _, x)| expr(x, d))
            }
            ExprKind::IfElse { cond, then, otherwise } => {
                expr(cond, d)?;
                expr(then, d)?;
                expr(otherwise, d)
            }
            ExprKind::Call { func, args } => {
                expr(func, d)?;
                args.iter().try_for_each(|a| expr(&a.value, d))
            }
            ExprKind::Index { target, subscripts: subs, .. } => {
                expr(target, d)?;
                subscripts(subs, d)
            }
            ExprKind::Attr { target, .. } => expr(target, d),
            ExprKind::Lambda(f) => fndef(f, d),
        }
    }
}
