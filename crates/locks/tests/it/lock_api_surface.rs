//! lock_api's surface on every lock and guard: each test below calls, by name, every safe
//! method and trait that lock_api 0.4 gives the matching type (`lock_api::Mutex`,
//! `MutexGuard`, `MappedMutexGuard`, and so on), so a wrapper missing one fails to compile,
//! and checks what each call did.
//!
//! Left out on purpose, as the crate docs say: lock_api's `unsafe` functions
//! (`force_unlock*`, `raw`, `make_*_guard_unchecked`), the constructors that take a raw lock
//! (`from_raw`, `const_new`: ours are `new` and `named`), and `owning_ref`'s `StableAddress`.
//! Timed acquisitions return `Result<_, LockTimeout>` where lock_api returns `Option`.
//! `MappedRwLockReadGuard::try_map_or_err` is what lock_api spells `try_map_or_else` there.
//! `RwLock::try_read_recursive_for`/`_until` (and their `_arc` forms) are missing: the loom
//! backend's raw lock has no timed recursive read for them to stand on.

use std::fmt::{Debug, Display};
use std::ops::Deref;
use std::time::{Duration, Instant};

use selvedge_locks::{
    MappedMutexGuard, MappedReentrantMutexGuard, MappedRwLockReadGuard, MappedRwLockWriteGuard,
    Mutex, MutexGuard, ReentrantMutex, ReentrantMutexGuard, RwLock, RwLockReadGuard,
    RwLockUpgradableReadGuard, RwLockWriteGuard,
};

const SOON: Duration = Duration::from_millis(1);

/// The traits lock_api implements on a lock type.
fn is_lock<L: Default + From<Vec<i32>> + Debug>() {}

/// The traits lock_api implements on every guard: `Debug` and `Display` as the data's.
fn formats_as_its_data<G: Deref<Target = String> + Debug + Display>(guard: G) {
    assert_eq!(
        format!("{guard:?} {guard}"),
        format!("{:?} {}", *guard, *guard)
    );
}

/// Runs `f` on another thread (where this thread's locks are not its own) and returns what
/// it returned.
fn held_elsewhere<T>(f: impl FnOnce() -> T + Send) -> T
where
    T: Send,
{
    std::thread::scope(|s| s.spawn(f).join().expect("the probe thread panicked"))
}

#[test]
fn mutex_has_lock_api_mutex_surface() {
    is_lock::<Mutex<Vec<i32>>>();
    let mut m = Mutex::from(vec![1, 2]);
    m.get_mut().push(3);
    assert!(!m.is_locked());
    {
        let guard = m.lock();
        assert!(m.is_locked());
        assert_eq!(m.data_ptr().cast_const(), &*guard as *const Vec<i32>);
        assert!(m.try_lock().is_none());
        assert!(held_elsewhere(|| m.try_lock_for(SOON).is_err()));
        assert!(held_elsewhere(|| m.try_lock_until(Instant::now()).is_err()));
    }
    assert!(m.try_lock_for(SOON).is_ok());
    assert!(m.try_lock_until(Instant::now() + SOON).is_ok());
    assert_eq!(
        format!("{m:?}"),
        r#"Mutex { name: "unnamed", data: [1, 2, 3] }"#
    );
    assert_eq!(m.into_inner(), [1, 2, 3]);
    assert!(Mutex::<Vec<i32>>::default().into_inner().is_empty());
    assert_eq!(Mutex::new(4).into_inner(), 4);
}

#[test]
fn mutex_guard_has_lock_api_mutex_guard_surface() {
    let m = Mutex::named("surface", vec![1, 2]);

    let mut guard = m.lock();
    assert_eq!(MutexGuard::mutex(&guard).name(), "surface");
    MutexGuard::unlocked(&mut guard, || held_elsewhere(|| m.lock().push(3)));
    MutexGuard::unlocked_fair(&mut guard, || held_elsewhere(|| m.lock().push(4)));
    MutexGuard::bump(&mut guard);
    guard.push(5); // DerefMut
    assert_eq!(*MutexGuard::map(guard, |v| &mut v[4]), 5);
    MutexGuard::unlock_fair(m.lock());
    assert_eq!(*m.lock(), [1, 2, 3, 4, 5]);

    let guard = MutexGuard::try_map(m.lock(), |v| v.get_mut(9)).unwrap_err();
    let guard = MutexGuard::try_map_or_err(guard, |_| Err::<&mut i32, _>("no"))
        .unwrap_err()
        .0;
    assert_eq!(
        *MutexGuard::try_map_or_err(guard, |v| Ok::<_, ()>(&mut v[0])).unwrap(),
        1
    );
    assert_eq!(*MutexGuard::try_map(m.lock(), |v| v.get_mut(1)).unwrap(), 2);

    let leaked = Mutex::new(vec![0]);
    MutexGuard::leak(leaked.lock()).push(1);
    assert!(leaked.is_locked());
}

