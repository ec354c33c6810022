//! Loom model of `Semaphore`: it never issues more permits than it has.

use selvedge_locks::Semaphore;
use selvedge_locks::sync::Arc;
use selvedge_locks::sync::atomic::{AtomicUsize, Ordering};
use selvedge_testkit::{model, thread};

#[test]
fn semaphore_never_over_issues_permits() {
    model(|| {
        let sem = Arc::new(Semaphore::new(1));
        let inside = Arc::new(AtomicUsize::new(0));
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let (sem, inside) = (sem.clone(), inside.clone());
                thread::spawn(move || {
                    let _permit = sem.acquire();
                    assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0);
                    inside.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        if let Some(_permit) = sem.try_acquire() {
            assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0);
            inside.fetch_sub(1, Ordering::SeqCst);
        }
        for w in workers {
            w.join().unwrap();
        }
        assert_eq!(sem.available_permits(), 1);
    });
}
