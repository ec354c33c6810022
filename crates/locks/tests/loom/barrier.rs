//! Loom model of `Barrier`: both parties pass, exactly one is the leader.

use selvedge_locks::Barrier;
use selvedge_locks::sync::Arc;
use selvedge_testkit::{model, thread};

#[test]
fn barrier_releases_both_parties_with_one_leader() {
    model(|| {
        let barrier = Arc::new(Barrier::new(2));
        let other = {
            let barrier = barrier.clone();
            thread::spawn(move || barrier.wait().is_leader())
        };
        let mine = barrier.wait().is_leader();
        let theirs = other.join().unwrap();
        assert!(mine != theirs);
    });
}
