//! Feature `serde`: `Serialize` and `Deserialize` for [`Mutex`], [`RwLock`] and
//! [`ReentrantMutex`], as lock_api has them: the data is serialised under the lock (a normal
//! acquisition, so contention events and lock-order checks apply) and deserialised into a new,
//! unnamed lock.
//!
//! Serialising a `Mutex` or `RwLock` that this thread holds deadlocks, as with lock_api (a
//! debug build or feature `lock-order` panics instead, as on every self-relock); a
//! `ReentrantMutex` this thread holds serialises fine.
//!
//! ```
//! use selvedge_locks::{Mutex, RwLock};
//! let counts = Mutex::new(vec![1, 2]);
//! let text = serde_json::to_string(&counts).unwrap();
//! assert_eq!(text, "[1,2]");
//! let back: RwLock<Vec<u8>> = serde_json::from_str(&text).unwrap();
//! assert_eq!(*back.read(), [1, 2]);
//! ```

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{Mutex, ReentrantMutex, RwLock};

impl<T: ?Sized + Serialize> Serialize for Mutex<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.lock().serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Mutex<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Self::new)
    }
}

impl<T: ?Sized + Serialize> Serialize for RwLock<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.read().serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for RwLock<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Self::new)
    }
}

impl<T: ?Sized + Serialize> Serialize for ReentrantMutex<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.lock().serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ReentrantMutex<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Self::new)
    }
}
