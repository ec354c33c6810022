//! Loom model of `lock_both`: opposite argument orders on two threads can never deadlock
//! (loom reports a deadlock if any interleaving blocks both threads).

use selvedge_locks::sync::Arc;
use selvedge_locks::{Mutex, lock_both};
use selvedge_testkit::{model, thread};

#[test]
fn lock_both_in_opposite_orders_cannot_deadlock() {
    model(|| {
        let a = Arc::new(Mutex::new(10));
        let b = Arc::new(Mutex::new(10));
        let other = {
            let (a, b) = (a.clone(), b.clone());
            thread::spawn(move || {
                let (mut from, mut to) = lock_both(&*b, &*a).unwrap();
                *from -= 1;
                *to += 1;
            })
        };
        {
            let (mut from, mut to) = lock_both(&*a, &*b).unwrap();
            *from -= 2;
            *to += 2;
        }
        other.join().unwrap();
        // Not `*a.lock() + *b.lock()`: that holds both in argument order, which the
        // lock-order checker rightly reports against the other thread's id order.
        let (a, b) = lock_both(&*a, &*b).unwrap();
        assert_eq!(*a + *b, 20);
    });
}