#[test]
fn mapped_mutex_guard_has_lock_api_mapped_mutex_guard_surface() {
    let m = Mutex::new(vec![1, 2]);
    let all = || MutexGuard::map(m.lock(), |v| v.as_mut_slice());

    let mut mapped = MappedMutexGuard::map(all(), |v| v);
    mapped[0] = 10; // DerefMut
    assert_eq!(mapped[0], 10);
    let mapped = MappedMutexGuard::try_map(mapped, |v| v.get_mut(9)).unwrap_err();
    let mapped = MappedMutexGuard::try_map_or_err(mapped, |_| Err::<&mut i32, _>(())).unwrap_err();
    assert_eq!(
        *MappedMutexGuard::try_map_or_err(mapped.0, |v| Ok::<_, ()>(&mut v[1])).unwrap(),
        2
    );
    assert_eq!(
        *MappedMutexGuard::try_map(all(), |v| v.get_mut(0)).unwrap(),
        10
    );
    assert_eq!(*MappedMutexGuard::map(all(), |v| &mut v[1]), 2);
    MappedMutexGuard::unlock_fair(all());
    assert!(!m.is_locked());
}

#[test]
fn rwlock_has_lock_api_rwlock_surface() {
    is_lock::<RwLock<Vec<i32>>>();
    let mut lock = RwLock::from(vec![1]);
    lock.get_mut().push(2);
    {
        let reader = lock.read();
        assert!(lock.is_locked() && !lock.is_locked_exclusive());
        assert_eq!(lock.data_ptr().cast_const(), &*reader as *const Vec<i32>);
        assert!(lock.try_read_recursive().is_some());
        let _again = lock.read_recursive();
        assert!(lock.try_write().is_none());
        assert!(held_elsewhere(|| lock.try_write_for(SOON).is_err()));
        assert!(held_elsewhere(|| lock
            .try_write_until(Instant::now())
            .is_err()));
        assert!(held_elsewhere(|| lock.try_read_for(SOON).is_ok()));
        assert!(held_elsewhere(|| lock
            .try_read_until(Instant::now())
            .is_ok()));
        assert!(held_elsewhere(|| lock.try_upgradable_read().is_some()));
    }
    {
        let _writer = lock.write();
        assert!(lock.is_locked_exclusive());
        assert!(lock.try_read().is_none());
        assert!(held_elsewhere(|| lock
            .try_upgradable_read_for(SOON)
            .is_err()));
        assert!(held_elsewhere(|| lock
            .try_upgradable_read_until(Instant::now())
            .is_err()));
    }
    assert_eq!(*lock.upgradable_read(), [1, 2]);
    assert_eq!(
        format!("{lock:?}"),
        r#"RwLock { name: "unnamed", data: [1, 2] }"#
    );
    assert_eq!(lock.into_inner(), [1, 2]);
    assert!(RwLock::<Vec<i32>>::default().into_inner().is_empty());
}

#[test]
fn rwlock_read_guard_has_lock_api_read_guard_surface() {
    let lock = RwLock::named("surface", vec![1, 2]);
    let mut guard = lock.read();
    assert_eq!(RwLockReadGuard::rwlock(&guard).name(), "surface");
    RwLockReadGuard::unlocked(&mut guard, || held_elsewhere(|| lock.write().push(3)));
    RwLockReadGuard::unlocked_fair(&mut guard, || held_elsewhere(|| lock.write().push(4)));
    RwLockReadGuard::bump(&mut guard);
    assert_eq!(*RwLockReadGuard::map(guard, |v| &v[3]), 4);
    RwLockReadGuard::unlock_fair(lock.read());
    assert_eq!(*lock.read(), [1, 2, 3, 4]);

    let guard = RwLockReadGuard::try_map(lock.read(), |v| v.get(9)).unwrap_err();
    let guard = RwLockReadGuard::try_map_or_err(guard, |_| Err::<&i32, _>(()))
        .unwrap_err()
        .0;
    assert_eq!(
        *RwLockReadGuard::try_map_or_err(guard, |v| Ok::<_, ()>(&v[0])).unwrap(),
        1
    );
    assert_eq!(
        *RwLockReadGuard::try_map(lock.read(), |v| v.get(1)).unwrap(),
        2
    );
}

