//! `BiasedRwLock` under `selvedge_loom`: a newtype over the same `lock_api` lock whose
//! constructor creates the state word at once.
//!
//! In a normal build the state word is a plain atomic inside `RawBiasedRwLock::INIT`. Loom
//! atomics cannot be built in a `const`, so under loom the word is created on first use; if
//! that first use were on a thread other than the lock's creator, loom would (rightly) see the
//! atomic's creation race with the other threads' loads. Creating it in `new`, before the lock
//! can be shared, gives every later access a happens-before edge to the creation. The newtype
//! dereferences to the `lock_api` lock, so every method and guard is the normal build's.

use std::ops::{Deref, DerefMut};

use parking_lot::lock_api;

use super::RawBiasedRwLock;

/// [`BiasedRwLock`](crate::BiasedRwLock) under loom: the same lock, built by a non-`const`
/// `new`; see the module docs.
#[derive(Debug, Default)]
pub struct BiasedRwLock<T>(lock_api::RwLock<RawBiasedRwLock, T>);

impl<T> BiasedRwLock<T> {
    /// Wraps `value`, creating the lock's state word in the model now.
    pub fn new(value: T) -> Self {
        let lock = lock_api::RwLock::<RawBiasedRwLock, T>::new(value);
        // SAFETY: `raw` is only used to create the state word; no lock is taken or released.
        #[allow(unsafe_code)]
        let raw: &RawBiasedRwLock = unsafe { lock.raw() };
        raw.state();
        Self(lock)
    }

    /// Unwraps the value.
    pub fn into_inner(self) -> T {
        self.0.into_inner()
    }
}

impl<T> Deref for BiasedRwLock<T> {
    type Target = lock_api::RwLock<RawBiasedRwLock, T>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<T> DerefMut for BiasedRwLock<T> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}
