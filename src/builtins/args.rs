//! Binding call arguments to parameters, for builtins and user functions alike.

use crate::diag::{did_you_mean, Code, Diag};
use crate::interp::{Interp, Value};
use crate::syntax::ast::Ident;
use crate::syntax::Span;

use super::signature::{ParamKind, ParamSpec};

/// What a builtin receives: one optional value per parameter, in signature order.
pub struct Args {
    pub values: Vec<Option<Value>>,
    /// The span of each argument, or of the whole call where it was left out.
    pub spans: Vec<Span>,
    /// What a `*args` parameter collected.
    pub rest: Vec<(Value, Span)>,
    pub call_span: Span,
}

impl Args {
    /// Takes the value of parameter `i` (`None` if it was not given).
    pub fn take(&mut self, i: usize) -> Option<Value> {
        self.values[i].take()
    }

    pub fn span(&self, i: usize) -> Span {
        self.spans[i]
    }
}

/// The context a builtin runs in.
pub struct CallCtx<'a> {
    pub interp: &'a mut Interp,
    /// The whole call expression.
    pub span: Span,
}

/// Matches positional and keyword arguments to `params`.
pub fn bind(
    func_name: &str,
    params: &[ParamSpec],
    positional: Vec<(Value, Span)>,
    keywords: Vec<(Ident, Value, Span)>,
    call_span: Span,
    signature: impl Fn() -> String,
) -> Result<Args, Diag> {
    let mut values: Vec<Option<Value>> = vec![None; params.len()];
    let mut spans = vec![call_span; params.len()];
    let mut rest = Vec::new();
    let varargs_at = params.iter().position(|p| p.kind == ParamKind::VarArgs);
    let positional_slots = varargs_at.unwrap_or(params.len());
    let given = positional.len();
    for (i, (value, span)) in positional.into_iter().enumerate() {
        if i < positional_slots {
            values[i] = Some(value);
            spans[i] = span;
        } else if varargs_at.is_some() {
            rest.push((value, span));
        } else {
            return Err(Diag::new(
                Code::Arg,
                span,
                format!(
                    "`{func_name}` takes {} but {given} were given",
                    count(positional_slots, "positional argument")
                ),
                "surplus argument",
            )
            .with_help(format!("the signature is `{}`", signature())));
        }
    }
    for (keyword, value, value_span) in keywords {
        let Some(i) = params.iter().position(|p| *p.name == *keyword.name && p.kind != ParamKind::VarArgs) else {
            let names = params.iter().filter(|p| p.kind != ParamKind::VarArgs).map(|p| &*p.name);
            let mut diag = Diag::new(
                Code::Arg,
                keyword.span,
                format!("`{func_name}` has no parameter `{}`", keyword.name),
                "unknown keyword argument",
            );
            diag = match did_you_mean(&keyword.name, names) {
                Some(close) => diag.with_help(format!("did you mean `{close}`? The signature is `{}`", signature())),
                None => diag.with_help(format!("the signature is `{}`", signature())),
            };
            return Err(diag);
        };
        if values[i].is_some() {
            return Err(Diag::new(
                Code::Arg,
                keyword.span,
                format!("`{func_name}` got a value for `{}` twice", keyword.name),
                "already given by position",
            ));
        }
        values[i] = Some(value);
        spans[i] = keyword.span.to(value_span);
    }
    let missing: Vec<&str> = params
        .iter()
        .zip(&values)
        .filter(|(p, v)| p.kind == ParamKind::Required && v.is_none())
        .map(|(p, _)| &*p.name)
        .collect();
    if !missing.is_empty() {
        let list = missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ");
        return Err(Diag::new(
            Code::Arg,
            call_span,
            format!(
                "`{func_name}` is missing {} {list}",
                if missing.len() == 1 { "the argument" } else { "the arguments" }
            ),
            "in this call",
        )
        .with_help(format!("the signature is `{}`", signature())));
    }
    Ok(Args { values, spans, rest, call_span })
}

fn count(n: usize, what: &str) -> String {
    match n {
        0 => format!("no {what}s"),
        1 => format!("1 {what}"),
        _ => format!("{n} {what}s"),
    }
}
