//! The `darr` command: run a script, `-e CODE`, standard input, or the REPL.

use std::io::{IsTerminal, Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use clap::{Parser, ValueEnum};
use darr::{ErrorFormat, Failure, Session};

mod repl;
mod time_report;

#[global_allocator]
static ALLOCATOR: darr::exec::memory::LargePageAlloc = darr::exec::memory::LargePageAlloc;

#[derive(Parser, Debug, Clone)]
#[command(
    name = "darr",
    version,
    about = "darr: a NumPy-flavoured array scripting language",
    after_help = "With no SCRIPT and a terminal on standard input, darr starts the REPL.\n\
                  Exit status: 0 success, 1 a program error, 2 a usage error."
)]
struct Cli {
    /// Run CODE as the program (SCRIPT and ARGS then become `argv`).
    #[arg(short = 'e', long = "eval", value_name = "CODE")]
    eval: Option<String>,
    /// Parse and check names and arguments; run nothing.
    #[arg(short = 'c', long)]
    check: bool,
    /// Print each plan to standard error as it runs (optimized unless --no-opt;
    /// work on small arrays runs without a plan, see --small-work).
    #[arg(long)]
    explain: bool,
    /// Run without optimization passes: every operation computed on its own.
    #[arg(long)]
    no_opt: bool,
    /// Compute arrays of up to N elements operation by operation, without
    /// planning (default 4096; 0 plans every operation).
    #[arg(long, value_name = "N")]
    small_work: Option<usize>,
    /// On several ranks, make arrays of fewer than N elements whole on every rank
    /// instead of splitting them (default 16384; 0 splits every array, as the
    /// distributed tests do on small data).
    #[arg(long, value_name = "N")]
    replicate_below: Option<usize>,
    /// Worker threads per rank for array kernels (default: one per core).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Run as a job of N ranks inside this process, one thread per rank, with the
    /// same output as `mpiexec -n N darr`: for testing the distributed code
    /// without MPI (the ranks share this machine's cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=256))]
    ranks: Option<u32>,
    /// How diagnostics are printed on standard error.
    #[arg(long, value_enum, default_value_t = ErrorFormatArg::Human, value_name = "F")]
    error_format: ErrorFormatArg,
    /// Print a timing summary to stderr when the program ends: total, optimizer
    /// time, plans and fused kernels run; on several ranks also the split work
    /// and what each rank sent to the others.
    #[arg(long)]
    time: bool,
    /// The script to run, or `-` to read the program from standard input.
    #[arg(value_name = "SCRIPT | -")]
    script: Option<String>,
    /// Arguments for the script, available as `argv`.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "ARGS")]
    args: Vec<String>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ErrorFormatArg {
    Human,
    Json,
}

/// The evaluator recurses on the Rust stack (1000 darr calls, nested expressions);
/// it runs on a thread with room for that in debug builds too.
const INTERPRETER_STACK: usize = 512 << 20;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let interrupt = Arc::new(AtomicBool::new(false));
    let flag = interrupt.clone();
    // The first Ctrl-C stops evaluation with `darr::interrupt`; a second one, if the
    // program does not stop, ends the process.
    let _ = ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    });
    if let Err(code) = configure(&cli) {
        return ExitCode::from(code);
    }
    if let Some(ranks) = cli.ranks.filter(|&n| n > 1) {
        let cli = Arc::new(cli);
        return ExitCode::from(darr::dist::run_in_threads(
            ranks as usize,
            INTERPRETER_STACK,
            Arc::new(move || run(&cli, interrupt.clone())),
        ));
    }
    let worker = std::thread::Builder::new().stack_size(INTERPRETER_STACK).spawn(move || {
        // Under `mpiexec` every rank runs the program (the guard keeps MPI up).
        let _mpi = darr::dist::init();
        run(&cli, interrupt)
    });
    match worker.map(|w| w.join()) {
        Ok(Ok(code)) => ExitCode::from(code),
        _ => {
            eprintln!("darr: internal error: the interpreter stopped unexpectedly");
            ExitCode::from(101)
        }
    }
}

/// The settings every rank shares: worker threads, optimization, small work,
/// plans printed. A usage error is the exit status 2.
fn configure(cli: &Cli) -> Result<(), u8> {
    if let Some(n) = cli.threads {
        if let Err(e) = darr::exec::set_threads(n.max(1)) {
            eprintln!("Error: darr::usage\n\n  × cannot start {n} worker threads: {e}");
            return Err(2);
        }
    }
    darr::opt::set_enabled(!cli.no_opt);
    darr::exec::stats::set_timing(cli.time);
    if let Some(n) = cli.small_work {
        darr::exec::set_small_work(n);
    }
    if let Some(n) = cli.replicate_below {
        darr::dist::layout::set_replicate_below(n);
    }
    darr::exec::set_explain(cli.explain);
    Ok(())
}

