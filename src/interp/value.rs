//! Runtime values. Small values (none, bools, ints, floats) are inline; everything
//! else is reference counted, so cloning a `Value` never copies data.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;

use super::code::FnCode;
use crate::builtins::Builtin;
use crate::graph::{Array, DType};

#[derive(Clone, Debug)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Rc<str>),
    Tuple(Rc<[Value]>),
    Range(Rc<RangeValue>),
    Function(Rc<Closure>),
    Builtin(&'static Builtin),
    Module(Rc<Module>),
    /// An n-dimensional array: a handle to a node of the lazy graph.
    Array(Array),
    DType(DType),
}

impl Value {
    /// The name `type(x)` returns.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::None => "none",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::Tuple(_) => "tuple",
            Value::Range(_) => "range",
            Value::Function(_) | Value::Builtin(_) => "function",
            Value::Module(_) => "module",
            Value::Array(_) => "array",
            Value::DType(_) => "dtype",
        }
    }

    /// The kind with its article, for messages: "an int", "a float".
    pub fn described(&self) -> String {
        let name = self.type_name();
        let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
        format!("{article} {name}")
    }

    pub fn str(text: &str) -> Value {
        Value::Str(Rc::from(text))
    }

    pub fn tuple(items: Vec<Value>) -> Value {
        Value::Tuple(Rc::from(items))
    }
}

/// `range(start, stop, step)`: a lazy integer sequence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RangeValue {
    pub start: i64,
    pub stop: i64,
    pub step: i64,
}

impl RangeValue {
    pub fn len(&self) -> usize {
        let (start, stop, step) = (self.start as i128, self.stop as i128, self.step as i128);
        let n = if step > 0 { (stop - start + step - 1) / step } else { (start - stop - step - 1) / -step };
        n.max(0) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `i`-th element; `i` must be below `len()`.
    pub fn get(&self, i: usize) -> i64 {
        (self.start as i128 + i as i128 * self.step as i128) as i64
    }
}

/// A user function together with what it closed over.
#[derive(Debug)]
pub struct Closure {
    pub code: Rc<FnCode>,
    /// Default values, evaluated once at definition, for the trailing parameters.
    pub defaults: Vec<Value>,
    /// The frame of the enclosing function, for closures; `None` at top level.
    pub env: Option<Rc<Frame>>,
    /// The module whose globals the function reads.
    pub module: Rc<Module>,
}

/// The local variables of one function call. Closures keep their defining frame
/// alive, so they see later assignments to captured variables (by reference).
#[derive(Debug)]
pub struct Frame {
    pub slots: RefCell<Vec<Option<Value>>>,
    pub parent: Option<Rc<Frame>>,
}

/// A module's namespace: the main program, an imported file, or a stdlib module.
#[derive(Debug)]
pub struct Module {
    pub name: Rc<str>,
    /// Where imports from this module look first; `None` means the current directory.
    pub dir: Option<PathBuf>,
    pub globals: RefCell<Globals>,
}

/// Global variables by slot. Slots are handed out when the resolver first sees a
/// name, so a REPL session can keep adding names; a slot stays `None` until bound.
#[derive(Debug, Default, Clone)]
pub struct Globals {
    pub values: Vec<Option<Value>>,
    pub names: Vec<Rc<str>>,
    pub slots: HashMap<Rc<str>, u32>,
}

impl Globals {
    pub fn slot(&mut self, name: &Rc<str>) -> u32 {
        if let Some(&slot) = self.slots.get(name) {
            return slot;
        }
        let slot = self.values.len() as u32;
        self.values.push(None);
        self.names.push(name.clone());
        self.slots.insert(name.clone(), slot);
        slot
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.slots.get(name).and_then(|&s| self.values[s as usize].as_ref())
    }

    /// Names that are bound now, in the order they were first seen.
    pub fn bound(&self) -> impl Iterator<Item = (&Rc<str>, &Value)> {
        self.names.iter().zip(&self.values).filter_map(|(n, v)| v.as_ref().map(|v| (n, v)))
    }
}

impl Module {
    pub fn new(name: &str, dir: Option<PathBuf>) -> Rc<Module> {
        Rc::new(Module { name: Rc::from(name), dir, globals: RefCell::new(Globals::default()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_lengths() {
        let r = |start, stop, step| RangeValue { start, stop, step }.len();
        assert_eq!(r(0, 10, 1), 10);
        assert_eq!(r(2, 11, 4), 3);
        assert_eq!(r(10, 0, -3), 4);
        assert_eq!(r(5, 5, 1), 0);
        assert_eq!(r(5, 0, 1), 0);
        assert_eq!(r(i64::MIN, i64::MAX, 1), u64::MAX as usize);
    }

    #[test]
    fn value_stays_small() {
        assert!(std::mem::size_of::<Value>() <= 24);
        assert_eq!(std::mem::size_of::<Option<Value>>(), std::mem::size_of::<Value>());
    }
}
