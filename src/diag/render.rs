//! Rendering a [`Diag`] for people (miette's graphical report) or for tools (JSON).

use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode};
use serde::Serialize;

use super::Diag;
use crate::syntax::SourceMap;

#[derive(Clone, Copy, Debug)]
pub struct RenderOptions {
    pub color: bool,
    /// Terminal width used to wrap messages.
    pub width: usize,
}

impl Default for RenderOptions {
    fn default() -> RenderOptions {
        RenderOptions { color: false, width: 100 }
    }
}

/// The human report: `Error: darr::CODE`, the message, the source excerpt with
/// labels (its header holds `FILE:LINE:COLUMN`), help, and labels that point into
/// other files as notes.
pub fn render_human(diag: &Diag, sources: &SourceMap, options: RenderOptions) -> String {
    let primary_file = diag.primary_span().map(|s| s.file);
    let source =
        primary_file.and_then(|f| sources.get(f)).map(|f| NamedSource::new(f.name.clone(), f.text.to_string()));
    let mut notes: Vec<String> = Vec::new();
    let mut labels = Vec::new();
    for (i, label) in diag.labels.iter().enumerate() {
        if Some(label.span.file) == primary_file && source.is_some() {
            let text = (!label.text.is_empty()).then(|| label.text.clone());
            let span = (label.span.start as usize, label.span.len());
            labels.push(if i == 0 {
                LabeledSpan::new_primary_with_span(text, span)
            } else {
                LabeledSpan::new_with_span(text, span)
            });
        } else if let Some(file) = sources.get(label.span.file) {
            let (line, col) = file.line_col(label.span.start as usize);
            notes.push(format!("{}:{}:{}: {}", file.name, line, col, label.text));
        }
    }
    let help = match (&diag.help, notes.is_empty()) {
        (None, true) => None,
        (help, _) => {
            let mut lines: Vec<String> = help.iter().cloned().collect();
            lines.extend(notes.iter().map(|n| format!("see {n}")));
            Some(lines.join("\n"))
        }
    };
    let report = Report { diag, source, labels, help };
    let theme = if options.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(options.width).with_links(false);
    let mut out = String::new();
    if handler.render_report(&mut out, &report).is_err() {
        out = format!("{}: {}\n", diag.code.as_str(), diag.message);
    }
    format!("Error: {}", out.trim_start())
}

struct Report<'a> {
    diag: &'a Diag,
    source: Option<NamedSource<String>>,
    labels: Vec<LabeledSpan>,
    help: Option<String>,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.diag.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.diag.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.diag.code.as_str()))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            return None;
        }
        Some(Box::new(self.labels.iter().cloned()))
    }
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    text: &'a str,
}

#[derive(Serialize)]
struct JsonDiag<'a> {
    code: &'a str,
    message: &'a str,
    file: Option<&'a str>,
    line: Option<usize>,
    column: Option<usize>,
    labels: Vec<JsonLabel<'a>>,
    help: Option<&'a str>,
}

/// One JSON object on one line, for editors and tools (`--error-format json`).
pub fn render_json(diag: &Diag, sources: &SourceMap) -> String {
    let labels: Vec<JsonLabel> = diag
        .labels
        .iter()
        .filter_map(|l| {
            let file = sources.get(l.span.file)?;
            let (line, column) = file.line_col(l.span.start as usize);
            let (end_line, end_column) = file.line_col(l.span.end as usize);
            Some(JsonLabel { file: &file.name, line, column, end_line, end_column, text: &l.text })
        })
        .collect();
    let first = labels.first();
    let json = JsonDiag {
        code: diag.code.as_str(),
        message: &diag.message,
        file: first.map(|l| l.file),
        line: first.map(|l| l.line),
        column: first.map(|l| l.column),
        help: diag.help.as_deref(),
        labels,
    };
    serde_json::to_string(&json).unwrap_or_else(|_| format!("{{\"code\":\"{}\"}}", diag.code.as_str()))
}
