//! The interactive REPL (spec section 13), on rustyline.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use darr::interp::format::to_str;
use darr::interp::Value;
use darr::{builtins, syntax, ErrorFormat, Failure, Session};
use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::FileHistory;
use rustyline::validate::Validator;
use rustyline::{Context, Editor, Helper};

const PROMPT: &str = "darr> ";
const CONTINUATION: &str = "...> ";

const COMMANDS: &[(&str, &str)] = &[
    (":help", ":help [name]    a builtin's signature and description; this list without a name"),
    (":vars", ":vars           the variables you have defined, with their types"),
    (":explain", ":explain EXPR   the plan that computes an array expression"),
    (":time", ":time STMT      run STMT and print how long it took"),
    (":load", ":load FILE      run a script in this session"),
    (":reset", ":reset          forget every variable and module"),
    (":quit", ":quit           leave (Ctrl-D does too)"),
];

pub fn run(session: &mut Session, format: ErrorFormat, color: bool) -> u8 {
    let mut editor: Editor<DarrHelper, FileHistory> = match Editor::new() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("darr: cannot start the REPL: {e}");
            return 2;
        }
    };
    editor.set_helper(Some(DarrHelper::default()));
    let history = history_path();
    if let Some(path) = &history {
        let _ = editor.load_history(path);
    }
    println!("darr {} — :help for help, Ctrl-D to quit", env!("CARGO_PKG_VERSION"));
    let code = loop {
        refresh_completions(&mut editor, session);
        let input = match read_input(&mut editor) {
            Input::Text(text) => text,
            Input::Cancelled => continue,
            Input::End => break 0,
        };
        if input.trim().is_empty() {
            continue;
        }
        let _ = editor.add_history_entry(input.as_str());
        if let Some(history) = &history {
            let _ = editor.append_history(history);
        }
        match run_input(session, input.trim_start(), format, color, true) {
            Some(code) => break code,
            None => continue,
        }
    };
    session.flush();
    code
}

/// The REPL under `mpiexec`: rank 0 reads lines from its standard input (a pipe
/// from mpiexec, so no line editing), each complete input goes to every rank, and
/// every rank runs it; rank 0 prints.
pub fn run_lines(session: &mut Session, format: ErrorFormat) -> u8 {
    let root = darr::dist::is_root();
    if root {
        println!(
            "darr {} on {} ranks — :help for help, Ctrl-D to quit",
            env!("CARGO_PKG_VERSION"),
            darr::dist::nranks()
        );
    }
    // Only rank 0 reads (ranks run as threads of one process share its stdin).
    let mut stdin = root.then(|| std::io::stdin().lock());
    let code = loop {
        let input = stdin.as_mut().and_then(read_plain_input);
        let Some(input) = darr::dist::share_input(input) else { break 0 };
        if input.trim().is_empty() {
            continue;
        }
        if let Some(code) = run_input(session, input.trim_start(), format, false, root) {
            break code;
        }
        session.flush();
    };
    session.flush();
    code
}

/// One complete input from plain standard input, with prompts; `None` at its end.
fn read_plain_input(stdin: &mut impl std::io::BufRead) -> Option<String> {
    let mut text = String::new();
    let mut prompt = PROMPT;
    loop {
        print!("{prompt}");
        let _ = std::io::Write::flush(&mut std::io::stdout());
        let mut line = String::new();
        if stdin.read_line(&mut line).ok()? == 0 {
            return (!text.is_empty()).then_some(text);
        }
        text.push_str(line.trim_end_matches('\n'));
        if text.trim_start().starts_with(':') || !Session::is_incomplete(&text) {
            return Some(text);
        }
        text.push('\n');
        prompt = CONTINUATION;
    }
}

enum Input {
    Text(String),
    /// Ctrl-C at a prompt: drop what was typed.
    Cancelled,
    /// Ctrl-D, or standard input closed.
    End,
}

/// Reads one complete input, asking for continuation lines while a bracket or
/// block is open.
fn read_input(editor: &mut Editor<DarrHelper, FileHistory>) -> Input {
    let mut text = match editor.readline(PROMPT) {
        Ok(line) => line,
        Err(ReadlineError::Interrupted) => return Input::Cancelled,
        Err(_) => return Input::End,
    };
    while !text.trim_start().starts_with(':') && Session::is_incomplete(&text) {
        match editor.readline(CONTINUATION) {
            Ok(line) => {
                text.push('\n');
                text.push_str(&line);
            }
            Err(ReadlineError::Interrupted) => return Input::Cancelled,
            Err(_) => return Input::End,
        }
    }
    Input::Text(text)
}

