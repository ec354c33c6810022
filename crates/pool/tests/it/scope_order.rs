//! The documented start order of scoped tasks (spawn order, FIFO), ported from rayon-core's
//! `scope/test.rs` `fifo_order` and `nested_fifo_order`; and `in_place_scope` running its
//! closure on the caller.

use std::sync::Mutex;

use selvedge_pool::ThreadPool;

/// rayon runs its test inside `install` on a one-thread pool, so the scope's owner is the
/// only runner; here the scope is opened inside the only worker's task, for the same reason.
fn on_the_only_worker(f: impl FnOnce(&ThreadPool) -> Vec<i32> + Send + 'static) -> Vec<i32> {
    let pool = ThreadPool::builder().max_threads(1).build().unwrap();
    let inner = pool.clone();
    pool.submit(move || f(&inner)).unwrap().join().unwrap()
}

/// Port of rayon-core's `fifo_order`: tasks that spawn tasks, all started in spawn order.
#[test]
fn rayon_fifo_order() {
    let vec = on_the_only_worker(|pool| {
        let vec = Mutex::new(vec![]);
        pool.scope_fifo(|scope| {
            let vec = &vec;
            for i in 0..10 {
                scope.spawn_fifo(move || {
                    for j in 0..10 {
                        scope.spawn_fifo(move || vec.lock().unwrap().push(i * 10 + j));
                    }
                });
            }
        });
        vec.into_inner().unwrap()
    });
    let expected: Vec<i32> = (0..100).collect(); // FIFO -> natural order
    assert_eq!(vec, expected);
}

/// Port of rayon-core's `nested_fifo_order`: a scope inside each scoped task.
#[test]
fn rayon_nested_fifo_order() {
    let vec = on_the_only_worker(|pool| {
        let vec = Mutex::new(vec![]);
        pool.scope_fifo(|scope| {
            let vec = &vec;
            for i in 0..10 {
                scope.spawn_fifo(move || {
                    pool.scope_fifo(|scope| {
                        for j in 0..10 {
                            scope.spawn_fifo(move || vec.lock().unwrap().push(i * 10 + j));
                        }
                    });
                });
            }
        });
        vec.into_inner().unwrap()
    });
    let expected: Vec<i32> = (0..100).collect();
    assert_eq!(vec, expected);
}

/// Several runners side by side: every task runs exactly once (in any finishing order).
#[test]
fn many_runners_run_every_task_once() {
    let pool = ThreadPool::builder().max_threads(4).build().unwrap();
    for _ in 0..50 {
        let started = Mutex::new(vec![]);
        pool.scope(|s| {
            for i in 0..64 {
                let started = &started;
                s.spawn(move || started.lock().unwrap().push(i));
            }
        });
        let mut started = started.into_inner().unwrap();
        started.sort_unstable();
        assert_eq!(started, (0..64).collect::<Vec<_>>());
    }
}

#[test]
fn in_place_scope_runs_its_closure_on_the_caller() {
    let pool = ThreadPool::builder().max_threads(2).build().unwrap();
    let caller = std::thread::current().id();
    let mut on_caller = false;
    pool.in_place_scope(|s| {
        on_caller = std::thread::current().id() == caller;
        s.spawn(|| ());
    });
    assert!(on_caller);
}
