//! Keeping the ranks in step. Every rank must call the same collectives in the
//! same order (SPMD), but a script whose control flow depends on `rank()` can break
//! that (`if rank() == 0 { print(sum(a)) }`), and MPI would then hang or pair up the
//! wrong messages. So before each collective every rank tells every other one which
//! step it is at: the kind of collective and the statement being run. All ranks see
//! the same signatures, so when one differs every rank stops, with the same
//! diagnostic, instead of waiting for ever. The signature also carries a digest of
//! the shapes of the split arrays made since the last step (`note_shape`): ranks
//! that made arrays of different shapes (`rand(100 + rank())`) would otherwise
//! exchange rows that do not fit together.
//!
//! A divergence is found deep inside array evaluation, where errors have no path
//! back to the interpreter, so it unwinds to the session (`raise`, `catch`), the
//! way rustc's `FatalError::raise` does: `resume_unwind` runs no panic hook, so no
//! panic message is printed.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};

use crate::diag::{Code, Diag};
use crate::syntax::{FileId, Span};

thread_local! {
    /// The statement this rank is running, for signatures.
    static SITE: Cell<Option<Span>> = const { Cell::new(None) };
    /// The digest of the shapes of split arrays made since the last step.
    static SHAPES: Cell<u64> = const { Cell::new(0) };
}

/// Records that this rank made a split array of `shape`; the next step checks
/// that every rank made the same shapes.
pub fn note_shape(shape: &[usize]) {
    // FNV-1a over the dimensions, continued from the digest so far: the same on
    // every rank for the same shapes in the same order.
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut digest = SHAPES.with(Cell::get) ^ 0xcbf2_9ce4_8422_2325;
    for &d in shape.iter().chain([&usize::MAX]) {
        for byte in (d as u64).to_le_bytes() {
            digest = (digest ^ u64::from(byte)).wrapping_mul(PRIME);
        }
    }
    SHAPES.with(|s| s.set(digest));
}

/// Records that this rank now runs the statement at `span`; returns the one it
/// ran before, for `restore_site` once the statement's block ends.
pub fn enter_site(span: Span) -> Option<Span> {
    SITE.with(|s| s.replace(Some(span)))
}

pub fn restore_site(previous: Option<Span>) {
    SITE.with(|s| s.set(previous));
}

/// The kinds of collective step (what MPI must match exactly).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Broadcast {
        root: usize,
    },
    AllGather,
    AllToAll,
    /// The run ended on this rank.
    End,
}

/// Where a rank is: its step, its statement, and the digest of the shapes of the
/// split arrays it made since its last step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signature {
    pub step: Step,
    pub site: Option<Span>,
    pub shapes: u64,
}

/// The length of an encoded signature: kind, root, file, start, end, shapes.
pub const SIGNATURE_LEN: usize = 25;

impl Signature {
    /// This rank's signature for `step`, at the statement it is running; the
    /// shapes are then checked, so the digest starts again.
    pub fn here(step: Step) -> Signature {
        Signature { step, site: SITE.with(Cell::get), shapes: SHAPES.with(|s| s.replace(0)) }
    }

    pub fn encode(&self) -> [u8; SIGNATURE_LEN] {
        let (kind, root) = match self.step {
            Step::Broadcast { root } => (0u8, root as u32),
            Step::AllGather => (1, 0),
            Step::AllToAll => (2, 0),
            Step::End => (3, 0),
        };
        let (file, start, end) = match self.site {
            Some(s) => (s.file.0, s.start, s.end),
            None => (u32::MAX, 0, 0),
        };
        let mut out = [0u8; SIGNATURE_LEN];
        out[0] = kind;
        for (i, word) in [root, file, start, end].into_iter().enumerate() {
            out[1 + 4 * i..5 + 4 * i].copy_from_slice(&word.to_le_bytes());
        }
        out[17..].copy_from_slice(&self.shapes.to_le_bytes());
        out
    }

    pub fn decode(bytes: &[u8]) -> Option<Signature> {
        if bytes.len() != SIGNATURE_LEN {
            return None;
        }
        let word = |i: usize| u32::from_le_bytes(bytes[1 + 4 * i..5 + 4 * i].try_into().expect("four bytes"));
        let step = match bytes[0] {
            0 => Step::Broadcast { root: word(0) as usize },
            1 => Step::AllGather,
            2 => Step::AllToAll,
            3 => Step::End,
            _ => return None,
        };
        let site = (word(1) != u32::MAX).then(|| Span { file: FileId(word(1)), start: word(2), end: word(3) });
        let shapes = u64::from_le_bytes(bytes[17..].try_into().expect("eight bytes"));
        Some(Signature { step, site, shapes })
    }
}

/// Ranks found at different steps, seen from this rank.
#[derive(Clone, Debug, PartialEq)]
pub struct Divergence {
    pub rank: usize,
    pub mine: Signature,
    /// The lowest rank whose signature differs from this one's.
    pub other_rank: usize,
    pub other: Option<Signature>,
}

/// Checks every rank's encoded signature (in rank order) against this rank's.
pub fn check(rank: usize, mine: Signature, all: &[Vec<u8>]) -> Result<(), Divergence> {
    for (q, bytes) in all.iter().enumerate() {
        let theirs = Signature::decode(bytes);
        if theirs != Some(mine) {
            return Err(Divergence { rank, mine, other_rank: q, other: theirs });
        }
    }
    Ok(())
}

