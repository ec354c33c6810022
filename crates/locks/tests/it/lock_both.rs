//! Black-box tests of `lock_both` and `lock_all`: stable order, same-lock errors.

use selvedge_locks::{Mutex, lock_all, lock_both};

#[test]
fn opposite_argument_orders_never_deadlock() {
    let a = Mutex::named("a", 1_000_i64);
    let b = Mutex::named("b", 1_000_i64);
    std::thread::scope(|s| {
        for t in 0..4 {
            let (a, b) = (&a, &b);
            s.spawn(move || {
                for _ in 0..2_000 {
                    let (from, to) = if t % 2 == 0 { (a, b) } else { (b, a) };
                    let (mut f, mut t) = lock_both(from, to).unwrap();
                    *f -= 1;
                    *t += 1;
                }
            });
        }
    });
    let (a, b) = lock_both(&a, &b).unwrap();
    assert_eq!(*a + *b, 2_000);
}

#[test]
fn the_same_lock_twice_is_a_typed_error() {
    let a = Mutex::named("a", ());
    let b = Mutex::new(());
    let e = lock_both(&a, &a).unwrap_err();
    assert_eq!((e.name(), e.first(), e.second()), ("a", 0, 1));
    assert!(e.to_string().contains("passed twice"));
    let e = lock_all(&[&b, &a, &b]).unwrap_err();
    assert_eq!((e.first(), e.second()), (0, 2));
    assert!(!a.is_locked() && !b.is_locked());
}

#[test]
fn lock_all_returns_guards_in_argument_order() {
    let locks: Vec<Mutex<usize>> = (0..5).map(Mutex::new).collect();
    let refs: Vec<&Mutex<usize>> = [3, 0, 4, 1, 2].iter().map(|&i| &locks[i]).collect();
    let guards = lock_all(&refs).unwrap();
    assert_eq!(
        guards.iter().map(|g| **g).collect::<Vec<_>>(),
        [3, 0, 4, 1, 2]
    );
    assert!(locks.iter().all(Mutex::is_locked));
    drop(guards);
    assert!(lock_all::<u8>(&[]).unwrap().is_empty());
}

#[test]
fn lock_all_from_many_threads_in_shuffled_orders_conserves_the_total() {
    let locks: Vec<Mutex<i64>> = (0..4).map(|_| Mutex::new(100)).collect();
    std::thread::scope(|s| {
        for t in 0..4_usize {
            let locks = &locks;
            s.spawn(move || {
                for i in 0..1_000_usize {
                    let order = [(t + i) % 4, (t + 2 * i + 1) % 4, (3 * t + i + 2) % 4];
                    let mut picked: Vec<&Mutex<i64>> = Vec::new();
                    for idx in order {
                        if !picked.iter().any(|m| std::ptr::eq(*m, &locks[idx])) {
                            picked.push(&locks[idx]);
                        }
                    }
                    let mut guards = lock_all(&picked).unwrap();
                    let n = guards.len();
                    *guards[0] -= (n - 1) as i64;
                    for g in &mut guards[1..] {
                        **g += 1;
                    }
                }
            });
        }
    });
    assert_eq!(locks.iter().map(|m| *m.lock()).sum::<i64>(), 400);
}
