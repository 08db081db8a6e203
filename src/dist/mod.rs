//! Everything that crosses ranks (spec section 10): layouts, and the `Comm` trait
//! with its implementations: one process (always built), several ranks as threads
//! of one process (always built, for tests: `darr --ranks N`), and MPI (cargo
//! feature `mpi`). No other module calls MPI; the rest of the interpreter asks this
//! module for the rank, the number of ranks, and the few collective steps SPMD
//! execution needs (the program text, clock readings and OS seeds from rank 0, an
//! agreed outcome of file I/O, the end of the run).

pub mod agreement;
mod in_process;
pub mod layout;
#[cfg(feature = "mpi")]
mod mpi;
mod solo;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

pub use layout::{AxisDist, Layout};

/// The collective operations of a job of `size` ranks. Every rank calls the same
/// collectives in the same order (SPMD), which each collective checks first
/// (`agreement`: a rank elsewhere raises a divergence); while one waits, it
/// watches for another rank's failure, so a rank that stopped with an error never
/// leaves the others waiting for ever.
pub trait Comm {
    fn rank(&self) -> usize;
    fn size(&self) -> usize;
    /// Rank `root`'s `bytes`, on every rank (other ranks' `bytes` are replaced).
    fn broadcast(&self, root: usize, bytes: &mut Vec<u8>);
    /// Every rank's `mine`, in rank order, on every rank.
    fn all_gather(&self, mine: &[u8]) -> Vec<Vec<u8>>;
    /// Sends `outgoing[q]` to each rank `q`; returns what each rank sent here, in
    /// rank order (one exchange with a buffer per destination).
    fn all_to_all(&self, outgoing: Vec<Vec<u8>>) -> Vec<Vec<u8>>;
    /// The run ended normally on this rank: wait until every rank has (or one
    /// failed, which then ends the job). An error when some rank is still at
    /// another step (a collective this rank never joins).
    fn finish(&self) -> Result<(), agreement::Divergence>;
    /// The run failed on this rank with `report` (the rendered diagnostic): the
    /// report is printed once, on rank 0, and every rank ends with `code`.
    fn fail(&self, report: &str, code: u8) -> !;
}

thread_local! {
    static WORLD: RefCell<Option<Rc<dyn Comm>>> = const { RefCell::new(None) };
    /// The world's size, read for every new array's default layout.
    static SIZE: Cell<usize> = const { Cell::new(1) };
    /// What this rank sent to the others so far.
    static SENT: Cell<Traffic> = const { Cell::new(Traffic { messages: 0, bytes: 0 }) };
}

/// Data a rank sent to other ranks: messages with at least one byte, and their
/// bytes (the signatures and lengths the collectives exchange first not counted).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Traffic {
    pub messages: u64,
    pub bytes: u64,
}

/// `n` bytes for people: B, kB, MB or GB (powers of 1000).
pub fn show_bytes(n: u64) -> String {
    match n {
        0..1_000 => format!("{n} B"),
        1_000..1_000_000 => format!("{:.1} kB", n as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1} MB", n as f64 / 1e6),
        _ => format!("{:.2} GB", n as f64 / 1e9),
    }
}

/// What this rank sent to other ranks since the job started (for `--time`).
pub fn sent() -> Traffic {
    SENT.with(Cell::get)
}

/// What each rank sent so far, in rank order, on every rank (a collective).
pub fn sent_by_every_rank() -> Vec<Traffic> {
    let comm = world();
    let mine = sent();
    let bytes = [mine.messages.to_le_bytes(), mine.bytes.to_le_bytes()].concat();
    let word = |b: &[u8], i: usize| {
        u64::from_le_bytes(b.get(8 * i..8 * i + 8).and_then(|w| w.try_into().ok()).unwrap_or([0; 8]))
    };
    comm.all_gather(&bytes).iter().map(|b| Traffic { messages: word(b, 0), bytes: word(b, 1) }).collect()
}

/// Counts a collective's messages from rank `me`: `lens[q]` bytes to rank `q`.
fn count_sent(me: usize, lens: impl IntoIterator<Item = usize>) {
    let mut traffic = SENT.with(Cell::get);
    for (_, len) in lens.into_iter().enumerate().filter(|&(q, len)| q != me && len > 0) {
        traffic.messages += 1;
        traffic.bytes += len as u64;
    }
    SENT.with(|s| s.set(traffic));
}

/// Starts the job's communication: MPI when built with the `mpi` feature (a
/// process started without `mpiexec` is a job of one), else one process. The
/// returned guard ends MPI when dropped; keep it until the run has finished.
pub fn init() -> Guard {
    #[cfg(feature = "mpi")]
    let (comm, guard): (Rc<dyn Comm>, Guard) = {
        let (comm, universe) = mpi::MpiComm::start();
        (Rc::new(comm), Guard { _universe: Some(universe) })
    };
    #[cfg(not(feature = "mpi"))]
    let (comm, guard): (Rc<dyn Comm>, Guard) = (Rc::new(solo::Solo), Guard {});
    join(comm);
    guard
}

/// Runs `rank_main` as a job of `ranks` ranks in this process, one thread each
/// (with `stack` bytes of stack), instead of an MPI job: the same collectives and
/// the same failure handling, for testing the distributed code without MPI.
/// Returns the job's exit status; a failure's report is printed once.
pub fn run_in_threads(ranks: usize, stack: usize, rank_main: std::sync::Arc<dyn Fn() -> u8 + Send + Sync>) -> u8 {
    in_process::run(ranks, stack, rank_main)
}

