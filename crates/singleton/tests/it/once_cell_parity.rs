//! once_cell parity: its own tests (`tests/it/sync_once_cell.rs`, `tests/it/sync_lazy.rs` of
//! once_cell 1.21), ported to `Global` and `Lazy`, for `wait`, `with_value`, `get_mut`,
//! `into_inner`, `Lazy::{force_mut, get_mut, into_value}`, `Default` and unwind safety; plus
//! what selvedge adds: `wait_timeout`, and `with_value` under every operation.
// Real statics and real threads: these tests are not models (the loom_* files are).
#![cfg(not(selvedge_loom))]

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::thread::scope;
use std::time::Duration;

use selvedge_locks::sync::Arc;
use selvedge_singleton::{Global, Lazy};

// once_cell `wait`.
#[test]
fn wait() {
    let cell: Global<String> = Global::new();
    scope(|s| {
        s.spawn(|| cell.set("hello".to_string()));
        let greeting = cell.wait();
        assert_eq!(*greeting, "hello");
    });
}

// once_cell `wait_panic`: a panicking initialiser stores nothing, `wait` waits for the next.
#[test]
fn wait_panic() {
    let cell: Global<String> = Global::new();
    scope(|s| {
        let h1 = s.spawn(|| {
            cell.get_or_try_init(|| -> Result<String, ()> { panic!("deliberate test panic") })
                .unwrap();
        });
        let h2 = s.spawn(|| {
            assert!(h1.join().is_err());
            cell.get_or_try_init(|| -> Result<String, ()> { Ok("hello".to_string()) })
                .unwrap();
        });
        let greeting = cell.wait();
        assert_eq!(*greeting, "hello");
        assert!(h2.join().is_ok());
    });
}

#[test]
fn wait_returns_the_instance_of_a_running_initialiser() {
    let global: Global<u32> = Global::new();
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    scope(|s| {
        s.spawn(|| {
            global.get_or_init(|| {
                started_tx.send(()).unwrap();
                std::thread::sleep(Duration::from_millis(20));
                5
            })
        });
        started_rx.recv().unwrap();
        assert_eq!(*global.wait(), 5);
    });
}

#[test]
fn wait_after_reset_waits_for_the_next_instance() {
    let global = Global::with_value(1);
    assert_eq!(global.reset().as_deref(), Some(&1));
    scope(|s| {
        s.spawn(|| {
            std::thread::sleep(Duration::from_millis(10));
            global.replace(2)
        });
        assert_eq!(*global.wait(), 2);
    });
}

#[test]
fn wait_timeout_gives_up_with_a_typed_error_and_changes_nothing() {
    let global: Global<u8> = Global::named("never set");
    let error = global
        .wait_timeout(Duration::from_millis(20))
        .expect_err("nobody stores an instance");
    assert_eq!(error.name(), "never set");
    assert!(error.waited() >= Duration::from_millis(20), "{error:?}");
    let as_error: &dyn std::error::Error = &error;
    assert!(as_error.to_string().contains("`never set`"));
    assert!(!global.is_initialized());
    assert_eq!(*global.get_or_init(|| 3), 3);
    assert_eq!(*global.wait_timeout(Duration::ZERO).unwrap(), 3);
}

#[test]
fn wait_timeout_wakes_for_a_store_that_comes_in_time() {
    let global: Global<u8> = Global::new();
    scope(|s| {
        s.spawn(|| {
            std::thread::sleep(Duration::from_millis(10));
            global.set(9).unwrap();
        });
        assert_eq!(*global.wait_timeout(Duration::from_secs(10)).unwrap(), 9);
    });
}

#[test]
fn wait_timeout_behind_a_hung_initialiser_times_out() {
    let global: Global<u8> = Global::named("hung");
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    scope(|s| {
        let global = &global;
        s.spawn(move || {
            global.get_or_init(|| {
                started_tx.send(()).unwrap();
                release_rx.recv().unwrap();
                1
            })
        });
        started_rx.recv().unwrap();
        assert!(global.wait_timeout(Duration::from_millis(20)).is_err());
        release_tx.send(()).unwrap();
        assert_eq!(*global.wait(), 1);
    });
}

// once_cell `once_cell_with_value`.
#[test]
fn once_cell_with_value() {
    static CELL: Global<i32> = Global::with_value(12);
    assert_eq!(CELL.get().as_deref(), Some(&12));
}

#[test]
fn with_value_is_initialised_for_every_operation() {
    let global = Global::with_value(1);
    assert!(global.is_initialized());
    assert_eq!(Global::with_value(1).with(|v| *v), Some(1));
    assert_eq!(Global::with_value(1).set(2), Err(2));
    assert_eq!(Global::with_value(1).replace(2).as_deref(), Some(&1));
    assert_eq!(Global::with_value(1).reset().as_deref(), Some(&1));
    assert_eq!(*Global::with_value(1).wait(), 1);
    assert_eq!(*Global::with_value(1).get_or_init(|| 2), 1);
    assert_eq!(
        Global::with_value(1).get_or_try_init_timeout(|| Ok::<_, ()>(2), Duration::ZERO),
        Ok(Arc::new(1))
    );
    let global = Global::with_value(1);
    let first = global.get().unwrap();
    assert!(global.reset_if_current(&first));
    assert!(!global.is_initialized());
}