#[test]
fn rwlock_write_guard_has_lock_api_write_guard_surface() {
    let lock = RwLock::named("surface", vec![1, 2]);
    let mut guard = lock.write();
    assert_eq!(RwLockWriteGuard::rwlock(&guard).name(), "surface");
    RwLockWriteGuard::unlocked(&mut guard, || held_elsewhere(|| lock.write().push(3)));
    RwLockWriteGuard::unlocked_fair(&mut guard, || held_elsewhere(|| lock.write().push(4)));
    RwLockWriteGuard::bump(&mut guard);
    guard.push(5); // DerefMut
    assert_eq!(*RwLockWriteGuard::map(guard, |v| &mut v[4]), 5);
    RwLockWriteGuard::unlock_fair(lock.write());

    let read = RwLockWriteGuard::downgrade(lock.write());
    assert!(held_elsewhere(|| lock.try_read().is_some()));
    drop(read);
    let up = RwLockWriteGuard::downgrade_to_upgradable(lock.write());
    assert!(held_elsewhere(|| lock.try_upgradable_read().is_none()));
    drop(up);

    let guard = RwLockWriteGuard::try_map(lock.write(), |v| v.get_mut(9)).unwrap_err();
    let guard = RwLockWriteGuard::try_map_or_err(guard, |_| Err::<&mut i32, _>(())).unwrap_err();
    assert_eq!(
        *RwLockWriteGuard::try_map_or_err(guard.0, |v| Ok::<_, ()>(&mut v[0])).unwrap(),
        1
    );
    assert_eq!(
        *RwLockWriteGuard::try_map(lock.write(), |v| v.get_mut(4)).unwrap(),
        5
    );
}

#[test]
fn rwlock_upgradable_guard_has_lock_api_upgradable_guard_surface() {
    let lock = RwLock::named("surface", vec![1, 2]);
    let mut guard = lock.upgradable_read();
    assert_eq!(RwLockUpgradableReadGuard::rwlock(&guard).name(), "surface");
    RwLockUpgradableReadGuard::unlocked(&mut guard, || held_elsewhere(|| lock.write().push(3)));
    RwLockUpgradableReadGuard::unlocked_fair(&mut guard, || {
        held_elsewhere(|| lock.write().push(4));
    });
    RwLockUpgradableReadGuard::bump(&mut guard);
    assert_eq!(guard.len(), 4);
    guard.with_upgraded(|v| v.push(5));
    assert_eq!(guard.try_with_upgraded(|v| v.len()), Some(5));
    assert_eq!(guard.try_with_upgraded_for(SOON, |v| v.len()), Some(5));
    assert_eq!(
        guard.try_with_upgraded_until(Instant::now() + SOON, |v| v.len()),
        Some(5)
    );

    let guard = RwLockUpgradableReadGuard::try_upgrade(guard).unwrap();
    let guard = RwLockUpgradableReadGuard::try_upgrade_for(
        RwLockWriteGuard::downgrade_to_upgradable(guard),
        SOON,
    )
    .unwrap();
    let guard = RwLockUpgradableReadGuard::try_upgrade_until(
        RwLockWriteGuard::downgrade_to_upgradable(guard),
        Instant::now() + SOON,
    )
    .unwrap();
    let guard =
        RwLockUpgradableReadGuard::upgrade(RwLockWriteGuard::downgrade_to_upgradable(guard));
    let reader =
        RwLockUpgradableReadGuard::downgrade(RwLockWriteGuard::downgrade_to_upgradable(guard));
    assert_eq!(*reader, [1, 2, 3, 4, 5]);
    drop(reader);
    RwLockUpgradableReadGuard::unlock_fair(lock.upgradable_read());
    assert!(!lock.is_locked());
}

