//! Borrowing work on the pool: [`ThreadPool::scope`] (many tasks that may borrow from the
//! caller's stack) and [`ThreadPool::run`] (one closure, on a worker, with the caller blocked).
//!
//! # How borrowed closures reach the workers
//!
//! A scoped closure is not itself put on the pool's queue. It goes into the scope's own
//! `pending` list (a lock-free FIFO, crossbeam-deque's `Injector`, as for the pool's own
//! queue); the pool's queue only gets *tickets* (`'static` jobs holding an `Arc` to that
//! list; a spawn submits one while fewer than `max_threads` are alive). A worker that runs a
//! ticket takes closures from the list, one at a time, and runs them until it is empty.
//! Spawning and running a closure take no lock. The scope's owner does not return until
//! every spawned closure has finished, helping to run them itself in the meantime (for
//! `scope`), so:
//!
//! - every borrowed closure is run or dropped before the borrow ends, even if the scope body
//!   panics, a ticket is refused, or `shutdown_now` hands a ticket back (a ticket outliving
//!   the scope finds an empty list and does nothing);
//! - a closure not yet started is never held behind a running one: every free runner (the
//!   owner, every worker holding a ticket) takes the oldest pending closure;
//! - a scope opened on a saturated pool, a shut-down pool, or from inside one of the pool's
//!   own tasks still finishes: its owner runs the work (see `Scope`'s "Blocking" for the
//!   one way closures can still block each other).
//!
//! The list, the tickets and the owner's wait are [`runners`]'s, with the one `unsafe`
//! block (the closure's lifetime erased to store it in the list), whose soundness argument is
//! written at the block and exercised under miri by this file's tests.

mod runners;

use std::fmt;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

use selvedge_locks::sync::Arc;

use self::runners::{ScopeShared, submit_ticket, this_thread};
use crate::contain::drop_payload;
use crate::{RejectionPolicy, SubmitError, ThreadPool};

