//! The one error the syntax layer returns.

use super::span::Span;

#[derive(Clone, Debug, PartialEq)]
pub struct SyntaxError {
    pub message: String,
    pub span: Span,
    pub label: String,
    pub help: Option<String>,
    /// The input ended inside an open bracket or block: the REPL asks for more.
    pub incomplete: bool,
}

impl SyntaxError {
    pub fn new(span: Span, message: impl Into<String>, label: impl Into<String>) -> SyntaxError {
        SyntaxError { message: message.into(), span, label: label.into(), help: None, incomplete: false }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> SyntaxError {
        self.help = Some(help.into());
        self
    }
}