#[test]
fn mapped_rwlock_guards_have_lock_api_mapped_guard_surface() {
    let lock = RwLock::new(vec![1, 2]);
    let read = || RwLockReadGuard::map(lock.read(), |v| v.as_slice());
    let write = || RwLockWriteGuard::map(lock.write(), |v| v.as_mut_slice());

    assert_eq!(*MappedRwLockReadGuard::map(read(), |v| &v[1]), 2);
    let mapped = MappedRwLockReadGuard::try_map(read(), |v| v.get(9)).unwrap_err();
    let mapped = MappedRwLockReadGuard::try_map_or_err(mapped, |_| Err::<&i32, _>(())).unwrap_err();
    assert_eq!(
        *MappedRwLockReadGuard::try_map_or_err(mapped.0, |v| Ok::<_, ()>(&v[1])).unwrap(),
        2
    );
    assert_eq!(
        *MappedRwLockReadGuard::try_map(read(), |v| v.first()).unwrap(),
        1
    );
    MappedRwLockReadGuard::unlock_fair(read());

    let mut mapped = MappedRwLockWriteGuard::map(write(), |v| v);
    mapped[0] = 10; // DerefMut
    let mapped = MappedRwLockWriteGuard::try_map(mapped, |v| v.get_mut(9)).unwrap_err();
    let mapped = MappedRwLockWriteGuard::try_map_or_err(mapped, |_| Err::<&mut i32, _>(()));
    let mapped = mapped.unwrap_err().0;
    assert_eq!(
        *MappedRwLockWriteGuard::try_map_or_err(mapped, |v| Ok::<_, ()>(&mut v[0])).unwrap(),
        10
    );
    assert_eq!(
        *MappedRwLockWriteGuard::try_map(write(), |v| v.get_mut(1)).unwrap(),
        2
    );
    MappedRwLockWriteGuard::unlock_fair(write());
    assert!(!lock.is_locked());
}

#[test]
fn reentrant_mutex_has_lock_api_reentrant_mutex_surface() {
    is_lock::<ReentrantMutex<Vec<i32>>>();
    let mut m = ReentrantMutex::from(vec![1]);
    m.get_mut().push(2);
    {
        let guard = m.lock();
        assert!(m.is_locked() && m.is_owned_by_current_thread());
        assert_eq!(m.data_ptr().cast_const(), &*guard as *const Vec<i32>);
        assert!(m.try_lock().is_some(), "re-entrant");
        assert!(m.try_lock_for(SOON).is_ok());
        assert!(m.try_lock_until(Instant::now()).is_ok());
        assert!(held_elsewhere(|| m.try_lock_for(SOON).is_err()));
    }
    assert_eq!(
        format!("{m:?}"),
        r#"ReentrantMutex { name: "unnamed", data: [1, 2] }"#
    );
    assert_eq!(m.into_inner(), [1, 2]);
    assert!(
        ReentrantMutex::<Vec<i32>>::default()
            .into_inner()
            .is_empty()
    );
}

#[test]
fn reentrant_guards_have_lock_api_reentrant_guard_surface() {
    let m = ReentrantMutex::named("surface", vec![1, 2]);
    let mut guard = m.lock();
    assert_eq!(ReentrantMutexGuard::remutex(&guard).name(), "surface");
    assert!(ReentrantMutexGuard::unlocked(
        &mut guard,
        || held_elsewhere(|| m.try_lock().is_some())
    ));
    assert!(ReentrantMutexGuard::unlocked_fair(&mut guard, || {
        held_elsewhere(|| m.try_lock().is_some())
    }));
    ReentrantMutexGuard::bump(&mut guard);
    assert_eq!(*ReentrantMutexGuard::map(guard, |v| &v[1]), 2);
    ReentrantMutexGuard::unlock_fair(m.lock());

    let guard = ReentrantMutexGuard::try_map(m.lock(), |v| v.get(9)).unwrap_err();
    let guard = ReentrantMutexGuard::try_map_or_err(guard, |_| Err::<&i32, _>(())).unwrap_err();
    assert_eq!(
        *ReentrantMutexGuard::try_map_or_err(guard.0, |v| Ok::<_, ()>(&v[0])).unwrap(),
        1
    );

    let all = || ReentrantMutexGuard::map(m.lock(), |v| v.as_slice());
    assert_eq!(*MappedReentrantMutexGuard::map(all(), |v| &v[0]), 1);
    let mapped = MappedReentrantMutexGuard::try_map(all(), |v| v.get(9)).unwrap_err();
    let mapped = MappedReentrantMutexGuard::try_map_or_err(mapped, |_| Err::<&i32, _>(()));
    let mapped = mapped.unwrap_err().0;
    assert_eq!(
        *MappedReentrantMutexGuard::try_map_or_err(mapped, |v| Ok::<_, ()>(&v[1])).unwrap(),
        2
    );
    assert_eq!(
        *MappedReentrantMutexGuard::try_map(all(), |v| v.first()).unwrap(),
        1
    );
    MappedReentrantMutexGuard::unlock_fair(all());
    assert!(!m.is_locked());
}

