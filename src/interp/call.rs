//! Calling builtins and user functions.

use std::cell::RefCell;
use std::rc::Rc;

use super::eval::{Keywords, Positional};
use super::value::{Closure, Frame, Value};
use super::{Env, Flow, Interp, Result, MAX_CALL_DEPTH};
use crate::builtins::{self, BuiltinKind, CallCtx, ParamKind};
use crate::diag::{Code, Diag};
use crate::syntax::Span;

impl Interp {
    pub fn call(&mut self, f: &Value, positional: Positional, keywords: Keywords, span: Span) -> Result<Value> {
        match f {
            Value::Builtin(b) => {
                let BuiltinKind::Function(run) = b.kind else {
                    unreachable!("constants are never wrapped as Value::Builtin")
                };
                let args = builtins::bind(b.name, &b.params, positional, keywords, span, || b.signature.to_string())?;
                run(&mut CallCtx { interp: self, span }, args)
            }
            Value::Function(closure) => self.call_closure(closure, positional, keywords, span),
            other => {
                Err(Diag::new(Code::Type, span, format!("{} is not callable", other.described()), "called here").into())
            }
        }
    }

    fn call_closure(
        &mut self,
        closure: &Rc<Closure>,
        positional: Positional,
        keywords: Keywords,
        span: Span,
    ) -> Result<Value> {
        let code = &closure.code;
        let n_params = code.params.len();
        let first_default = code.params.iter().position(|p| p.kind == ParamKind::Optional).unwrap_or(n_params);
        let mut slots: Vec<Option<Value>> = vec![None; code.slot_names.len()];
        if keywords.is_empty() && positional.len() <= n_params && positional.len() >= first_default {
            // The common case: positional arguments only; no binding table needed.
            let given = positional.len();
            for (slot, (value, _)) in slots.iter_mut().zip(positional) {
                *slot = Some(value);
            }
            for (i, slot) in slots.iter_mut().enumerate().take(n_params).skip(given) {
                *slot = Some(closure.defaults[i - first_default].clone());
            }
        } else {
            let args = builtins::bind(&code.name, &code.params, positional, keywords, span, || signature(closure))?;
            for (i, value) in args.values.into_iter().enumerate() {
                slots[i] = Some(value.unwrap_or_else(|| closure.defaults[i - first_default].clone()));
            }
        }
        if self.depth >= MAX_CALL_DEPTH {
            return Err(Diag::new(
                Code::Recursion,
                span,
                format!("calls nest deeper than {MAX_CALL_DEPTH} levels"),
                format!("the call to `{}` that went too deep", code.name),
            )
            .with_help("is a base case missing? Recursion deeper than 1000 calls is refused")
            .into());
        }
        self.check_interrupt(span)?;
        let frame = Rc::new(Frame { slots: RefCell::new(slots), parent: closure.env.clone() });
        self.depth += 1;
        // Deep recursion must not depend on the caller's thread having a large
        // stack: grow it in segments when little is left.
        let result = stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || {
            self.exec_block(&code.body, Env { module: &closure.module, frame: Some(&frame) })
        });
        self.depth -= 1;
        release_frame(&frame);
        match result? {
            Flow::Return(value) => Ok(value),
            _ => Ok(Value::None),
        }
    }
}

/// When less stack than this is left at a call, a new segment is allocated.
const STACK_RED_ZONE: usize = 256 * 1024;
const STACK_SEGMENT: usize = 8 * 1024 * 1024;

/// `name(a, b=...)`, for messages about a user function's arguments.
fn signature(closure: &Closure) -> String {
    let params: Vec<String> = closure
        .code
        .params
        .iter()
        .map(|p| match p.kind {
            ParamKind::Optional => format!("{}=...", p.name),
            _ => p.name.to_string(),
        })
        .collect();
    format!("{}({})", closure.code.name, params.join(", "))
}

/// Breaks the reference cycle between a finished call's frame and the functions
/// defined in it (each closure keeps its defining frame alive): when nothing but
/// those closures refers to the frame, and nothing but the frame refers to them,
/// the frame is emptied so both can be freed.
fn release_frame(frame: &Rc<Frame>) {
    let mut own_closures = 0;
    for slot in frame.slots.borrow().iter() {
        if let Some(Value::Function(c)) = slot {
            if c.env.as_ref().is_some_and(|env| Rc::ptr_eq(env, frame)) {
                if Rc::strong_count(c) > 1 {
                    return; // returned or stored elsewhere: the frame must live on
                }
                own_closures += 1;
            }
        }
    }
    if own_closures > 0 && Rc::strong_count(frame) == 1 + own_closures {
        frame.slots.borrow_mut().clear();
    }
}
