//! Self-relock detection for [`Mutex`](crate::Mutex) in debug builds: re-locking a mutex on
//! the thread that holds it panics, naming the lock, instead of hanging forever.
//!
//! With `debug_assertions` on, each mutex keeps one word saying which thread holds it: the
//! holder writes its thread number after every acquisition and clears it before the unlock.
//! Only a thread whose blocking acquisition found the lock taken reads it (the fast path's
//! compare-and-swap failed): if the holder is the reading thread itself, the wait could never
//! end. The word is written only by the thread that holds the lock, and each thread compares
//! only against its own number, which it never sees stale (a thread always observes its own
//! latest write), so `Relaxed` suffices and there are no false reports.
//!
//! In release builds [`Owner`] and [`OwnerMark`] are zero-sized and every hook is an empty
//! inline function: the mutex, its guard and its lock path are exactly what they are without
//! this module. Under `--cfg selvedge_loom` it is off too (loom would explore the diagnostic
//! word's interleavings for nothing). With feature `lock-order` the checker reports the
//! self-relock first, before blocking, in any build.

/// Whether this build records mutex holders (`debug_assertions`, not under loom).
pub(crate) const CHECKED: bool = cfg!(all(debug_assertions, not(selvedge_loom)));

#[cfg(all(debug_assertions, not(selvedge_loom)))]
pub(crate) use checked::{Owner, OwnerMark};
#[cfg(not(all(debug_assertions, not(selvedge_loom))))]
pub(crate) use unchecked::{Owner, OwnerMark};

/// Release builds: nothing recorded, nothing checked.
#[cfg(not(all(debug_assertions, not(selvedge_loom))))]
mod unchecked {
    use std::marker::PhantomData;
    use std::panic::Location;

    use crate::meta::LockMeta;

    /// Zero-sized: the mutex pays nothing for it.
    #[derive(Debug, Default)]
    pub(crate) struct Owner;

    /// Zero-sized, without `Drop`: the guard pays nothing for it.
    #[derive(Debug)]
    pub(crate) struct OwnerMark<'a>(PhantomData<&'a Owner>);

    impl Owner {
        pub(crate) const fn new() -> Self {
            Self
        }

        #[inline(always)]
        pub(crate) fn check_not_mine(&self, _: &LockMeta, _: &'static Location<'static>) {}

        #[inline(always)]
        pub(crate) fn acquired(&self) -> OwnerMark<'_> {
            OwnerMark(PhantomData)
        }

        #[cfg(feature = "arc_lock")]
        #[inline(always)]
        pub(crate) fn released(&self) {}

        #[cfg(feature = "arc_lock")]
        #[inline(always)]
        pub(crate) fn retaken(&self) {}
    }

    impl OwnerMark<'_> {
        #[inline(always)]
        pub(crate) fn reacquired(&self) {}

        #[inline(always)]
        pub(crate) fn released(&self) {}
    }

    // The promise of this module, checked by the compiler in every release build.
    const _: () = assert!(
        size_of::<Owner>() == 0
            && size_of::<OwnerMark<'static>>() == 0
            && !std::mem::needs_drop::<OwnerMark<'static>>()
    );
}

/// Debug builds: the holder's thread number, checked when an acquisition must wait.
#[cfg(all(debug_assertions, not(selvedge_loom)))]
mod checked {
    use std::cell::Cell;
    use std::panic::Location;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use crate::meta::LockMeta;

    /// No thread holds the lock (or the holder could not be named, during thread teardown).
    const NOBODY: usize = 0;

    /// Thread numbers are handed out once and never reused (unlike thread-local addresses or
    /// OS thread ids), so a lock leaked by an exited thread is never blamed on a new one.
    static NEXT_THREAD: AtomicUsize = AtomicUsize::new(1);

    thread_local! {
        static THIS_THREAD: Cell<usize> = const { Cell::new(NOBODY) };
    }

    /// This thread's number, or [`NOBODY`] in a thread-local destructor run after
    /// `THIS_THREAD` is gone (`Cell<usize>` has no destructor, so that cannot happen today;
    /// `try_with` keeps a teardown from aborting if it ever does).
    fn this_thread() -> usize {
        THIS_THREAD
            .try_with(|id| {
                if id.get() == NOBODY {
                    id.set(NEXT_THREAD.fetch_add(1, Ordering::Relaxed));
                }
                id.get()
            })
            .unwrap_or(NOBODY)
    }

    /// Which thread holds the mutex.
    #[derive(Debug, Default)]
    pub(crate) struct Owner {
        thread: AtomicUsize,
    }

    /// Held by a guard: clears its mutex's [`Owner`] when the guard drops. It must be declared
    /// before the lock's own guard, so that it drops, and clears, while the lock is still held.
    #[derive(Debug)]
    pub(crate) struct OwnerMark<'a> {
        owner: &'a Owner,
    }

    impl Owner {
        pub(crate) const fn new() -> Self {
            Self {
                thread: AtomicUsize::new(NOBODY),
            }
        }

        /// Called only when a blocking acquisition found the lock taken.
        #[cold]
        #[inline(never)]
        pub(crate) fn check_not_mine(&self, meta: &LockMeta, site: &'static Location<'static>) {
            let me = this_thread();
            if me != NOBODY && self.thread.load(Ordering::Relaxed) == me {
                panic!(
                    "self-deadlock: mutex `{}` is already held by this thread; locking it again \
                     at {site} would block forever. Use the guard you hold, or a \
                     ReentrantMutex for re-entrant calls (reported in debug builds)",
                    meta.name()
                );
            }
        }

        /// Records this thread as the holder; the lock has just been acquired.
        #[inline]
        pub(crate) fn acquired(&self) -> OwnerMark<'_> {
            self.thread.store(this_thread(), Ordering::Relaxed);
            OwnerMark { owner: self }
        }

        /// The holder released a lock whose mark was forgotten (an `Arc` guard, which outlives
        /// any borrow of the mutex, keeps no mark).
        #[cfg(feature = "arc_lock")]
        pub(crate) fn released(&self) {
            self.thread.store(NOBODY, Ordering::Relaxed);
        }

        /// The holder whose mark was forgotten took the lock back (an `Arc` guard's `bump`
        /// or `unlocked`), and another holder may have cleared the word meanwhile.
        #[cfg(feature = "arc_lock")]
        pub(crate) fn retaken(&self) {
            self.thread.store(this_thread(), Ordering::Relaxed);
        }
    }

    impl OwnerMark<'_> {
        /// The lock was released and taken again under the same guard (a condition-variable
        /// wait), and another holder may have cleared the word meanwhile.
        #[inline]
        pub(crate) fn reacquired(&self) {
            self.owner.thread.store(this_thread(), Ordering::Relaxed);
        }

        /// The guard lets go of the lock for a while (`unlocked`), and this thread may take
        /// it again meanwhile without deadlocking: it no longer holds it. Cleared before the
        /// unlock, so the word never names this thread while another holds the lock.
        #[inline]
        pub(crate) fn released(&self) {
            self.owner.thread.store(NOBODY, Ordering::Relaxed);
        }
    }

    impl Drop for OwnerMark<'_> {
        fn drop(&mut self) {
            self.owner.thread.store(NOBODY, Ordering::Relaxed);
        }
    }
}
