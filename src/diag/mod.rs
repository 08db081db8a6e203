//! Diagnostics: every failure darr reports, with a stable code from the spec's
//! table (section 11), a primary span and, where it helps, secondary labels and help.
//!
//! A `Diag` carries spans only; the source text is attached when it is rendered
//! (`render`), so errors stay cheap to create and move.

mod render;

pub use render::{render_human, render_json, RenderOptions};

use crate::syntax::{Span, SyntaxError};

/// The codes of section 11, one per kind of failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Code {
    Syntax,
    Name,
    Type,
    Shape,
    Index,
    Arg,
    Value,
    ZeroDivision,
    Recursion,
    Import,
    Io,
    Assert,
    Dist,
    Memory,
    Interrupt,
}

impl Code {
    pub const ALL: [Code; 15] = [
        Code::Syntax,
        Code::Name,
        Code::Type,
        Code::Shape,
        Code::Index,
        Code::Arg,
        Code::Value,
        Code::ZeroDivision,
        Code::Recursion,
        Code::Import,
        Code::Io,
        Code::Assert,
        Code::Dist,
        Code::Memory,
        Code::Interrupt,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Code::Syntax => "darr::syntax",
            Code::Name => "darr::name",
            Code::Type => "darr::type",
            Code::Shape => "darr::shape",
            Code::Index => "darr::index",
            Code::Arg => "darr::arg",
            Code::Value => "darr::value",
            Code::ZeroDivision => "darr::zero_division",
            Code::Recursion => "darr::recursion",
            Code::Import => "darr::import",
            Code::Io => "darr::io",
            Code::Assert => "darr::assert",
            Code::Dist => "darr::dist",
            Code::Memory => "darr::memory",
            Code::Interrupt => "darr::interrupt",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub span: Span,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Diag {
    pub code: Code,
    pub message: String,
    /// The first label is the primary one: its position is the report's
    /// `FILE:LINE:COLUMN`. Empty only for failures outside any source (a script
    /// that cannot be read).
    pub labels: Vec<Label>,
    pub help: Option<String>,
}

impl Diag {
    /// A diagnostic whose primary label at `span` says `label`.
    pub fn new(code: Code, span: Span, message: impl Into<String>, label: impl Into<String>) -> Diag {
        Diag { code, message: message.into(), labels: vec![Label { span, text: label.into() }], help: None }
    }

    /// A diagnostic about no place in the source (the command line, the machine).
    pub fn without_span(code: Code, message: impl Into<String>) -> Diag {
        Diag { code, message: message.into(), labels: Vec::new(), help: None }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diag {
        self.help = Some(help.into());
        self
    }

    /// Adds a secondary label, e.g. where an evaluation-time error was observed.
    pub fn with_label(mut self, span: Span, text: impl Into<String>) -> Diag {
        self.labels.push(Label { span, text: text.into() });
        self
    }

    pub fn primary_span(&self) -> Option<Span> {
        self.labels.first().map(|l| l.span)
    }
}

impl From<SyntaxError> for Diag {
    fn from(e: SyntaxError) -> Diag {
        Diag {
            code: Code::Syntax,
            message: e.message,
            labels: vec![Label { span: e.span, text: e.label }],
            help: e.help,
        }
    }
}

/// The closest of `candidates` to `name` by edit distance, if close enough to be a
/// plausible typo: used for "did you mean" help on names and keyword arguments.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = match name.chars().count() {
        0..=1 => 0,
        2..=4 => 1,
        5..=7 => 2,
        _ => 3,
    };
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by(|(da, a), (db, b)| da.cmp(db).then_with(|| a.cmp(b)))
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_you_mean_finds_close_names() {
        assert_eq!(did_you_mean("totl", ["total", "print", "x"]), Some("total"));
        assert_eq!(did_you_mean("axes", ["axis", "keepdims"]), Some("axis"));
        assert_eq!(did_you_mean("zzzz", ["total", "print"]), None);
        assert_eq!(did_you_mean("x", ["x"]), None);
    }

    #[test]
    fn codes_are_the_spec_names() {
        let names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        assert!(names.iter().all(|n| n.starts_with("darr::")));
        assert_eq!(Code::ZeroDivision.as_str(), "darr::zero_division");
    }
}