/// Runs the program of `cli` on this rank; returns the exit status.
fn run(cli: &Cli, interrupt: Arc<AtomicBool>) -> u8 {
    let format = match cli.error_format {
        ErrorFormatArg::Human => ErrorFormat::Human,
        ErrorFormatArg::Json => ErrorFormat::Json,
    };
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let stdout_is_tty = std::io::stdout().is_terminal();
    // Every rank runs the program; only rank 0 writes the output.
    let comm = darr::dist::world();
    let distributed = comm.size() > 1;
    let out: Box<dyn Write> = if comm.rank() != 0 {
        Box::new(std::io::sink())
    } else if stdout_is_tty {
        Box::new(std::io::LineWriter::new(std::io::stdout()))
    } else {
        Box::new(std::io::BufWriter::with_capacity(1 << 16, std::io::stdout()))
    };

    // What to run: `-e CODE`, a script, standard input, or the REPL.
    let (argv, source): (Vec<String>, Option<Program>) = match (&cli.eval, &cli.script) {
        (Some(code), script) => {
            let argv = script.iter().cloned().chain(cli.args.iter().cloned()).collect();
            (argv, Some(("<eval>".to_string(), Ok(code.clone()))))
        }
        (None, Some(script)) if script == "-" => {
            (cli.args.clone(), Some(("<stdin>".to_string(), on_rank_zero(read_stdin))))
        }
        (None, Some(script)) => {
            let text = on_rank_zero(|| {
                std::fs::read(script)
                    .map_err(|e| format!("cannot read `{script}`: {e}"))
                    .and_then(|b| String::from_utf8(b).map_err(|_| format!("`{script}` is not UTF-8 text")))
            });
            (cli.args.clone(), Some((script.clone(), text)))
        }
        // Under `mpiexec` rank 0's standard input is a pipe from mpiexec: the REPL
        // there reads lines from it.
        (None, None) if (distributed || std::io::stdin().is_terminal()) && !cli.check => (cli.args.clone(), None),
        (None, None) => (cli.args.clone(), Some(("<stdin>".to_string(), on_rank_zero(read_stdin)))),
    };
    let mut session = Session::new(out, argv, interrupt);
    let Some((name, text)) = source else {
        return if distributed {
            repl::run_lines(&mut session, format)
        } else {
            repl::run(&mut session, format, color)
        };
    };
    let text = match text {
        Ok(text) => text,
        Err(message) => {
            if comm.rank() == 0 {
                eprintln!("Error: darr::io\n\n  × {message}");
            }
            return 2;
        }
    };
    let started = Instant::now();
    let result = if cli.check {
        session.check_source(&name, &text)
    } else if cli.eval.is_none() && name != "<stdin>" {
        session.run_script(Path::new(&name), &text)
    } else {
        session.run_source(&name, &text)
    };
    session.flush();
    if cli.time {
        // Every rank's traffic, gathered only when every rank can take part.
        let sent = (distributed && result.is_ok()).then(darr::dist::sent_by_every_rank);
        if comm.rank() == 0 {
            eprintln!("{}", time_report::summary(started.elapsed(), comm.size(), sent.as_deref()));
        }
    }
    // Every rank ends here, after the same steps, unless the ranks took different
    // paths; then `finish` reports it, as the ranks still at another step do.
    let ended = match result {
        Ok(()) => Ok(0),
        Err(Failure::Exit(code)) => Ok(code.clamp(0, 255) as u8),
        Err(Failure::Error(diag)) => Err(diag),
    };
    match ended.and_then(|code| comm.finish().map(|()| code).map_err(|divergence| divergence.to_diag())) {
        Ok(code) => code,
        Err(diag) => {
            let report = session.render(&diag, format, color);
            if distributed {
                // Printed once, on rank 0; every rank ends.
                comm.fail(&report, 1)
            }
            eprint!("{report}");
            1
        }
    }
}

/// What `read` gives on rank 0, on every rank (the program is read once, there).
fn on_rank_zero(read: impl FnOnce() -> Result<String, String>) -> Result<String, String> {
    let comm = darr::dist::world();
    if comm.size() == 1 {
        return read();
    }
    let mut bytes = if comm.rank() == 0 {
        match read() {
            Ok(text) => [b"O", text.as_bytes()].concat(),
            Err(message) => [b"E", message.as_bytes()].concat(),
        }
    } else {
        Vec::new()
    };
    comm.broadcast(0, &mut bytes);
    let text = String::from_utf8_lossy(bytes.get(1..).unwrap_or_default()).into_owned();
    if bytes.first() == Some(&b'O') {
        Ok(text)
    } else {
        Err(text)
    }
}

/// A program to run: its display name and its text (or why it could not be read).
type Program = (String, Result<String, String>);

fn read_stdin() -> Result<String, String> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).map_err(|e| format!("cannot read standard input: {e}"))?;
    Ok(text)
}
