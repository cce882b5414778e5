//! The C library's heap, where SQLite allocates: giving its free memory back to the system after
//! SQLite connections close.
//!
//! Every SQLite connection runs on a thread of its own, and glibc's allocator serves those
//! threads from several arenas whose freed chunks stay mapped: a connection's schema parse and
//! a migration's statements leave holes that later allocations only partly fill. A process that
//! provisioned a thousand SQLite tenants held some 170 MB more than it used until
//! `malloc_trim` handed the free pages back. So after connections close, one trim runs on a
//! blocking thread, at most once per [`TRIM_DELAY`] however many close meanwhile. Elsewhere
//! than glibc there is nothing to trim.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How long a trim waits after the first connection closed: the closes of a burst (evictions,
/// a batch of provisionings) share one trim, and a node that keeps evicting trims at most this
/// often.
const TRIM_DELAY: Duration = Duration::from_secs(2);

/// The process's heap.
static HEAP: Trimmer = Trimmer::new(trim_c_heap);

/// Notes that SQLite connections closed (or a migration finished), so that the heap's free
/// memory is given back once [`TRIM_DELAY`] has passed.
pub(crate) fn released() {
    HEAP.released();
}

/// Trims, one per burst of releases.
struct Trimmer {
    trim: fn(),
    /// A trim is scheduled and has not started.
    due: AtomicBool,
}

impl Trimmer {
    const fn new(trim: fn()) -> Trimmer {
        Trimmer {
            trim,
            due: AtomicBool::new(false),
        }
    }

    /// Schedules a trim unless one is due. Needs a Tokio runtime; without one (a connection
    /// dropped at shutdown) it does nothing.
    fn released(&'static self) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if self.due.swap(true, Ordering::AcqRel) {
            return;
        }
        // Cleared when the trim starts, or when the task is dropped before (a runtime shutting
        // down): a flag left set would skip every later trim.
        let due = Due(&self.due);
        runtime.spawn(async move {
            tokio::time::sleep(TRIM_DELAY).await;
            drop(due);
            let begun = std::time::Instant::now();
            // A trim that panicked has nothing to report: the heap stays as it was.
            let _ = tokio::task::spawn_blocking(self.trim).await;
            tracing::debug!(
                elapsed_ms = begun.elapsed().as_millis() as u64,
                "gave the C heap's free memory back"
            );
        });
    }
}

/// A scheduled trim's claim on [`Trimmer::due`], given up when dropped.
struct Due(&'static AtomicBool);

impl Drop for Due {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

fn trim_c_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` walks the allocator's arenas under their locks and releases only
    // pages no allocation uses; any thread may call it at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU64;

    /// Lets the delay pass (in the test's paused time), then waits for the trim, which runs on
    /// a real blocking thread, to have run `n` times in all.
    async fn trims_after_the_delay(trims: &AtomicU64, n: u64) -> u64 {
        tokio::time::sleep(TRIM_DELAY).await;
        for _ in 0..5000 {
            if trims.load(Ordering::Relaxed) >= n {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
            tokio::task::yield_now().await;
        }
        trims.load(Ordering::Relaxed)
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_of_releases_trims_once_after_the_delay() {
        static TRIMS_RUN: AtomicU64 = AtomicU64::new(0);
        static HEAP: Trimmer = Trimmer::new(|| {
            TRIMS_RUN.fetch_add(1, Ordering::Relaxed);
        });
        for _ in 0..100 {
            HEAP.released();
        }
        tokio::time::sleep(TRIM_DELAY / 2).await;
        assert_eq!(
            TRIMS_RUN.load(Ordering::Relaxed),
            0,
            "trimmed before the delay"
        );
        assert_eq!(trims_after_the_delay(&TRIMS_RUN, 1).await, 1);
        // Nothing else runs: the burst had one trim.
        tokio::time::sleep(TRIM_DELAY * 2).await;
        assert_eq!(
            TRIMS_RUN.load(Ordering::Relaxed),
            1,
            "one trim for the burst"
        );

        // Releases after the trim began schedule the next one.
        HEAP.released();
        assert_eq!(trims_after_the_delay(&TRIMS_RUN, 2).await, 2);
    }

    #[test]
    fn a_trim_dropped_with_its_runtime_does_not_block_the_next() {
        static HEAP: Trimmer = Trimmer::new(|| {});
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a runtime");
        runtime.block_on(async { HEAP.released() });
        assert!(HEAP.due.load(Ordering::Relaxed));
        drop(runtime);
        assert!(
            !HEAP.due.load(Ordering::Relaxed),
            "a dropped trim still blocks the next"
        );
    }

    #[test]
    fn without_a_runtime_a_release_schedules_nothing() {
        static HEAP: Trimmer = Trimmer::new(|| {});
        HEAP.released();
        assert!(!HEAP.due.load(Ordering::Relaxed));
    }
}
