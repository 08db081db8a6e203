//! A job of several ranks in one process, one thread per rank (`darr --ranks N`).
//!
//! It exists for testing: the same collectives as the MPI job, through shared
//! memory, so the default test suite runs every split code path at several ranks
//! without MPI installed. Each rank's thread has its own interpreter, and its
//! own `dist::world()` (the world is thread-local).
//!
//! Every collective is one *round*: each rank leaves its signature (see
//! `agreement`) and one buffer per destination, waits until every rank has, then
//! takes the buffers addressed to it. Ranks count their rounds, so the n-th
//! collective of one rank meets the n-th of every other; differing signatures are
//! a divergence on every rank, as under MPI.
//!
//! A rank that fails records its report and ends its thread; ranks waiting in a
//! round then end theirs (`Stopped`). The launcher (`run`) prints one report, rank
//! 0's if it failed, else the first recorded, and gives ranks still computing a
//! moment to end before the process exits with the failure's status.

use std::cell::Cell;
use std::collections::HashMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::agreement::{self, Divergence, Signature, Step};
use super::Comm;

/// How long the launcher waits, once a rank failed, for the others to end.
const REPORTS_WAIT: Duration = Duration::from_secs(1);

/// The state every rank's thread shares.
struct Job {
    size: usize,
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Default)]
struct State {
    /// Rounds some rank has entered and some rank has not yet left, by number.
    rounds: HashMap<u64, Round>,
    /// Ranks that failed, in the order they did.
    failures: Vec<Failed>,
    /// Each rank's exit status once its thread ended normally.
    ended: Vec<Option<u8>>,
    /// Threads still running.
    running: usize,
}

struct Failed {
    rank: usize,
    report: String,
    code: u8,
}

/// One collective: what each rank left, and how many have taken their part.
struct Round {
    signatures: Vec<Vec<u8>>,
    /// `sent[q][r]`: the buffer rank `q` sent to rank `r` (taken by `r`).
    sent: Vec<Vec<Vec<u8>>>,
    arrived: usize,
    left: usize,
}

/// The payload that unwinds a rank's thread when another rank failed first.
struct Stopped;

impl Job {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A rank that panicked holding the lock left consistent data: each update
        // is a few assignments that cannot panic halfway.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn record_failure(&self, rank: usize, report: String, code: u8) {
        self.lock().failures.push(Failed { rank, report, code });
        self.changed.notify_all();
    }
}

/// One rank's view of the job.
pub struct ThreadComm {
    rank: usize,
    job: Arc<Job>,
    /// Collectives this rank has called.
    rounds: Cell<u64>,
}

impl ThreadComm {
    /// Sends `outgoing[q]` to each rank `q` and returns what each rank sent here,
    /// once every rank is at the same step.
    fn exchange(&self, step: Step, outgoing: Vec<Vec<u8>>) -> Result<Vec<Vec<u8>>, Divergence> {
        let (me, size) = (self.rank, self.job.size);
        debug_assert_eq!(outgoing.len(), size);
        super::count_sent(me, outgoing.iter().map(Vec::len));
        let mine = Signature::here(step);
        let number = self.rounds.replace(self.rounds.get() + 1);
        let mut state = self.job.lock();
        let round = state.rounds.entry(number).or_insert_with(|| Round {
            signatures: vec![Vec::new(); size],
            sent: vec![Vec::new(); size],
            arrived: 0,
            left: 0,
        });
        round.signatures[me] = mine.encode().to_vec();
        round.sent[me] = outgoing;
        round.arrived += 1;
        self.job.changed.notify_all();
        while state.rounds[&number].arrived < size {
            if !state.failures.is_empty() {
                drop(state);
                panic::resume_unwind(Box::new(Stopped));
            }
            state = self.job.changed.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
        let round = state.rounds.get_mut(&number).expect("the round every rank entered");
        let signatures = round.signatures.clone();
        let received = round.sent.iter_mut().map(|from| std::mem::take(&mut from[me])).collect();
        round.left += 1;
        if round.left == size {
            state.rounds.remove(&number);
        }
        drop(state);
        agreement::check(me, mine, &signatures)?;
        Ok(received)
    }

    fn collective(&self, step: Step, outgoing: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
        self.exchange(step, outgoing).unwrap_or_else(|divergence| divergence.raise())
    }
}

impl Comm for ThreadComm {
    fn rank(&self) -> usize {
        self.rank
    }

    fn size(&self) -> usize {
        self.job.size
    }

    fn broadcast(&self, root: usize, bytes: &mut Vec<u8>) {
        let outgoing =
            if self.rank == root { vec![bytes.clone(); self.job.size] } else { vec![Vec::new(); self.job.size] };
        *bytes = self.collective(Step::Broadcast { root }, outgoing).swap_remove(root);
    }