/// A scope for tasks that borrow from the caller's stack; made by [`ThreadPool::scope`].
///
/// Every task spawned in the scope has finished when `scope` returns. The thread that called
/// `scope` helps run them once its closure has returned, so a scope of tasks that do not wait
/// for each other always finishes, even on a busy, single-threaded or shut-down pool, or
/// inside one of the pool's own tasks (on a shut-down pool, all the work runs on the caller).
///
/// Scoped tasks run at [`Priority::Normal`](crate::Priority::Normal) on at most `max_threads` workers at once, are not
/// counted in [`PoolStats`](crate::PoolStats), and have no handle: a panic in one is re-raised
/// by `scope` after every task has finished. The first panic in time wins: the one caught
/// first, whatever the spawn order; the others are dropped.
///
/// # Order
///
/// Tasks **start in spawn order** within a scope (FIFO, rayon's `scope_fifo`): every runner
/// takes the oldest task not yet started from the scope's FIFO; a task spawned by a
/// running task goes to the back. With one runner they therefore also finish in that order;
/// with several, they run side by side and finish in any order. The scope's closure itself
/// runs on the calling thread (rayon's `in_place_scope`), before the caller starts helping.
/// There is no LIFO scope: rayon's `scope` runs local spawns newest first only as a
/// consequence of its per-thread deques, and [`scope_fifo`](ThreadPool::scope_fifo),
/// [`spawn_fifo`](Scope::spawn_fifo) and [`in_place_scope`](ThreadPool::in_place_scope)
/// exist so that code written for rayon keeps its names.
///
/// ```
/// use selvedge_pool::ThreadPool;
/// use std::sync::Mutex;
///
/// // Inside the pool's only worker, the caller is the scope's only runner: spawn order.
/// let pool = ThreadPool::builder().max_threads(1).build()?;
/// let inner = pool.clone();
/// let order = pool.submit(move || {
///     let order = Mutex::new(Vec::new());
///     inner.scope_fifo(|s| {
///         for i in 0..5 {
///             let order = &order;
///             s.spawn_fifo(move || order.lock().unwrap().push(i));
///         }
///     });
///     order.into_inner().unwrap()
/// })?;
/// assert_eq!(order.join(), Ok(vec![0, 1, 2, 3, 4]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Blocking
///
/// A task that has not started is never held behind one that has: it stays in the scope's
/// list, where the next free *runner* takes it, oldest first. The runners are the caller of
/// `scope`, once its closure has returned, and up to `max_threads` workers, each as soon as
/// it is not running some other task of the pool. So tasks may wait for each other (a
/// channel, a barrier), in any spawn order, as long as a runner is left free: a scope blocks
/// forever only when *every* runner is inside a task (or the scope's closure) that waits for
/// something only a task not yet started would provide. For example, with `max_threads` N on
/// an otherwise idle pool, N + 1 started tasks that each wait for a later-spawned sibling
/// block, and N do not. Fewer workers are runners while the pool is busy with other work,
/// none once it is shut down: then the caller alone runs the tasks, in spawn order, after its
/// closure returns, so the closure must not wait for a task it spawned, and a task must not
/// wait for one spawned after it.
///
/// ```
/// use selvedge_pool::ThreadPool;
/// use std::sync::mpsc;
///
/// let pool = ThreadPool::builder().max_threads(4).build().unwrap();
/// pool.scope(|s| {
///     let (tx, rx) = mpsc::channel();
///     s.spawn(move || assert_eq!(rx.recv().unwrap(), 7)); // waits for a later sibling
///     s.spawn(move || tx.send(7).unwrap());
/// });
/// ```
///
/// # Examples
///
/// ```
/// use selvedge_pool::ThreadPool;
/// use std::sync::atomic::{AtomicU64, Ordering};
///
/// let pool = ThreadPool::builder().max_threads(2).build().unwrap();
/// let users = vec!["ann", "bob", "cy"];
/// let created = AtomicU64::new(0);
/// pool.scope(|s| {
///     for user in &users {
///         let created = &created;
///         s.spawn(move || {
///             assert!(!user.is_empty());
///             created.fetch_add(1, Ordering::Relaxed);
///         });
///     }
/// });
/// assert_eq!(created.into_inner(), 3);
/// ```
///
/// A borrow that could outlive the scope is refused at compile time:
///
/// ```compile_fail
/// use selvedge_pool::ThreadPool;
/// let pool = ThreadPool::builder().build().unwrap();
/// let mut leaked = None;
/// pool.scope(|s| {
///     let local = String::from("dies with the closure");
///     s.spawn(|| leaked = Some(&local)); // `local` does not live long enough
/// });
/// ```
pub struct Scope<'scope, 'env: 'scope> {
    pool: &'env ThreadPool,
    shared: Arc<ScopeShared>,
    /// Invariant in `'scope`, as `std::thread::Scope`: a scope cannot be shrunk or extended.
    scope: PhantomData<&'scope mut &'scope ()>,
    env: PhantomData<&'env mut &'env ()>,
}

impl fmt::Debug for Scope<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scope")
            .field("pool", &self.pool.name())
            .finish_non_exhaustive()
    }
}

impl<'scope> Scope<'scope, '_> {
    /// Runs `f` on the pool (or on the scope's owner, which helps); `f` may borrow anything
    /// that outlives the scope, including the scope itself to spawn more tasks.
    ///
    /// ```
    /// use selvedge_pool::ThreadPool;
    /// use std::sync::Mutex;
    ///
    /// let pool = ThreadPool::builder().max_threads(2).build().unwrap();
    /// let log = Mutex::new(Vec::new());
    /// pool.scope(|s| {
    ///     s.spawn(|| {
    ///         log.lock().unwrap().push("parent");
    ///         s.spawn(|| log.lock().unwrap().push("child"));
    ///     });
    /// });
    /// let mut log = log.into_inner().unwrap();
    /// log.sort();
    /// assert_eq!(log, ["child", "parent"]);
    /// ```
    pub fn spawn<F>(&'scope self, f: F)
    where
        F: FnOnce() + Send + 'scope,
    {
        if self.shared.push(Box::new(f)) {
            // Never wait for queue space here: `spawn` may run on a worker, and workers
            // waiting for space that only workers free would stall. A refused ticket is
            // harmless: the owner and the live tickets run whatever is left.
            let _ = submit_ticket(self.pool, &self.shared, RejectionPolicy::Reject);
        }
    }

    /// [`spawn`](Self::spawn) under rayon's name: every scope starts its tasks in spawn
    /// order (see [`Scope`], "Order").
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU32, Ordering};
    ///
    /// let pool = selvedge_pool::ThreadPool::builder().max_threads(2).build().unwrap();
    /// let sum = AtomicU32::new(0);
    /// pool.scope_fifo(|s| {
    ///     for i in 1..=4 {
    ///         let sum = &sum;
    ///         s.spawn_fifo(move || { sum.fetch_add(i, Ordering::Relaxed); });
    ///     }
    /// });
    /// assert_eq!(sum.into_inner(), 10);
    /// ```
    pub fn spawn_fifo<F>(&'scope self, f: F)
    where
        F: FnOnce() + Send + 'scope,
    {
        self.spawn(f);
    }
}

