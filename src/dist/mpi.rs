//! The MPI job (cargo feature `mpi`).
//!
//! Collectives are started non-blocking and waited for by polling, and while a rank
//! polls it also watches for a failure message. That is how an error on one rank
//! ends the job without a hang:
//!
//! - a rank other than 0 that fails sends its rendered diagnostic to rank 0 and
//!   waits for rank 0's verdict;
//! - rank 0, when it fails itself or hears of a failure while waiting in any
//!   collective, prints that one diagnostic, then waits briefly for the other ranks'
//!   reports. If every rank reported (the usual case: every rank runs the same
//!   program and meets the same error), it tells them to exit and all end cleanly
//!   with the error's status; otherwise it aborts the job, which ends the ranks
//!   still running.
//! - a failed rank that hears nothing from rank 0 for a long time prints its own
//!   diagnostic and aborts the job.

use std::time::{Duration, Instant};

use mpi::datatype::{Partition, PartitionMut};
use mpi::environment::Universe;
use mpi::point_to_point::MatchedReceiveVec;
use mpi::request::Request;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use mpi::Count;

use super::agreement::{self, Divergence, Signature, Step, SIGNATURE_LEN};
use super::Comm;

/// A rank's rendered diagnostic, sent to rank 0.
const TAG_FAILED: i32 = 7001;
/// Rank 0's verdict to a failed rank: every rank failed, exit with the status sent.
const TAG_EXIT: i32 = 7002;

/// How long rank 0 waits for the other ranks' reports once one rank failed.
const REPORTS_WAIT: Duration = Duration::from_secs(1);
/// How long a failed rank waits for rank 0's verdict before ending the job itself.
const VERDICT_WAIT: Duration = Duration::from_secs(60);

pub struct MpiComm {
    world: SimpleCommunicator,
}

impl MpiComm {
    /// Initializes MPI (one process without `mpiexec` is a job of one rank).
    pub fn start() -> (MpiComm, Universe) {
        let universe = mpi::initialize().unwrap_or_else(|| {
            eprintln!("darr: MPI could not be initialized");
            std::process::exit(1)
        });
        (MpiComm { world: universe.world() }, universe)
    }

    /// Every rank's signature for `step`: an error when some rank is elsewhere.
    fn agree(&self, step: Step) -> Result<(), Divergence> {
        let mine = Signature::here(step);
        let encoded = mine.encode();
        let mut all = vec![0u8; SIGNATURE_LEN * self.world.size() as usize];
        mpi::request::scope(|scope| self.wait(self.world.immediate_all_gather_into(scope, &encoded[..], &mut all[..])));
        let all: Vec<Vec<u8>> = all.chunks(SIGNATURE_LEN).map(<[u8]>::to_vec).collect();
        agreement::check(self.world.rank() as usize, mine, &all)
    }

    /// The bytes of one message in one round: every rank's together fit one call.
    fn piece_len(&self) -> usize {
        (round_bytes() / self.world.size() as usize).max(1)
    }

    /// Enters `step`, or stops this rank's evaluation when the ranks diverged.
    fn enter(&self, step: Step) {
        if let Err(divergence) = self.agree(step) {
            divergence.raise()
        }
    }

    /// Waits for `request`, watching for failures meanwhile.
    fn wait<'a, D: ?Sized, S: mpi::request::Scope<'a>>(&self, mut request: Request<'a, D, S>) {
        // Yield for the first moments (most collectives finish within microseconds),
        // then sleep a little longer each time, so a rank waiting for a slow one
        // leaves the core to it.
        let started = Instant::now();
        let mut pause = Duration::from_micros(20);
        loop {
            match request.test() {
                Ok(_) => return,
                Err(pending) => request = pending,
            }
            self.watch_for_failures();
            if started.elapsed() < Duration::from_micros(200) {
                std::thread::yield_now();
            } else {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_micros(500));
            }
        }
    }

    /// On rank 0: a failure report from another rank ends the job.
    fn watch_for_failures(&self) {
        if self.world.rank() != 0 {
            return;
        }
        if let Some(probed) = self.world.any_process().immediate_matched_probe_with_tag(TAG_FAILED) {
            let (report, status) = probed.matched_receive_vec::<u8>();
            // This rank is inside a collective the failed rank will never join.
            self.end_job(&String::from_utf8_lossy(&report), 1, vec![status.source_rank()], true);
        }
    }

    /// Rank 0: prints the one report, collects the others' and ends every rank.
    /// `in_collective`: this rank waits in a collective that cannot complete, so
    /// MPI cannot be finalized cleanly here.
    fn end_job(&self, report: &str, code: u8, mut reported: Vec<i32>, in_collective: bool) -> ! {
        eprint!("{report}");
        let others = self.world.size() as usize - 1;
        let deadline = Instant::now() + REPORTS_WAIT;
        while reported.len() < others && Instant::now() < deadline {
            match self.world.any_process().immediate_matched_probe_with_tag(TAG_FAILED) {
                Some(probed) => {
                    let (_, status) = probed.matched_receive_vec::<u8>();
                    reported.push(status.source_rank());
                }
                None => std::thread::sleep(Duration::from_millis(1)),
            }
        }
        if reported.len() < others || in_collective {
            // Some rank is still running (or waiting in a collective this rank will
            // never join): only aborting the job ends it.
            self.world.abort(code.into());
        }
        for &rank in &reported {
            self.world.process_at_rank(rank).send_with_tag(&[code], TAG_EXIT);
        }
        finalize_and_exit(code)
    }
}

