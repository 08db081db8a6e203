//! darr: a small, declarative, NumPy-flavoured array scripting language.
//!
//! The pipeline is `syntax` (pest → AST) → `interp` (tree-walking evaluator) →
//! arrays (lazy graph, optimizer, executor; later milestones). [`Session`] is the
//! one entry point shared by the command-line runner, the REPL and the tests.

pub mod builtins;
pub mod check;
pub mod diag;
pub mod dist;
pub mod exec;
pub mod graph;
pub mod interp;
pub mod io;
pub mod num;
pub mod opt;
mod session;
pub mod syntax;

pub use session::{ErrorFormat, Failure, Session};