#[test]
fn every_guard_formats_as_its_data() {
    let text = || String::from("text");
    let m = Mutex::new(text());
    formats_as_its_data(m.lock());
    formats_as_its_data(MutexGuard::map(m.lock(), |s| s));
    let lock = RwLock::new(text());
    formats_as_its_data(lock.read());
    formats_as_its_data(lock.write());
    formats_as_its_data(lock.upgradable_read());
    formats_as_its_data(RwLockReadGuard::map(lock.read(), |s| s));
    formats_as_its_data(RwLockWriteGuard::map(lock.write(), |s| s));
    let re = ReentrantMutex::new(text());
    formats_as_its_data(re.lock());
    formats_as_its_data(ReentrantMutexGuard::map(re.lock(), |s| s));
}

#[cfg(feature = "arc_lock")]
#[test]
fn arc_acquisitions_and_guards_have_lock_api_arc_surface() {
    use std::sync::Arc;

    use selvedge_locks::{
        ArcMutexGuard, ArcReentrantMutexGuard, ArcRwLockReadGuard, ArcRwLockUpgradableReadGuard,
        ArcRwLockWriteGuard,
    };

    let m = Arc::new(Mutex::new(String::from("m")));
    formats_as_its_data(m.lock_arc());
    assert!(m.try_lock_arc().is_some());
    assert!(m.try_lock_arc_for(SOON).is_ok());
    assert!(m.try_lock_arc_until(Instant::now()).is_ok());
    let mut guard = m.lock_arc();
    assert!(Arc::ptr_eq(ArcMutexGuard::mutex(&guard), &m));
    ArcMutexGuard::unlocked(&mut guard, || held_elsewhere(|| m.lock().push('1')));
    ArcMutexGuard::unlocked_fair(&mut guard, || held_elsewhere(|| m.lock().push('2')));
    ArcMutexGuard::bump(&mut guard);
    guard.push('3'); // DerefMut
    assert!(Arc::ptr_eq(&ArcMutexGuard::into_arc(guard), &m) && !m.is_locked());
    assert!(Arc::ptr_eq(&ArcMutexGuard::into_arc_fair(m.lock_arc()), &m));
    ArcMutexGuard::unlock_fair(m.lock_arc());
    assert_eq!(*m.lock(), "m123");

    let lock = Arc::new(RwLock::new(String::from("rw")));
    formats_as_its_data(lock.read_arc());
    formats_as_its_data(lock.write_arc());
    formats_as_its_data(lock.upgradable_read_arc());
    assert!(lock.try_read_arc().is_some() && lock.try_write_arc().is_some());
    assert!(lock.try_upgradable_read_arc().is_some());
    assert!(lock.try_read_arc_for(SOON).is_ok() && lock.try_read_arc_until(Instant::now()).is_ok());
    assert!(lock.try_write_arc_for(SOON).is_ok());
    assert!(lock.try_write_arc_until(Instant::now()).is_ok());
    assert!(lock.try_upgradable_read_arc_for(SOON).is_ok());
    assert!(lock.try_upgradable_read_arc_until(Instant::now()).is_ok());
    {
        let outer = lock.read_arc();
        let inner = lock.read_arc_recursive();
        assert!(lock.try_read_recursive_arc().is_some());
        assert!(Arc::ptr_eq(ArcRwLockReadGuard::rwlock(&outer), &lock));
        assert!(Arc::ptr_eq(&ArcRwLockReadGuard::into_arc(inner), &lock));
    }
    let mut read = lock.read_arc();
    ArcRwLockReadGuard::unlocked(&mut read, || held_elsewhere(|| lock.write().push('1')));
    ArcRwLockReadGuard::unlocked_fair(&mut read, || held_elsewhere(|| lock.write().push('2')));
    ArcRwLockReadGuard::bump(&mut read);
    drop(read);
    ArcRwLockReadGuard::unlock_fair(lock.read_arc());
    assert!(Arc::ptr_eq(
        &ArcRwLockReadGuard::into_arc_fair(lock.read_arc()),
        &lock
    ));

    let mut write = lock.write_arc();
    assert!(Arc::ptr_eq(ArcRwLockWriteGuard::rwlock(&write), &lock));
    ArcRwLockWriteGuard::unlocked(&mut write, || held_elsewhere(|| lock.write().push('3')));
    ArcRwLockWriteGuard::unlocked_fair(&mut write, || held_elsewhere(|| lock.write().push('4')));
    ArcRwLockWriteGuard::bump(&mut write);
    write.push('5'); // DerefMut
    assert!(Arc::ptr_eq(&ArcRwLockWriteGuard::into_arc(write), &lock));
    ArcRwLockWriteGuard::unlock_fair(lock.write_arc());
    assert!(Arc::ptr_eq(
        &ArcRwLockWriteGuard::into_arc_fair(lock.write_arc()),
        &lock
    ));
    let read = ArcRwLockWriteGuard::downgrade(lock.write_arc());
    assert!(held_elsewhere(|| lock.try_read().is_some()));
    drop(read);
    let mut up = ArcRwLockWriteGuard::downgrade_to_upgradable(lock.write_arc());
    assert!(held_elsewhere(|| lock.try_upgradable_read().is_none()));

    assert!(Arc::ptr_eq(
        ArcRwLockUpgradableReadGuard::rwlock(&up),
        &lock
    ));
    ArcRwLockUpgradableReadGuard::unlocked(&mut up, || held_elsewhere(|| lock.write().push('6')));
    ArcRwLockUpgradableReadGuard::unlocked_fair(&mut up, || {
        held_elsewhere(|| lock.write().push('7'));
    });
    ArcRwLockUpgradableReadGuard::bump(&mut up);
    up.with_upgraded(|s| s.push('8'));
    assert_eq!(up.try_with_upgraded(|s| s.len()), Some(10));
    assert_eq!(up.try_with_upgraded_for(SOON, |s| s.len()), Some(10));
    assert_eq!(
        up.try_with_upgraded_until(Instant::now() + SOON, |s| s.len()),
        Some(10)
    );
    let reader = lock
        .try_read()
        .expect("readers share with an upgradable guard");
    let up = ArcRwLockUpgradableReadGuard::try_upgrade(up).unwrap_err();
    let up = ArcRwLockUpgradableReadGuard::try_upgrade_until(up, Instant::now()).unwrap_err();
    drop(reader);
    let write = ArcRwLockUpgradableReadGuard::try_upgrade(up).unwrap();
    let up = ArcRwLockWriteGuard::downgrade_to_upgradable(write);
    let write = ArcRwLockUpgradableReadGuard::try_upgrade_for(up, SOON).unwrap();
    let up = ArcRwLockWriteGuard::downgrade_to_upgradable(write);
    let write = ArcRwLockUpgradableReadGuard::upgrade(up);
    let read = ArcRwLockUpgradableReadGuard::downgrade(
        ArcRwLockWriteGuard::downgrade_to_upgradable(write),
    );
    assert_eq!(*read, "rw12345678");
    drop(read);
    let back = ArcRwLockUpgradableReadGuard::into_arc(lock.upgradable_read_arc());
    assert!(Arc::ptr_eq(&back, &lock));
    ArcRwLockUpgradableReadGuard::unlock_fair(lock.upgradable_read_arc());
    let back = ArcRwLockUpgradableReadGuard::into_arc_fair(lock.upgradable_read_arc());
    assert!(Arc::ptr_eq(&back, &lock));
    assert!(!lock.is_locked());

    let re = Arc::new(ReentrantMutex::new(String::from("re")));
    formats_as_its_data(re.lock_arc());
    assert!(re.try_lock_arc().is_some());
    assert!(re.try_lock_arc_for(SOON).is_ok());
    assert!(re.try_lock_arc_until(Instant::now()).is_ok());
    let mut guard = re.lock_arc();
    assert!(Arc::ptr_eq(ArcReentrantMutexGuard::remutex(&guard), &re));
    assert!(ArcReentrantMutexGuard::unlocked(&mut guard, || {
        held_elsewhere(|| re.try_lock().is_some())
    }));
    assert!(ArcReentrantMutexGuard::unlocked_fair(&mut guard, || {
        held_elsewhere(|| re.try_lock().is_some())
    }));
    ArcReentrantMutexGuard::bump(&mut guard);
    assert!(Arc::ptr_eq(&ArcReentrantMutexGuard::into_arc(guard), &re) && !re.is_locked());
    ArcReentrantMutexGuard::unlock_fair(re.lock_arc());
    assert!(Arc::ptr_eq(
        &ArcReentrantMutexGuard::into_arc_fair(re.lock_arc()),
        &re
    ));
    assert!(!re.is_locked());
}