impl Divergence {
    /// Ends this rank's evaluation: unwinds to the nearest `catch`.
    pub fn raise(self) -> ! {
        panic::resume_unwind(Box::new(self))
    }

    pub fn to_diag(&self) -> Diag {
        let (me, them) = (self.rank, self.other_rank);
        let where_they_are = match self.other.map(|s| s.step) {
            Some(Step::End) => "has finished the program".to_string(),
            Some(_) => "is at a different step".to_string(),
            None => "sent an unreadable signature".to_string(),
        };
        let where_i_am = match self.mine.step {
            Step::End => "has finished the program".to_string(),
            _ => "needs every rank to take part in a step".to_string(),
        };
        let same_place = self.other.is_some_and(|o| o.step == self.mine.step && o.site == self.mine.site);
        let message = if same_place {
            format!(
                "the ranks made distributed arrays of different shapes: rank {me} and rank {them} disagree on \
                 the shape of an array made before this statement's step"
            )
        } else {
            format!("the ranks took different paths: rank {me} {where_i_am}, but rank {them} {where_they_are}")
        };
        let mut labels = Vec::new();
        match (self.mine.site, self.other.and_then(|s| s.site)) {
            (Some(site), Some(_)) if same_place => labels.push((site, "every rank is here".to_string())),
            (mine, theirs) => {
                labels.extend(mine.map(|site| (site, format!("rank {me} is here"))));
                labels.extend(theirs.map(|site| (site, format!("rank {them} is here"))));
            }
        }
        let mut diag = Diag::without_span(Code::Dist, message);
        for (span, text) in labels {
            diag = diag.with_label(span, text);
        }
        diag.with_help(
            "every rank runs the whole program, and computing with distributed arrays needs all of them: \
             keep array work out of branches on `rank()`, and array shapes independent of it (output is \
             already written by rank 0 alone)",
        )
    }
}

/// Runs `f`, turning a divergence raised inside it into an error.
pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, Divergence> {
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(value) => Ok(value),
        Err(payload) => match payload.downcast::<Divergence>() {
            Ok(divergence) => Err(*divergence),
            Err(other) => panic::resume_unwind(other),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(step: Step, start: u32) -> Signature {
        Signature { step, site: Some(Span { file: FileId(0), start, end: start + 5 }), shapes: 0 }
    }

    #[test]
    fn signatures_round_trip() {
        for sig in [
            at(Step::Broadcast { root: 3 }, 7),
            at(Step::AllGather, 0),
            at(Step::AllToAll, 12),
            Signature { step: Step::End, site: None, shapes: 0 },
        ] {
            assert_eq!(Signature::decode(&sig.encode()), Some(sig));
        }
        assert_eq!(Signature::decode(&[9; SIGNATURE_LEN]), None);
        assert_eq!(Signature::decode(&[1; 3]), None);
    }

    #[test]
    fn the_first_differing_rank_is_named() {
        let mine = at(Step::AllGather, 10);
        let same = mine.encode().to_vec();
        assert_eq!(check(0, mine, &[same.clone(), same.clone()]), Ok(()));
        let ended = Signature { step: Step::End, site: None, shapes: 0 };
        let all = [same.clone(), same.clone(), ended.encode().to_vec(), at(Step::AllToAll, 10).encode().to_vec()];
        let found = check(1, mine, &all).unwrap_err();
        assert_eq!((found.other_rank, found.other), (2, Some(ended)));
        // The same statement at another kind of step differs too.
        assert!(check(0, mine, &[same.clone(), at(Step::AllToAll, 10).encode().to_vec()]).is_err());
        // And the same step after making arrays of other shapes.
        let other_shapes = Signature { shapes: 7, ..mine };
        let found = check(0, mine, &[same, other_shapes.encode().to_vec()]).unwrap_err();
        assert!(found.to_diag().message.contains("different shapes"), "{}", found.to_diag().message);
    }

    #[test]
    fn shape_digests_tell_shapes_and_their_order_apart() {
        let digest = |shapes: &[&[usize]]| {
            SHAPES.with(|s| s.set(0));
            shapes.iter().for_each(|shape| note_shape(shape));
            Signature::here(Step::AllGather).shapes
        };
        assert_eq!(digest(&[&[100], &[3, 4]]), digest(&[&[100], &[3, 4]]));
        assert_ne!(digest(&[&[100]]), digest(&[&[101]]));
        assert_ne!(digest(&[&[100], &[3, 4]]), digest(&[&[3, 4], &[100]]));
        assert_ne!(digest(&[&[12]]), digest(&[&[3, 4]]));
        // Taking the signature starts the digest again.
        assert_eq!(digest(&[]), 0);
    }

    #[test]
    fn a_raised_divergence_is_caught_as_an_error() {
        let divergence = Divergence {
            rank: 0,
            mine: at(Step::AllGather, 4),
            other_rank: 1,
            other: Some(Signature { step: Step::End, site: None, shapes: 0 }),
        };
        let expected = divergence.clone();
        assert_eq!(catch(|| -> u32 { divergence.raise() }), Err(expected));
        assert_eq!(catch(|| 5), Ok(5));
        let diag = check(0, at(Step::AllGather, 4), &[vec![0; 2]]).unwrap_err().to_diag();
        assert_eq!(diag.code, Code::Dist);
        assert!(diag.message.contains("rank 0 needs every rank"), "{}", diag.message);
    }
}
