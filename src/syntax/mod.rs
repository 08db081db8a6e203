//! Source text to AST. Depends on nothing else in the crate.

pub mod ast;
mod error;
mod expected;
mod literals;
mod parser;
pub mod python_habits;
pub mod scan;
pub mod span;

pub use error::SyntaxError;
pub use parser::parse;
pub use span::{FileId, SourceFile, SourceMap, Span};

/// The reserved words of section 1, for completion and "did you mean".
pub const KEYWORDS: &[&str] = &[
    "fn", "return", "if", "elif", "else", "while", "for", "in", "break", "continue", "import", "from", "as", "assert",
    "and", "or", "not", "true", "false", "none",
];

#[cfg(test)]
mod tests;
