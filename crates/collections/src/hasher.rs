//! `DefaultHashBuilder`: the hasher a map gets unless it names one.
//!
//! A newtype over foldhash's randomly seeded fast hasher, so foldhash is not part of the public
//! API and can be swapped for a faster hasher without a breaking change.

use std::hash::{BuildHasher, Hasher};

/// The default hash builder of [`ConcurrentMap`](crate::ConcurrentMap) and
/// [`ConcurrentSet`](crate::ConcurrentSet): a fast, randomly seeded hasher (currently
/// foldhash's), several times faster than std's SipHash on small keys.
///
/// Like std's `RandomState` each instance has its own random seed, which makes hash-flooding
/// attacks impractical; unlike SipHash it makes no cryptographic claim. For untrusted keys
/// where that matters, pass `std::hash::RandomState` to
/// [`ConcurrentMap::with_hasher`](crate::ConcurrentMap::with_hasher).
///
/// # Examples
///
/// ```
/// use std::hash::BuildHasher;
/// use selvedge_collections::DefaultHashBuilder;
///
/// let hasher = DefaultHashBuilder::default();
/// assert_eq!(hasher.hash_one("key"), hasher.hash_one("key"));
/// ```
#[derive(Clone, Default)]
pub struct DefaultHashBuilder(foldhash::fast::RandomState);

impl std::fmt::Debug for DefaultHashBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The seed is a secret; printing it would help a hash-flooding attacker.
        f.debug_struct("DefaultHashBuilder").finish_non_exhaustive()
    }
}

impl BuildHasher for DefaultHashBuilder {
    type Hasher = DefaultHasher;

    #[inline]
    fn build_hasher(&self) -> Self::Hasher {
        DefaultHasher(self.0.build_hasher())
    }
}

/// The [`Hasher`] that [`DefaultHashBuilder`] builds.
///
/// # Examples
///
/// ```
/// use std::hash::{BuildHasher, Hasher};
/// use selvedge_collections::DefaultHashBuilder;
///
/// let mut hasher = DefaultHashBuilder::default().build_hasher();
/// hasher.write_u64(42);
/// let _ = hasher.finish();
/// ```
#[derive(Clone)]
pub struct DefaultHasher(foldhash::fast::FoldHasher);

impl std::fmt::Debug for DefaultHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The state is a seed-derived secret; printing it would help a hash-flooding attacker.
        f.debug_struct("DefaultHasher").finish_non_exhaustive()
    }
}

impl Hasher for DefaultHasher {
    #[inline]
    fn finish(&self) -> u64 {
        self.0.finish()
    }

    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        self.0.write(bytes);
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.0.write_u8(i);
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.0.write_u32(i);
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.0.write_u64(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.0.write_usize(i);
    }
}