#[test]
fn with_value_racing_readers_all_see_the_one_instance() {
    let global = Global::with_value(String::from("start"));
    let seen: Vec<_> = scope(|s| {
        let readers: Vec<_> = (0..8)
            .map(|i| {
                let global = &global;
                s.spawn(move || match i % 3 {
                    0 => global.get().expect("initialised from the start"),
                    1 => global.wait(),
                    _ => global.get_or_init(|| String::from("never built")),
                })
            })
            .collect();
        readers.into_iter().map(|r| r.join().unwrap()).collect()
    });
    for instance in &seen {
        assert!(Arc::ptr_eq(instance, &seen[0]));
        assert_eq!(**instance, "start");
    }
}

// once_cell `once_cell_get_mut`.
#[test]
fn once_cell_get_mut() {
    let mut c = Global::new();
    assert!(c.get_mut().is_none());
    c.set(90).unwrap();
    *c.get_mut().unwrap() += 2;
    assert_eq!(c.get_mut().as_deref(), Some(&92));
}

#[test]
fn get_mut_refuses_a_shared_instance_and_keeps_it() {
    let mut global = Global::with_value(vec![1]);
    let held = global.get().unwrap();
    assert!(global.get_mut().is_none());
    assert!(Arc::ptr_eq(&global.get().unwrap(), &held));
    let weak = Arc::downgrade(&held);
    drop(held);
    assert!(global.get_mut().is_none(), "a Weak may upgrade later");
    drop(weak);
    global.get_mut().unwrap().push(2);
    assert_eq!(*global.get().unwrap(), [1, 2]);
}

// once_cell `into_inner`.
#[test]
fn into_inner() {
    let cell: Global<String> = Global::new();
    assert_eq!(cell.into_inner(), None);
    let cell = Global::new();
    cell.set("hello".to_string()).unwrap();
    assert_eq!(
        cell.into_inner().as_deref().map(String::as_str),
        Some("hello")
    );
}

// once_cell `get_or_try_init`: the closure goes to `catch_unwind` without `AssertUnwindSafe`
// (this test does not compile if `Global` is not `RefUnwindSafe`).
#[test]
fn get_or_try_init() {
    let cell: Global<String> = Global::new();
    assert!(cell.get().is_none());

    let res = std::panic::catch_unwind(|| {
        cell.get_or_try_init(|| -> Result<_, ()> { panic!("deliberate test panic") })
    });
    assert!(res.is_err());
    assert!(cell.get().is_none());

    assert_eq!(cell.get_or_try_init(|| Err(())), Err(()));

    assert_eq!(
        cell.get_or_try_init(|| Ok::<_, ()>("hello".to_string()))
            .as_deref(),
        Ok(&"hello".to_string())
    );
    assert_eq!(cell.get().as_deref(), Some(&"hello".to_string()));
}

#[test]
fn global_is_unwind_safe_when_its_instance_is() {
    fn assert_unwind_safe<T: std::panic::UnwindSafe + std::panic::RefUnwindSafe>() {}
    assert_unwind_safe::<Global<String>>();
    assert_unwind_safe::<Global<Vec<u8>>>();
    assert_unwind_safe::<Lazy<String>>();
}

// once_cell `lazy_force_mut`.
#[test]
fn lazy_force_mut() {
    let called = Cell::new(0);
    let mut x = Lazy::new(|| {
        called.set(called.get() + 1);
        92
    });
    assert_eq!(called.get(), 0);
    let v = Lazy::force_mut(&mut x);
    assert_eq!(called.get(), 1);

    *v /= 2;
    assert_eq!(*x, 46);
    assert_eq!(called.get(), 1);
}

// once_cell `lazy_get_mut`.
#[test]
fn lazy_get_mut() {
    let called = Cell::new(0);
    let mut x: Lazy<u32, _> = Lazy::new(|| {
        called.set(called.get() + 1);
        92
    });

    assert_eq!(called.get(), 0);
    assert_eq!(*x, 92);

    let mut_ref: &mut u32 = Lazy::get_mut(&mut x).unwrap();
    assert_eq!(called.get(), 1);

    *mut_ref /= 2;
    assert_eq!(*x, 46);
    assert_eq!(called.get(), 1);
}

// once_cell `lazy_default`.
#[test]
fn lazy_default() {
    static CALLED: AtomicUsize = AtomicUsize::new(0);

    struct Foo(u8);
    impl Default for Foo {
        fn default() -> Self {
            CALLED.fetch_add(1, SeqCst);
            Foo(42)
        }
    }

    let lazy: Lazy<std::sync::Mutex<Foo>> = <_>::default();

    assert_eq!(CALLED.load(SeqCst), 0);

    assert_eq!(lazy.lock().unwrap().0, 42);
    assert_eq!(CALLED.load(SeqCst), 1);

    lazy.lock().unwrap().0 = 21;

    assert_eq!(lazy.lock().unwrap().0, 21);
    assert_eq!(CALLED.load(SeqCst), 1);
}

// once_cell `lazy_into_value`.
#[test]
fn lazy_into_value() {
    let l: Lazy<i32, _> = Lazy::new(|| panic!("never forced"));
    assert!(Lazy::into_value(l).is_err());
    let l = Lazy::new(|| -> i32 { 92 });
    Lazy::force(&l);
    assert!(matches!(Lazy::into_value(l), Ok(92)));
}
