//! The abstract syntax tree. Every expression and statement carries its [`Span`].

use std::rc::Rc;

use super::span::Span;

#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub name: Rc<str>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Int(i64),
    Float(f64),
    Str(Rc<str>),
    Bool(bool),
    None,
    Name(Ident),
    FString(Vec<FStringPart>),
    Tuple(Vec<Expr>),
    /// An array literal `[a, b, ...]`.
    List(Vec<Expr>),
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    /// `op_span` is the operator itself: shape errors are reported there.
    Binary {
        op: BinaryOp,
        op_span: Span,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `first op1 e1 op2 e2 ...`: a chain `(first op1 e1) and (e1 op2 e2) ...`.
    Compare {
        first: Box<Expr>,
        rest: Vec<(CompareOp, Span, Expr)>,
    },
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    /// `then if cond else otherwise`.
    IfElse {
        cond: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    Call {
        func: Box<Expr>,
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
    Lambda(Rc<FnDef>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum FStringPart {
    Text(Rc<str>),
    Field { expr: Expr, spec: Option<Rc<str>>, span: Span },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Neg,
    Pos,
    BitNot,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    FloorDiv,
    Mod,
    Pow,
    MatMul,
    BitAnd,
    BitOr,
    BitXor,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::FloorDiv => "//",
            BinaryOp::Mod => "%",
            BinaryOp::Pow => "**",
            BinaryOp::MatMul => "@",
            BinaryOp::BitAnd => "&",
            BinaryOp::BitOr => "|",
            BinaryOp::BitXor => "^",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CompareOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Eq => "==",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Arg {
    pub keyword: Option<Ident>,
    pub value: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Subscript {
    Expr(Expr),
    Slice { start: Option<Expr>, stop: Option<Expr>, step: Option<Expr>, span: Span },
    Ellipsis(Span),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: Ident,
    pub default: Option<Expr>,
}

/// A named function (`fn name(...) { ... }`) or an anonymous one (`fn(x) => x`).
#[derive(Clone, Debug, PartialEq)]
pub struct FnDef {
    pub name: Option<Ident>,
    pub params: Vec<Param>,
    pub body: Vec<Stmt>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    Name(Ident),
    /// `x[...] = v` rebinds `x` to an updated copy (value semantics).
    Index {
        name: Ident,
        subscripts: Vec<Subscript>,
        span: Span,
    },
}

impl Target {
    pub fn span(&self) -> Span {
        match self {
            Target::Name(ident) => ident.span,
            Target::Index { span, .. } => *span,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    Expr(Expr),
    /// `a = v`, or `a, b = v` (unpacking) when `targets` has more than one entry
    /// or `unpack` is set by a trailing comma.
    Assign {
        targets: Vec<Target>,
        unpack: bool,
        value: Expr,
    },
    AugAssign {
        target: Target,
        op: BinaryOp,
        op_span: Span,
        value: Expr,
    },
    FnDef(Rc<FnDef>),
    Return(Option<Expr>),
    If {
        branches: Vec<(Expr, Vec<Stmt>)>,
        otherwise: Option<Vec<Stmt>>,
    },
    While {
        cond: Expr,
        body: Vec<Stmt>,
    },
    For {
        vars: Vec<Ident>,
        iter: Expr,
        body: Vec<Stmt>,
    },
    Break,
    Continue,
    Import {
        module: Ident,
        alias: Option<Ident>,
    },
    FromImport {
        module: Ident,
        names: Vec<(Ident, Option<Ident>)>,
    },
    Assert {
        cond: Expr,
        message: Option<Expr>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    pub stmts: Vec<Stmt>,
}
