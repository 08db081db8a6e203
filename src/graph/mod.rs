//! The lazy expression DAG. Array operations build nodes here; shape and dtype
//! errors are raised at construction, at the span of the operation.

pub mod build;
pub mod data;
pub mod dtype;
pub mod index;
pub use crate::dist::layout;
pub mod node;
pub mod pins;
pub mod shape;
pub mod strided;

pub use data::{ArrayData, Elem, Nd, Scalar};
pub use dtype::{DType, WeakKind};
pub use node::{Array, BinaryFn, Node, Op, RandomKind, ReduceFn, ScanFn, SliceElem, UnaryFn, View};