/// Runs a statement or a `:command`; returns an exit status when the REPL should end.
/// Only a `loud` REPL prints (under `mpiexec`, every rank runs each input and rank 0
/// speaks).
fn run_input(session: &mut Session, input: &str, format: ErrorFormat, color: bool, loud: bool) -> Option<u8> {
    let report = |session: &Session, failure: Failure| -> Option<u8> {
        match failure {
            Failure::Exit(code) => Some(code.clamp(0, 255) as u8),
            Failure::Error(diag) => {
                if loud {
                    eprint!("{}", session.render(&diag, format, color));
                }
                None
            }
        }
    };
    let Some(command) = input.strip_prefix(':') else {
        return session.run_repl_input(input).err().and_then(|f| report(session, f));
    };
    let (name, rest) = command.split_once(char::is_whitespace).unwrap_or((command, ""));
    let rest = rest.trim();
    match name {
        "quit" | "q" | "exit" => return Some(0),
        _ if !loud && matches!(name, "help" | "h" | "vars") => {}
        "help" | "h" => print_help(rest),
        "vars" => {
            for (name, value) in session.variables() {
                println!("{name:<16} {:<10} {}", value.type_name(), summary(&value));
            }
        }
        "reset" => {
            session.reset();
            if loud {
                println!("session reset");
            }
        }
        "load" => {
            let path = PathBuf::from(rest);
            match std::fs::read_to_string(&path) {
                Ok(text) => {
                    if let Err(f) = session.run_repl_input(&text) {
                        return report(session, f);
                    }
                }
                Err(e) if loud => eprintln!("cannot read `{}`: {e}", path.display()),
                Err(_) => {}
            }
        }
        "time" => {
            let started = Instant::now();
            let result = session.run_repl_input(rest);
            let elapsed = started.elapsed();
            if let Err(f) = result {
                return report(session, f);
            }
            if loud {
                println!("time: {:.6} s", elapsed.as_secs_f64());
            }
        }
        "explain" => {
            if let Err(f) = session.run_repl_input(&format!("print(explain({rest}))")) {
                return report(session, f);
            }
        }
        _ if !loud => {}
        other => {
            let known: Vec<&str> = COMMANDS.iter().map(|(c, _)| &c[1..]).collect();
            match darr::diag::did_you_mean(other, known) {
                Some(close) => eprintln!("unknown command `:{other}`; did you mean `:{close}`?"),
                None => eprintln!("unknown command `:{other}`; :help lists the commands"),
            }
        }
    }
    None
}

fn print_help(topic: &str) {
    if topic.is_empty() {
        println!("Type a statement or expression; an expression shows its value.");
        for (_, line) in COMMANDS {
            println!("  {line}");
        }
        println!("Tab completes keywords, builtins, variables and `module.` members.");
        return;
    }
    if let Some((module, name)) = topic.split_once('.') {
        match darr::interp::stdlib::doc(module, name) {
            Some(text) => println!("{module}.{}", text.replace('\n', "\n    ")),
            None => println!("no documented function `{name}` in the standard library module `{module}`"),
        }
        return;
    }
    match builtins::lookup(topic) {
        Some(b) => println!("{}\n    {}", b.signature, b.doc),
        None => println!("no builtin named `{topic}`"),
    }
}

/// One line describing a value in `:vars`.
fn summary(value: &Value) -> String {
    if let Value::Array(a) = value {
        return format!("shape {}, dtype {}", darr::graph::shape::show(&a.shape), a.dtype.name());
    }
    let text = to_str(value);
    let first_line = text.lines().next().unwrap_or("");
    if first_line.chars().count() > 50 || text.contains('\n') {
        format!("{}…", first_line.chars().take(50).collect::<String>())
    } else {
        first_line.to_string()
    }
}

fn history_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("DARR_HISTORY") {
        return Some(PathBuf::from(path));
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".darr_history"))
}

fn refresh_completions(editor: &mut Editor<DarrHelper, FileHistory>, session: &Session) {
    let Some(helper) = editor.helper_mut() else { return };
    let variables = session.variables();
    helper.members = variables
        .iter()
        .filter(|(_, v)| matches!(v, Value::Module(_)))
        .map(|(name, _)| (name.clone(), session.module_members(name)))
        .collect();
    helper.names = syntax::KEYWORDS
        .iter()
        .map(|k| k.to_string())
        .chain(builtins::all().iter().map(|b| b.name.to_string()))
        .chain(variables.into_iter().map(|(n, _)| n))
        .collect();
    helper.names.sort();
    helper.names.dedup();
}

#[derive(Default)]
struct DarrHelper {
    names: Vec<String>,
    members: HashMap<String, Vec<String>>,
}

impl Completer for DarrHelper {
    type Candidate = Pair;

    fn complete(&self, line: &str, pos: usize, _: &Context<'_>) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        let start =
            before.rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.' || c == ':')).map_or(0, |i| i + 1);
        let word = &before[start..];
        let pair = |s: &str| Pair { display: s.to_string(), replacement: s.to_string() };
        if word.starts_with(':') && start == 0 {
            let found = COMMANDS.iter().map(|(c, _)| *c).filter(|c| c.starts_with(word)).map(pair).collect();
            return Ok((0, found));
        }
        if let Some((module, partial)) = word.rsplit_once('.') {
            let found = self
                .members
                .get(module)
                .map(|m| m.iter().filter(|n| n.starts_with(partial)).map(|n| pair(n)).collect())
                .unwrap_or_default();
            return Ok((start + module.len() + 1, found));
        }
        if word.is_empty() {
            return Ok((pos, Vec::new()));
        }
        let found = self.names.iter().filter(|n| n.starts_with(word)).map(|n| pair(n)).collect();
        Ok((start, found))
    }
}

impl Hinter for DarrHelper {
    type Hint = String;
}

impl Highlighter for DarrHelper {
    fn highlight_prompt<'b, 's: 'b, 'p: 'b>(&'s self, prompt: &'p str, _default: bool) -> Cow<'b, str> {
        Cow::Borrowed(prompt)
    }
}

impl Validator for DarrHelper {}

impl Helper for DarrHelper {}