impl ThreadPool {
    /// Runs `f` with a [`Scope`] whose tasks may borrow from the caller's stack, and returns
    /// once `f` and every task spawned in the scope have finished. The calling thread helps
    /// run the scope's tasks while it waits.
    ///
    /// # Panics
    ///
    /// Re-raises the panic of `f`, or else the first panic (in time) of a scoped task, after
    /// every scoped task has finished. See [`Scope`] for when scoped tasks that wait for
    /// each other can block.
    ///
    /// ```
    /// use selvedge_pool::ThreadPool;
    ///
    /// let pool = ThreadPool::builder().max_threads(2).build().unwrap();
    /// let mut totals = [0u64; 4];
    /// let data: Vec<u64> = (1..=400).collect();
    /// pool.scope(|s| {
    ///     for (chunk, total) in data.chunks(100).zip(totals.iter_mut()) {
    ///         s.spawn(move || *total = chunk.iter().sum());
    ///     }
    /// });
    /// assert_eq!(totals.iter().sum::<u64>(), 400 * 401 / 2);
    /// ```
    pub fn scope<'env, F, T>(&'env self, f: F) -> T
    where
        F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> T,
    {
        let scope = Scope {
            pool: self,
            shared: Arc::new(ScopeShared::new(self.max_threads(), this_thread())),
            scope: PhantomData,
            env: PhantomData,
        };
        let result = catch_unwind(AssertUnwindSafe(|| f(&scope)));
        // Must run on every path, panics included: the erased closures' borrows end here.
        scope.shared.wait_all(true);
        let task_panic = scope.shared.take_panic();
        match result {
            Err(payload) => {
                // Dropped before unwinding, not during it: a payload whose `Drop` panics would
                // otherwise panic while panicking, which aborts.
                if let Some(lost) = task_panic {
                    drop_payload(lost);
                }
                resume_unwind(payload)
            }
            Ok(value) => {
                if let Some(payload) = task_panic {
                    resume_unwind(payload);
                }
                value
            }
        }
    }

    /// [`scope`](Self::scope) under rayon's name: tasks start in spawn order in every scope
    /// (see [`Scope`], "Order").
    ///
    /// ```
    /// let pool = selvedge_pool::ThreadPool::builder().max_threads(2).build().unwrap();
    /// let mut halves = [0u32; 2];
    /// let (a, b) = halves.split_at_mut(1);
    /// pool.scope_fifo(|s| {
    ///     s.spawn_fifo(|| a[0] = (1..=5).sum());
    ///     s.spawn_fifo(|| b[0] = (6..=10).sum());
    /// });
    /// assert_eq!(halves[0] + halves[1], 55);
    /// ```
    pub fn scope_fifo<'env, F, T>(&'env self, f: F) -> T
    where
        F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> T,
    {
        self.scope(f)
    }

    /// [`scope`](Self::scope) under rayon's name: `scope`'s closure already runs on the
    /// calling thread (not on a worker), as rayon's `in_place_scope` does.
    ///
    /// ```
    /// let pool = selvedge_pool::ThreadPool::builder().max_threads(2).build().unwrap();
    /// let caller = std::thread::current().id();
    /// let ran_here = pool.in_place_scope(|_| std::thread::current().id() == caller);
    /// assert!(ran_here);
    /// ```
    pub fn in_place_scope<'env, F, T>(&'env self, f: F) -> T
    where
        F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> T,
    {
        self.scope(f)
    }

    /// Runs `f` on one of the pool's workers and blocks until it has returned; `f` may borrow
    /// from the caller. Called from one of this pool's own workers, `f` runs right there
    /// (waiting for another worker could deadlock a saturated pool). Under
    /// [`RejectionPolicy::CallerRuns`] a saturated pool
    /// runs it on the caller.
    ///
    /// If `shutdown_now` hands the closure back (as a [`PendingTask`](crate::PendingTask)),
    /// `run` waits until that pending task is run or dropped.
    ///
    /// # Errors
    ///
    /// The [`SubmitError`] that refused it (then `f` did not run), or
    /// [`SubmitError::Shutdown`] if `shutdown_now` handed it back and it was dropped unrun.
    ///
    /// # Panics
    ///
    /// Re-raises a panic of `f` on the caller.
    ///
    /// ```
    /// use selvedge_pool::ThreadPool;
    ///
    /// let pool = ThreadPool::builder().thread_name("db").build().unwrap();
    /// let rows = vec![3, 1, 2];
    /// let on = pool.run(|| {
    ///     let name = std::thread::current().name().map(str::to_owned);
    ///     (rows.iter().sum::<i32>(), name)
    /// }).unwrap();
    /// assert_eq!(on.0, 6);
    /// assert!(on.1.unwrap().starts_with("db-"));
    /// ```
    pub fn run<'env, F, R>(&'env self, f: F) -> Result<R, SubmitError>
    where
        F: FnOnce() -> R + Send + 'env,
        R: Send + 'env,
    {
        if self.shared().state.lock().on_own_worker() {
            return Ok(f());
        }
        let mut out = None;
        let shared = Arc::new(ScopeShared::new(1, 0));
        let slot = &mut out;
        // A fresh scope has no ticket yet, so this always asks for one.
        let _first_ticket = shared.push(Box::new(move || *slot = Some(f())));
        let refused = submit_ticket(self, &shared, self.shared().config.policy);
        let ran = refused.is_none() && shared.wait_all(false);
        if !ran {
            shared.take_back();
        }
        // Every erased closure is now consumed; `out` is ours again.
        if let Some(payload) = shared.take_panic() {
            resume_unwind(payload);
        }
        match (refused, out) {
            (_, Some(value)) => Ok(value),
            (Some(err), None) => Err(err),
            (None, None) => Err(SubmitError::Shutdown),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::runners::CREDIT_BATCH;
    use super::*;

    fn pool(threads: usize) -> ThreadPool {
        ThreadPool::builder().max_threads(threads).build().unwrap()
    }

    #[test]
    fn scoped_tasks_borrow_and_all_finish() {
        let pool = pool(2);
        let n = if cfg!(miri) { 8 } else { 64 };
        let mut slots = vec![0usize; n];
        let shared_counter = AtomicUsize::new(0);
        pool.scope(|s| {
            for (i, slot) in slots.iter_mut().enumerate() {
                let counter = &shared_counter;
                s.spawn(move || {
                    *slot = i * 2;
                    counter.fetch_add(1, Ordering::Relaxed);
                });
            }
        });
        assert_eq!(shared_counter.load(Ordering::Relaxed), n);
        assert!(slots.iter().enumerate().all(|(i, &v)| v == i * 2));
    }

    /// The owner's spawns count themselves `CREDIT_BATCH` at a time: a scope that spawns past
    /// several batches (and one more), with nested spawns counted one by one from the
    /// workers, runs each closure once and returns (the unused credits are given back, or
    /// the owner would wait for ever).
    #[test]
    fn owner_spawns_past_several_credit_batches_each_run_once() {
        let pool = pool(2);
        let n = if cfg!(miri) {
            CREDIT_BATCH + 1
        } else {
            3 * CREDIT_BATCH + 1
        };
        let hits: Vec<AtomicUsize> = (0..n).map(|_| AtomicUsize::new(0)).collect();
        let nested = AtomicUsize::new(0);
        pool.scope(|s| {
            for hit in &hits {
                let nested = &nested;
                s.spawn(move || {
                    hit.fetch_add(1, Ordering::Relaxed);
                    s.spawn(move || {
                        nested.fetch_add(1, Ordering::Relaxed);
                    });
                });
            }
        });
        assert!(hits.iter().all(|hit| hit.load(Ordering::Relaxed) == 1));
        assert_eq!(nested.load(Ordering::Relaxed), n);
    }

    #[test]
    fn scope_body_panic_still_waits_for_tasks() {
        let pool = pool(1);
        let done = AtomicUsize::new(0);
        let result = catch_unwind(AssertUnwindSafe(|| {
            pool.scope(|s| {
                for _ in 0..4 {
                    s.spawn(|| {
                        done.fetch_add(1, Ordering::Relaxed);
                    });
                }
                panic!("body");
            })
        }));
        assert!(result.is_err());
        assert_eq!(done.load(Ordering::Relaxed), 4);
    }

    #[test]
    fn task_panic_is_reraised_after_the_rest() {
        let pool = pool(2);
        let done = AtomicUsize::new(0);
        let result = catch_unwind(AssertUnwindSafe(|| {
            pool.scope(|s| {
                s.spawn(|| panic!("task"));
                for _ in 0..3 {
                    s.spawn(|| {
                        done.fetch_add(1, Ordering::Relaxed);
                    });
                }
            })
        }));
        assert!(result.is_err());
        assert_eq!(done.load(Ordering::Relaxed), 3);
    }

    /// The owner alone (no worker ever started, so nothing parks: this one runs under miri
    /// with parking_lot's futex calls, which miri rejects, never reached): borrowed closures
    /// spawning more, each run once and consumed before the borrow ends, panics recorded in
    /// the order they were caught, a body panic winning over theirs.
    #[test]
    fn owner_alone_runs_borrowed_closures_once_and_keeps_the_first_panic() {
        let pool = ThreadPool::builder()
            .core_threads(0)
            .max_threads(1)
            .build()
            .unwrap();
        pool.shutdown(Duration::from_secs(10));
        let mut hits = [0u8; 4];
        let nested = AtomicUsize::new(0);
        pool.scope(|s| {
            for hit in &mut hits {
                let nested = &nested;
                s.spawn(move || {
                    *hit += 1;
                    s.spawn(move || {
                        nested.fetch_add(1, Ordering::Relaxed);
                    });
                });
            }
        });
        assert_eq!(hits, [1; 4]);
        assert_eq!(nested.load(Ordering::Relaxed), 4);

        let text = String::from("borrowed");
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            pool.scope(|s| {
                s.spawn(|| panic!("first {}", text.len()));
                s.spawn(|| panic!("second"));
            })
        }));
        let payload = outcome.unwrap_err();
        assert_eq!(
            payload.downcast_ref::<String>().map(String::as_str),
            Some("first 8")
        );
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            pool.scope(|s| {
                s.spawn(|| panic!("task"));
                panic!("body");
            })
        }));
        assert_eq!(outcome.unwrap_err().downcast_ref::<&str>(), Some(&"body"));
    }

    #[test]
    fn scope_on_shut_down_pool_runs_on_caller() {
        let pool = pool(1);
        pool.shutdown(Duration::from_secs(10));
        let mut hits = 0;
        pool.scope(|s| s.spawn(|| hits += 1));
        assert_eq!(hits, 1);
    }

    #[test]
    fn scope_inside_a_pool_task_does_not_deadlock() {
        let pool = Arc::new(pool(1));
        let inner = Arc::clone(&pool);
        let handle = pool
            .submit(move || {
                let mut v = [0; 3];
                inner.scope(|s| {
                    for x in &mut v {
                        s.spawn(move || *x = 1);
                    }
                });
                v.iter().sum::<i32>()
            })
            .unwrap();
        assert_eq!(handle.join(), Ok(3));
    }

    #[test]
    fn run_borrows_and_returns() {
        let pool = pool(1);
        let text = String::from("borrowed");
        assert_eq!(pool.run(|| text.len()), Ok(8));
    }

    #[test]
    fn run_on_shut_down_pool_is_refused() {
        let pool = pool(1);
        pool.shutdown(Duration::from_secs(10));
        let mut ran = false;
        assert_eq!(pool.run(|| ran = true), Err(SubmitError::Shutdown));
        assert!(!ran);
    }

    #[test]
    fn run_reraises_panic() {
        let pool = pool(1);
        let result = catch_unwind(AssertUnwindSafe(|| pool.run(|| panic!("inside"))));
        assert!(result.is_err());
        assert_eq!(pool.run(|| 1), Ok(1), "the worker survived");
    }
}