    fn all_gather(&self, mine: &[u8]) -> Vec<Vec<u8>> {
        self.collective(Step::AllGather, vec![mine.to_vec(); self.job.size])
    }

    fn all_to_all(&self, outgoing: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
        self.collective(Step::AllToAll, outgoing)
    }

    fn finish(&self) -> Result<(), Divergence> {
        self.exchange(Step::End, vec![Vec::new(); self.job.size]).map(|_| ())
    }

    fn fail(&self, report: &str, code: u8) -> ! {
        self.job.record_failure(self.rank, report.to_string(), code);
        panic::resume_unwind(Box::new(Stopped))
    }
}

/// Runs `rank_main` as a job of `size` ranks, each on a thread of its own with a
/// stack of `stack` bytes and this job as its world; returns the job's exit
/// status (rank 0's), or, when a rank failed, prints that failure's report and
/// returns its status. A panic on a rank (a bug in darr) ends every rank.
pub fn run(size: usize, stack: usize, rank_main: Arc<dyn Fn() -> u8 + Send + Sync>) -> u8 {
    let job = Arc::new(Job {
        size,
        state: Mutex::new(State { ended: vec![None; size], running: size, ..State::default() }),
        changed: Condvar::new(),
    });
    for rank in 0..size {
        let (job, rank_main) = (job.clone(), rank_main.clone());
        let started = std::thread::Builder::new().stack_size(stack).spawn(move || {
            super::join(std::rc::Rc::new(ThreadComm { rank, job: job.clone(), rounds: Cell::new(0) }));
            let outcome = panic::catch_unwind(AssertUnwindSafe(|| rank_main()));
            let mut state = job.lock();
            match outcome {
                Ok(code) => state.ended[rank] = Some(code),
                Err(payload) if payload.is::<Stopped>() => {}
                Err(_) => state.failures.push(Failed {
                    rank,
                    report: format!("darr: internal error on rank {rank}: ending every rank\n"),
                    code: 101,
                }),
            }
            state.running -= 1;
            drop(state);
            job.changed.notify_all();
        });
        if let Err(e) = started {
            eprintln!("darr: cannot start the thread of rank {rank}: {e}");
            std::process::exit(1);
        }
    }
    let mut state = job.lock();
    let mut deadline = None;
    while state.running > 0 {
        if !state.failures.is_empty() {
            let until = *deadline.get_or_insert_with(|| Instant::now() + REPORTS_WAIT);
            let now = Instant::now();
            if now >= until {
                break;
            }
            state = job.changed.wait_timeout(state, until - now).unwrap_or_else(PoisonError::into_inner).0;
        } else {
            state = job.changed.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
    }
    let failed = state.failures.iter().find(|f| f.rank == 0).or(state.failures.first());
    match failed {
        Some(failure) => {
            eprint!("{}", failure.report);
            if state.running > 0 {
                // A rank still computes and will never reach a collective in time:
                // only ending the process stops it.
                std::process::exit(failure.code.into());
            }
            failure.code
        }
        None => state.ended[0].unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job_of(size: usize, rank_main: impl Fn() -> u8 + Send + Sync + 'static) -> u8 {
        run(size, 1 << 20, Arc::new(rank_main))
    }

    #[test]
    fn collectives_deliver_every_ranks_bytes() {
        let code = job_of(3, || {
            let comm = super::super::world();
            let me = comm.rank() as u8;
            let mut bytes = if me == 1 { vec![7, 8] } else { Vec::new() };
            comm.broadcast(1, &mut bytes);
            assert_eq!(bytes, [7, 8]);
            assert_eq!(comm.all_gather(&[me; 2]), [[0, 0], [1, 1], [2, 2]]);
            let outgoing = (0..3).map(|q| vec![me * 10 + q]).collect();
            let received = comm.all_to_all(outgoing);
            assert_eq!(received, (0..3).map(|q| vec![q * 10 + me]).collect::<Vec<_>>());
            comm.finish().map(|()| 0).unwrap_or(9)
        });
        assert_eq!(code, 0);
    }

    #[test]
    fn ranks_at_different_steps_diverge_on_every_rank() {
        let code = job_of(2, || {
            let comm = super::super::world();
            let outcome = agreement::catch(|| {
                if comm.rank() == 0 {
                    comm.all_gather(&[]);
                } else {
                    comm.all_to_all(vec![Vec::new(); 2]);
                }
            });
            match outcome {
                Err(divergence) => 3 + divergence.rank as u8,
                Ok(()) => 0,
            }
        });
        assert_eq!(code, 3, "rank 0 reports the divergence");
    }

    #[test]
    fn a_failure_on_one_rank_ends_the_ranks_waiting_for_it() {
        let code = job_of(3, || {
            let comm = super::super::world();
            if comm.rank() == 2 {
                comm.fail("rank 2 failed\n", 4);
            }
            comm.all_gather(&[]);
            0
        });
        assert_eq!(code, 4);
    }
}