/// Makes `comm` the world of this thread.
fn join(comm: Rc<dyn Comm>) {
    SIZE.with(|s| s.set(comm.size()));
    WORLD.with(|w| *w.borrow_mut() = Some(comm));
}

/// Keeps MPI initialized while it lives.
pub struct Guard {
    #[cfg(feature = "mpi")]
    _universe: Option<::mpi::environment::Universe>,
}

impl Drop for Guard {
    /// A panic (a bug in darr) unwinding past the guard would finalize MPI, which
    /// waits for the other ranks, while they wait in a collective for this one:
    /// every rank would hang. Aborting the job ends them all instead.
    fn drop(&mut self) {
        #[cfg(feature = "mpi")]
        if std::thread::panicking() {
            if let Some(universe) = &self._universe {
                use ::mpi::traits::Communicator;
                let world = universe.world();
                if world.size() > 1 {
                    eprintln!("darr: internal error on rank {}: ending every rank", world.rank());
                    world.abort(101);
                }
            }
        }
    }
}

/// The job this thread belongs to (one process unless `init` said otherwise).
pub fn world() -> Rc<dyn Comm> {
    WORLD.with(|w| w.borrow().clone()).unwrap_or_else(|| Rc::new(solo::Solo))
}

/// This process's rank.
pub fn rank() -> usize {
    world().rank()
}

/// The number of ranks in the job.
pub fn nranks() -> usize {
    SIZE.with(Cell::get)
}

/// Whether this rank is the one that writes standard output and files.
pub fn is_root() -> bool {
    rank() == 0
}

/// Rank 0's REPL input on every rank; `None` when rank 0's input ended.
pub fn share_input(input: Option<String>) -> Option<String> {
    let comm = world();
    if comm.size() == 1 {
        return input;
    }
    let mut bytes = match input {
        Some(text) => [b"I", text.as_bytes()].concat(),
        None => b"E".to_vec(),
    };
    comm.broadcast(0, &mut bytes);
    match bytes.split_first() {
        Some((b'I', text)) => Some(String::from_utf8_lossy(text).into_owned()),
        _ => None,
    }
}

/// Rank 0's `value` on every rank: a clock reading or a seed from the operating
/// system, so that scalars and control flow are the same on every rank.
pub fn share_u64(value: u64) -> u64 {
    let comm = world();
    if comm.size() == 1 {
        return value;
    }
    let mut bytes = value.to_le_bytes().to_vec();
    comm.broadcast(0, &mut bytes);
    u64::from_le_bytes(bytes.try_into().unwrap_or([0; 8]))
}

/// A clock reading taken on rank 0 once every rank has reached this point, on
/// every rank: so that scalars and control flow agree, and a time measured
/// between two readings covers the work of every rank (as a barrier before
/// `MPI_Wtime` does).
pub fn synchronized_clock(read: impl FnOnce() -> f64) -> f64 {
    let comm = world();
    if comm.size() == 1 {
        return read();
    }
    comm.all_gather(&[]);
    let mut bytes = if comm.rank() == 0 { read().to_le_bytes().to_vec() } else { Vec::new() };
    comm.broadcast(0, &mut bytes);
    f64::from_le_bytes(bytes.try_into().unwrap_or([0; 8]))
}

/// Rank 0's outcome on every rank, for work only rank 0 does (writing a file):
/// every rank then fails, or goes on, alike.
pub fn rank_zero_outcome(mine: Result<(), String>) -> Result<(), String> {
    let comm = world();
    if comm.size() == 1 {
        return mine;
    }
    let mut bytes = match &mine {
        Ok(()) => Vec::new(),
        Err(message) => [b"E", message.as_bytes()].concat(),
    };
    comm.broadcast(0, &mut bytes);
    match bytes.split_first() {
        Some((_, message)) => Err(String::from_utf8_lossy(message).into_owned()),
        None => Ok(()),
    }
}

/// The outcome every rank agrees on after each did its own part of an operation
/// that can fail on some ranks only (reading a file another rank can read): the
/// lowest failing rank's error on every rank, else success.
pub fn agreed_outcome(mine: Result<(), String>) -> Result<(), String> {
    let comm = world();
    if comm.size() == 1 {
        return mine;
    }
    let status = match &mine {
        Ok(()) => Vec::new(),
        Err(message) => [b"E", message.as_bytes()].concat(),
    };
    let all = comm.all_gather(&status);
    match all.iter().enumerate().find(|(_, s)| !s.is_empty()) {
        Some((q, _)) if mine.is_err() || q == comm.rank() => mine,
        Some((q, failed)) => Err(format!("on rank {q}: {}", String::from_utf8_lossy(&failed[1..]))),
        None => Ok(()),
    }
}

/// `result` on this rank, failed on every rank when it failed on any (with the
/// lowest failing rank's error, as `agreed_outcome`).
pub fn agreed_result<T>(result: Result<T, String>) -> Result<T, String> {
    let outcome = agreed_outcome(result.as_ref().map(|_| ()).map_err(String::clone));
    match (result, outcome) {
        (Ok(value), Ok(())) => Ok(value),
        (Err(e), _) | (Ok(_), Err(e)) => Err(e),
    }
}
