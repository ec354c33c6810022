//! Capacities at their limits: `try_with_capacity` returns a typed error, `with_capacity`
//! panics with a message that names the map and the problem (never hashbrown's, never an
//! abort), and every shard count is clamped.

use std::panic::catch_unwind;

use selvedge_collections::{CapacityError, ConcurrentMap, ConcurrentSet};

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    selvedge_trace::panic_text(&*payload).to_owned()
}

#[test]
fn with_capacity_usize_max_panics_with_a_documented_message() {
    let message = panic_message(
        catch_unwind(|| ConcurrentMap::<u64, u64>::with_capacity(usize::MAX)).unwrap_err(),
    );
    assert!(
        message.contains("ConcurrentMap::with_capacity"),
        "{message}"
    );
    assert!(message.contains("too large"), "{message}");
    let message = panic_message(
        catch_unwind(|| ConcurrentSet::<u64>::with_capacity(usize::MAX)).unwrap_err(),
    );
    assert!(message.contains("too large"), "{message}");
}

#[test]
fn try_with_capacity_returns_a_typed_error() {
    let err = ConcurrentMap::<u64, u64>::try_with_capacity(usize::MAX).unwrap_err();
    assert_eq!(
        err,
        CapacityError::Overflow {
            requested: usize::MAX
        }
    );
    assert_eq!(err.requested(), usize::MAX);
    let _: &dyn std::error::Error = &err;
    assert!(ConcurrentSet::<u64>::try_with_capacity(usize::MAX).is_err());
    let map = ConcurrentMap::<u64, u64>::try_with_capacity(10_000).unwrap();
    map.insert(1, 1);
    assert_eq!(map.get(&1), Some(1));
}

#[test]
#[cfg(target_pointer_width = "64")]
fn a_capacity_the_allocator_refuses_is_an_error_not_an_abort() {
    // Terabytes per shard: representable, but no allocator here grants it.
    if cfg!(miri) {
        return;
    }
    match ConcurrentMap::<u64, u64>::try_with_capacity(1 << 44) {
        Err(CapacityError::AllocationFailed { requested, bytes }) => {
            assert_eq!(requested, 1 << 44);
            assert!(bytes > 1 << 40, "{bytes}");
        }
        other => panic!(
            "expected an allocation failure, got {:?}",
            other.map(|m| m.len())
        ),
    }
}

#[test]
fn zero_capacity_and_shard_limits() {
    let map = ConcurrentMap::<u8, u8>::with_capacity(0);
    assert!(map.is_empty());
    assert_eq!(ConcurrentMap::<u8, u8>::with_shards(0).shard_count(), 1);
    assert_eq!(
        ConcurrentSet::<u8>::with_shards(usize::MAX).shard_count(),
        1 << 16
    );
}
