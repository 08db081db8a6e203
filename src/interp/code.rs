//! The resolved program the evaluator runs: the AST with every name turned into a
//! slot (local, captured or global), so no variable is looked up by name at run
//! time. Produced by `resolve`.

use std::rc::Rc;

use super::value::Value;
use crate::builtins::{Builtin, ParamSpec};
use crate::syntax::ast::{BinaryOp, CompareOp, Ident, UnaryOp};
use crate::syntax::Span;

/// Where a variable lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Var {
    /// In the frame `depth` levels up the chain of enclosing function calls.
    Local { depth: u32, slot: u32 },
    /// A global of the module the code belongs to.
    Global { slot: u32 },
}

/// A resolved name use.
#[derive(Clone, Debug)]
pub struct Name {
    pub var: Var,
    pub name: Rc<str>,
    pub span: Span,
    /// For a global, the builtin it falls back to while no global of that name is
    /// bound (looked up once, at resolution).
    pub builtin: Option<&'static Builtin>,
}

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    Const(Value),
    Load(Name),
    FString(Vec<FStringPart>),
    Tuple(Vec<Expr>),
    List(Vec<Expr>),
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        op_span: Span,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Compare {
        first: Box<Expr>,
        rest: Vec<(CompareOp, Span, Expr)>,
    },
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    IfElse {
        cond: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    Call {
        func: Box<Expr>,
        args: Vec<Arg>,
    },
    /// `x.f(args)`: a module member call, or `f(x, args)` for the function `f`
    /// visible where the call is written.
    MethodCall {
        receiver: Box<Expr>,
        method: Name,
        args: Vec<Arg>,
    },
    Index {
        target: Box<Expr>,
        subscripts: Vec<Subscript>,
        bracket_span: Span,
    },
    Attr {
        target: Box<Expr>,
        name: Ident,
    },
    Lambda(Rc<FnCode>, Vec<Expr>),
}

#[derive(Clone, Debug)]
pub enum FStringPart {
    Text(Rc<str>),
    Field { expr: Expr, spec: Option<Rc<str>>, span: Span },
}

#[derive(Clone, Debug)]
pub struct Arg {
    pub keyword: Option<Ident>,
    pub value: Expr,
}

// Subscripts are few and short-lived; boxing the slice parts would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Subscript {
    Expr(Expr),
    Slice { start: Option<Expr>, stop: Option<Expr>, step: Option<Expr>, span: Span },
    Ellipsis(Span),
}

/// A compiled function body. Parameters occupy the first slots of its frame.
#[derive(Debug)]
pub struct FnCode {
    pub name: Rc<str>,
    pub params: Vec<ParamSpec>,
    pub slot_names: Vec<Rc<str>>,
    pub body: Vec<Stmt>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum Target {
    Name(Name),
    Index { name: Name, subscripts: Vec<Subscript>, span: Span },
}

#[derive(Clone, Debug)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum StmtKind {
    Expr(Expr),
    /// An expression statement typed at the REPL: its value is shown.
    Echo(Expr),
    Assign {
        target: Target,
        value: Expr,
    },
    Unpack {
        targets: Vec<Target>,
        value: Expr,
    },
    AugAssign {
        target: Target,
        op: BinaryOp,
        op_span: Span,
        value: Expr,
    },
    If {
        branches: Vec<(Expr, Vec<Stmt>)>,
        otherwise: Option<Vec<Stmt>>,
    },
    While {
        cond: Expr,
        body: Vec<Stmt>,
    },
    For {
        vars: Vec<Name>,
        iter: Expr,
        body: Vec<Stmt>,
    },
    Return(Option<Expr>),
    Break,
    Continue,
    Import {
        module: Ident,
        bind: Name,
    },
    FromImport {
        module: Ident,
        names: Vec<(Ident, Name)>,
    },
    Assert {
        cond: Expr,
        message: Option<Expr>,
    },
}