/// The most bytes one MPI call may move: its counts and displacements are 32-bit
/// (`Count`), so larger exchanges run in rounds. `DARR_MPI_ROUND_BYTES` lowers it,
/// so that tests exercise several rounds with small arrays.
fn round_bytes() -> usize {
    static LIMIT: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *LIMIT.get_or_init(|| {
        let most = Count::MAX as usize;
        std::env::var("DARR_MPI_ROUND_BYTES")
            .ok()
            .and_then(|v| v.parse().ok())
            .map_or(most, |n: usize| n.clamp(1, most))
    })
}

/// How many rounds move messages of these lengths, `piece` bytes of each a round.
fn rounds(lens: &[usize], piece: usize) -> usize {
    lens.iter().map(|&n| n.div_ceil(piece)).max().unwrap_or(0)
}

/// How many bytes of a message of `len` bytes move in round `round`.
fn in_round(len: usize, round: usize, piece: usize) -> usize {
    len.saturating_sub(round * piece).min(piece)
}

/// Where each block starts when blocks of these counts are laid end to end.
fn offsets(counts: &[Count]) -> Vec<Count> {
    counts.iter().scan(0, |at, &n| Some(std::mem::replace(at, *at + n))).collect()
}

/// Ends this process after MPI_Finalize (a process that exits without it makes
/// `mpiexec` report an abnormal end).
fn finalize_and_exit(code: u8) -> ! {
    // SAFETY: called once, at the very end; no MPI object is used afterwards.
    unsafe {
        mpi::ffi::MPI_Finalize();
    }
    std::process::exit(code.into())
}

impl Comm for MpiComm {
    fn rank(&self) -> usize {
        self.world.rank() as usize
    }

    fn size(&self) -> usize {
        self.world.size() as usize
    }

    fn broadcast(&self, root: usize, bytes: &mut Vec<u8>) {
        self.enter(Step::Broadcast { root });
        let (size, me) = (self.world.size() as usize, self.world.rank() as usize);
        if me == root {
            super::count_sent(me, vec![bytes.len(); size]);
        }
        let root = self.world.process_at_rank(root as i32);
        let mut len = [bytes.len() as u64];
        mpi::request::scope(|scope| self.wait(root.immediate_broadcast_into(scope, &mut len[..])));
        bytes.resize(len[0] as usize, 0);
        // In pieces that MPI's 32-bit counts can describe (none when empty: MPI
        // rejects the dangling pointer of an empty buffer).
        for piece in bytes.chunks_mut(self.piece_len()) {
            mpi::request::scope(|scope| self.wait(root.immediate_broadcast_into(scope, piece)));
        }
    }

