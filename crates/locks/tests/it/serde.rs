//! Feature `serde`: parking_lot's and lock_api's `test_serde`, ported to `Mutex`, `RwLock` and
//! `ReentrantMutex`, plus a check that serialising takes the lock like any acquisition.
#![cfg(feature = "serde")]

use selvedge_locks::{Mutex, ReentrantMutex, RwLock};

fn serialize<T: serde::Serialize>(value: &T) -> serde_json::Result<String> {
    serde_json::to_string(value)
}

fn deserialize<T: serde::de::DeserializeOwned>(text: &str) -> serde_json::Result<T> {
    serde_json::from_str(text)
}

// parking_lot `mutex::tests::test_serde`.
#[test]
fn test_serde_mutex() {
    let contents: Vec<u8> = vec![0, 1, 2];
    let mutex = Mutex::new(contents.clone());

    let serialized = serialize(&mutex).unwrap();
    let deserialized: Mutex<Vec<u8>> = deserialize(&serialized).unwrap();

    assert_eq!(*(mutex.lock()), *(deserialized.lock()));
    assert_eq!(contents, *(deserialized.lock()));
}

// parking_lot `rwlock::tests::test_serde`.
#[test]
fn test_serde_rwlock() {
    let contents: Vec<u8> = vec![0, 1, 2];
    let mutex = RwLock::new(contents.clone());

    let serialized = serialize(&mutex).unwrap();
    let deserialized: RwLock<Vec<u8>> = deserialize(&serialized).unwrap();

    assert_eq!(*(mutex.read()), *(deserialized.read()));
    assert_eq!(contents, *(deserialized.read()));
}

// parking_lot `remutex::tests::test_serde`.
#[test]
fn test_serde_reentrant_mutex() {
    let contents: Vec<u8> = vec![0, 1, 2];
    let mutex = ReentrantMutex::new(contents.clone());

    let serialized = serialize(&mutex).unwrap();
    let deserialized: ReentrantMutex<Vec<u8>> = deserialize(&serialized).unwrap();

    assert_eq!(*(mutex.lock()), *(deserialized.lock()));
    assert_eq!(contents, *(deserialized.lock()));
}

#[test]
fn a_held_reentrant_mutex_serialises_on_its_own_thread() {
    let mutex = ReentrantMutex::new(7);
    let _held = mutex.lock();
    assert_eq!(serialize(&mutex).unwrap(), "7");
}

#[test]
fn serialising_waits_for_a_writer_and_sees_its_whole_update() {
    let lock = RwLock::new((0, 0));
    let text = std::thread::scope(|s| {
        let mut w = lock.write();
        let reader = s.spawn(|| serialize(&lock).unwrap());
        w.0 = 1;
        w.1 = 1;
        drop(w);
        reader.join().unwrap()
    });
    assert_eq!(text, "[1,1]");
}

#[test]
fn bad_input_is_a_typed_error() {
    let error = deserialize::<Mutex<u8>>("300").expect_err("out of range for u8");
    assert!(error.is_data(), "{error}");
}
