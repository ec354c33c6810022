//! The loom build's backend of [`Lazy`](crate::Lazy): once_cell's `Lazy` API rebuilt on a
//! `Global<()>`, whose single flight runs on the facade's loom primitives, so a model sees and
//! interleaves every access (once_cell's internals are invisible to loom).
//!
//! Compiled only under `--cfg selvedge_loom`; `lazy.rs` chooses it.

use std::sync::OnceLock;

use selvedge_locks::sync::PlainMutex;

use crate::Global;

/// Single flight through a loom-backed [`Global`], plus a `OnceLock<T>` that the winning
/// initialiser fills before the `Global` publishes, so `&T` (and `&mut T`) can be handed out.
pub(crate) struct ModelLazy<T, F> {
    /// Decides, in the model's view, which thread initialises; holds `()` once `value` is set.
    flight: Global<()>,
    init: PlainMutex<Option<F>>,
    /// The value, set by the one initialiser before `flight` publishes (so a thread that finds
    /// `flight` initialised finds it set). Only that initialiser writes it, so its `set` never
    /// blocks a loom thread.
    value: OnceLock<T>,
}

impl<T, F> ModelLazy<T, F> {
    pub(crate) fn new(init: F) -> Self {
        Self {
            flight: Global::named("lazy"),
            init: PlainMutex::new(Some(init)),
            value: OnceLock::new(),
        }
    }

    pub(crate) fn into_value(this: Self) -> Result<T, F> {
        match this.value.into_inner() {
            Some(value) => Ok(value),
            None => Err(this
                .init
                .into_inner()
                .expect("Lazy instance has previously been poisoned")),
        }
    }
}

impl<T, F: FnOnce() -> T> ModelLazy<T, F> {
    /// Every access goes through the loom-visible `Global` first (never the `OnceLock` alone),
    /// so the model sees, and interleaves, each thread's access.
    pub(crate) fn force(this: &Self) -> &T {
        this.flight.get_or_init(|| {
            let init = this
                .init
                .lock()
                .take()
                .expect("Lazy instance has previously been poisoned");
            let _ = this.value.set(init());
        });
        this.value
            .get()
            .expect("the initialiser sets the value before the flight publishes")
    }

    pub(crate) fn get(this: &Self) -> Option<&T> {
        this.flight.get()?;
        this.value.get()
    }

    pub(crate) fn force_mut(this: &mut Self) -> &mut T {
        Self::force(this);
        this.value.get_mut().expect("force set the value")
    }

    pub(crate) fn get_mut(this: &mut Self) -> Option<&mut T> {
        this.value.get_mut()
    }
}
