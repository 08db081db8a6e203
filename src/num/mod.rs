//! The numeric rules every layer above shares, on computed data: elementwise
//! operations (NumPy's semantics, by dtype), views of computed arrays, float
//! functions, Python's float floor division and modulo, pairwise sums, and the
//! shortest round-trip repr of floats. The optimizer folds constants with them,
//! the executor's kernels compute with them, `io` writes and reads with them,
//! and the evaluator prints with them; they depend only on the array types of
//! `graph`.

pub mod elementwise;
pub mod floatfns;
pub mod pyfloat;
pub mod repr;
pub mod sum;
pub mod view;
