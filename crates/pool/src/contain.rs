//! Containment of user panics that do not come from a task body: a `Drop` of user data (a
//! task's value, captures or unfired callbacks) and a panic payload whose own `Drop` panics.
//! A worker calls these so that no user code can unwind it.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Drops `value`; if its `Drop` panics, the panic stops here and its message is returned.
pub(crate) fn drop_contained<T>(value: T) -> Option<String> {
    let payload = catch_unwind(AssertUnwindSafe(move || drop(value))).err()?;
    Some(into_message(payload))
}

/// A caught payload's message, the payload dropped (contained) before anything else runs:
/// if the caller's next step unwinds (a panicking tracing subscriber), no payload is left to
/// drop while unwinding, where a panicking `Drop` would abort.
pub(crate) fn into_message(payload: Box<dyn Any + Send>) -> String {
    let message = selvedge_trace::panic_text(&*payload).to_owned();
    drop_payload(payload);
    message
}

/// Drops a caught panic payload. A payload is user data too: if its `Drop` panics, that
/// second payload is leaked (`mem::forget`), since dropping it could panic again, and so on.
pub(crate) fn drop_payload(payload: Box<dyn Any + Send>) {
    if let Err(again) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        std::mem::forget(again);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Bomb;

    impl Drop for Bomb {
        fn drop(&mut self) {
            panic!("bomb");
        }
    }

    #[test]
    fn a_panicking_drop_is_contained_and_reported() {
        assert_eq!(drop_contained(Bomb), Some("bomb".to_owned()));
        assert_eq!(drop_contained(1), None);
    }

    #[test]
    #[cfg_attr(miri, ignore = "leaks the payload of the second panic on purpose")]
    fn a_payload_whose_drop_panics_is_contained() {
        let payload = catch_unwind(|| std::panic::panic_any(Bomb)).unwrap_err();
        drop_payload(payload);
        // Nested: a payload whose drop panics with a payload whose drop panics.
        struct Nested;
        impl Drop for Nested {
            fn drop(&mut self) {
                std::panic::panic_any(Bomb);
            }
        }
        drop_payload(catch_unwind(|| std::panic::panic_any(Nested)).unwrap_err());
    }
}
