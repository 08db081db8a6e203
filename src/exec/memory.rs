//! The allocator the `darr` binary uses: mimalloc for small blocks (graph nodes,
//! shapes, plans, small arrays: a loop of small operations makes dozens per
//! iteration, and mimalloc's are several times cheaper than glibc's), and the
//! system allocator for the rest (array buffers). Large blocks:
//! - they are advised to use transparent huge pages, as NumPy does: touching a
//!   fresh 160 MB output otherwise costs 40,000 page faults, more time than the
//!   kernel that fills it;
//! - a few freed ones are kept and handed out again for the same size, so a loop
//!   that makes a full-size temporary each iteration reuses one buffer instead of
//!   getting fresh (page-faulting, kernel-zeroed) memory every time.

use std::alloc::{GlobalAlloc, Layout, System};

use mimalloc::MiMalloc;
use std::sync::Mutex;

/// Blocks at least this large are advised (NumPy uses the same 4 MiB).
const LARGE: usize = 4 << 20;
const HUGE_PAGE: usize = 2 << 20;

pub struct LargePageAlloc;

/// How many freed large blocks are kept, and how many bytes at most.
const KEPT_BLOCKS: usize = 8;
const KEPT_BYTES: usize = 1 << 30;

#[derive(Clone, Copy)]
struct Block {
    ptr: usize,
    size: usize,
    align: usize,
}

static KEPT: Mutex<[Option<Block>; KEPT_BLOCKS]> = Mutex::new([None; KEPT_BLOCKS]);

/// A kept block of exactly this layout, if there is one.
fn reuse(layout: Layout) -> Option<*mut u8> {
    let mut kept = KEPT.lock().ok()?;
    let slot =
        kept.iter_mut().find(|b| matches!(b, Some(b) if b.size == layout.size() && b.align == layout.align()))?;
    slot.take().map(|b| b.ptr as *mut u8)
}

/// Keeps a freed block for reuse; false when there is no room (the caller frees
/// it). The oldest is not evicted: a loop reuses what it freed last iteration.
fn keep(ptr: *mut u8, layout: Layout) -> bool {
    let Ok(mut kept) = KEPT.lock() else { return false };
    let held: usize = kept.iter().flatten().map(|b| b.size).sum();
    if held + layout.size() > KEPT_BYTES {
        return false;
    }
    match kept.iter_mut().find(|b| b.is_none()) {
        Some(slot) => {
            *slot = Some(Block { ptr: ptr as usize, size: layout.size(), align: layout.align() });
            true
        }
        None => false,
    }
}

fn advise(ptr: *mut u8, size: usize) {
    if ptr.is_null() || size < LARGE {
        return;
    }
    let start = (ptr as usize).next_multiple_of(HUGE_PAGE);
    let end = (ptr as usize + size) / HUGE_PAGE * HUGE_PAGE;
    if end > start {
        // SAFETY: the range lies inside a block just allocated; the advice only
        // changes how the kernel backs it, and failure is harmless.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
        }
    }
}

/// Blocks smaller than this come from mimalloc. Small enough that array
/// buffers do not: mimalloc keeps freed pages for reuse a while, which for
/// megabyte buffers freed on one thread and needed on another doubled the peak
/// memory of whole programs (k-means: 61 MB -> 115 MB).
const SMALL: usize = 32 << 10;

/// Which allocator owns blocks of `size` bytes: the size alone decides, and
/// `dealloc` gets the size `alloc` was asked for, so each block is freed by
/// the allocator that made it.
fn is_small(size: usize) -> bool {
    size < SMALL
}

// SAFETY: every call forwards to `MiMalloc` (small blocks) or `System` (the
// rest) with the same arguments, chosen by size alone so a block always goes
// back to the allocator it came from; a reallocation that crosses the size
// boundary moves the block. `advise` only gives the kernel a hint about memory
// this allocator just handed out.
unsafe impl GlobalAlloc for LargePageAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if is_small(layout.size()) {
            return unsafe { MiMalloc.alloc(layout) };
        }
        if layout.size() >= LARGE {
            if let Some(ptr) = reuse(layout) {
                return ptr;
            }
        }
        let ptr = unsafe { System.alloc(layout) };
        advise(ptr, layout.size());
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if is_small(layout.size()) {
            return unsafe { MiMalloc.alloc_zeroed(layout) };
        }
        let ptr = unsafe { System.alloc_zeroed(layout) };
        advise(ptr, layout.size());
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if is_small(layout.size()) {
            return unsafe { MiMalloc.dealloc(ptr, layout) };
        }
        if layout.size() >= LARGE && keep(ptr, layout) {
            return;
        }
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        match (is_small(layout.size()), is_small(new_size)) {
            (true, true) => unsafe { MiMalloc.realloc(ptr, layout, new_size) },
            (false, false) => {
                let ptr = unsafe { System.realloc(ptr, layout, new_size) };
                advise(ptr, new_size);
                ptr
            }
            _ => {
                // Crossing the boundary: a new block from the other allocator.
                // SAFETY: `new_size` is non-zero and the alignment valid (the
                // caller's contract); the old block is valid for its size.
                let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
                let new = unsafe { self.alloc(new_layout) };
                if !new.is_null() {
                    unsafe {
                        std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                        self.dealloc(ptr, layout);
                    }
                }
                new
            }
        }
    }
}