    fn all_gather(&self, mine: &[u8]) -> Vec<Vec<u8>> {
        self.enter(Step::AllGather);
        let size = self.world.size() as usize;
        super::count_sent(self.world.rank() as usize, vec![mine.len(); size]);
        let mut lens = vec![0u64; size];
        let my_len = [mine.len() as u64];
        mpi::request::scope(|scope| self.wait(self.world.immediate_all_gather_into(scope, &my_len[..], &mut lens[..])));
        let lens: Vec<usize> = lens.iter().map(|&n| n as usize).collect();
        let piece = self.piece_len();
        let mut gathered: Vec<Vec<u8>> = lens.iter().map(|&n| Vec::with_capacity(n)).collect();
        for round in 0..rounds(&lens, piece) {
            let counts: Vec<Count> = lens.iter().map(|&n| in_round(n, round, piece) as Count).collect();
            let displs = offsets(&counts);
            let at = (round * piece).min(mine.len());
            // One spare byte: MPI rejects the dangling pointer of an empty buffer.
            let padded = [&mine[at..at + in_round(mine.len(), round, piece)], &[0]].concat();
            let mut all = vec![0u8; counts.iter().sum::<Count>() as usize + 1];
            {
                let mut partition = PartitionMut::new(&mut all[..], &counts[..], &displs[..]);
                let sent = &padded[..padded.len() - 1];
                mpi::request::scope(|scope| {
                    self.wait(self.world.immediate_all_gather_varcount_into(scope, sent, &mut partition))
                });
            }
            for (q, received) in gathered.iter_mut().enumerate() {
                received.extend_from_slice(&all[displs[q] as usize..(displs[q] + counts[q]) as usize]);
            }
        }
        gathered
    }

    fn all_to_all(&self, outgoing: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
        self.enter(Step::AllToAll);
        let (size, me) = (self.world.size() as usize, self.world.rank() as usize);
        super::count_sent(me, outgoing.iter().map(Vec::len));
        // Every rank's send lengths, on every rank: row q is what rank q sends.
        let send_lens: Vec<u64> = outgoing.iter().map(|b| b.len() as u64).collect();
        let mut matrix = vec![0u64; size * size];
        mpi::request::scope(|scope| {
            self.wait(self.world.immediate_all_gather_into(scope, &send_lens[..], &mut matrix[..]))
        });
        let matrix: Vec<usize> = matrix.iter().map(|&n| n as usize).collect();
        let recv_lens: Vec<usize> = (0..size).map(|q| matrix[q * size + me]).collect();
        let piece = self.piece_len();
        let mut received: Vec<Vec<u8>> = recv_lens.iter().map(|&n| Vec::with_capacity(n)).collect();
        for round in 0..rounds(&matrix, piece) {
            let send_counts: Vec<Count> = outgoing.iter().map(|b| in_round(b.len(), round, piece) as Count).collect();
            let recv_counts: Vec<Count> = recv_lens.iter().map(|&n| in_round(n, round, piece) as Count).collect();
            let (send_displs, recv_displs) = (offsets(&send_counts), offsets(&recv_counts));
            let mut send: Vec<u8> = Vec::with_capacity(send_counts.iter().sum::<Count>() as usize + 1);
            for (bytes, &count) in outgoing.iter().zip(&send_counts) {
                let at = (round * piece).min(bytes.len());
                send.extend_from_slice(&bytes[at..at + count as usize]);
            }
            // One spare byte each: MPI rejects the dangling pointer of an empty buffer.
            send.push(0);
            let mut recv = vec![0u8; recv_counts.iter().sum::<Count>() as usize + 1];
            {
                let partition = Partition::new(&send[..], &send_counts[..], &send_displs[..]);
                let mut into = PartitionMut::new(&mut recv[..], &recv_counts[..], &recv_displs[..]);
                mpi::request::scope(|scope| {
                    self.wait(self.world.immediate_all_to_all_varcount_into(scope, &partition, &mut into))
                });
            }
            for (q, bytes) in received.iter_mut().enumerate() {
                bytes.extend_from_slice(&recv[recv_displs[q] as usize..(recv_displs[q] + recv_counts[q]) as usize]);
            }
        }
        received
    }

    fn finish(&self) -> Result<(), Divergence> {
        // Gathering every rank's signature waits for all of them, as a barrier.
        self.agree(Step::End)
    }

    fn fail(&self, report: &str, code: u8) -> ! {
        if self.world.rank() == 0 {
            self.end_job(report, code, Vec::new(), false);
        }
        let root = self.world.process_at_rank(0);
        root.send_with_tag(report.as_bytes(), TAG_FAILED);
        let deadline = Instant::now() + VERDICT_WAIT;
        while Instant::now() < deadline {
            if let Some(probed) = root.immediate_matched_probe_with_tag(TAG_EXIT) {
                let (verdict, _) = probed.matched_receive_vec::<u8>();
                finalize_and_exit(verdict.first().copied().unwrap_or(code));
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        eprint!("{report}");
        self.world.abort(code.into())
    }
}
