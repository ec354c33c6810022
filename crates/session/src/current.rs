//! [`Current`]: the published session with its expiry and refresh point, the one value the
//! hot path reads.

use std::time::{Duration, Instant};

use selvedge_locks::sync::Arc;
use selvedge_locks::sync::atomic::{AtomicBool, Ordering};

use crate::clock;
use crate::retry::jitter_up_to;

/// The live session as the hot path sees it: one `Arc` behind the manager's cell, replaced
/// whole (never mutated) by a login, an invalidation or a logout.
#[derive(Debug)]
pub(crate) struct Current<S> {
    pub(crate) session: Arc<S>,
    /// From here on, a caller starts a refresh (if nobody is refreshing yet). `None` for a
    /// session that never expires.
    refresh_at: Option<Instant>,
    /// From here on, the session is not handed out any more.
    expires_at: Option<Instant>,
    /// The number of the flight that logged this session in.
    pub(crate) flight: u64,
    /// Set by the refresh timer shortly before `refresh_at` (see `refresh_timer`): from then on
    /// callers leave the hot path and read the clock.
    near_refresh: AtomicBool,
}

impl<S> Current<S> {
    /// The state for a fresh login. The refresh point is drawn at random in
    /// `[expiry - buffer, expiry - buffer + jitter]` (AWS's identity cache does the same), so
    /// processes that logged in together do not all refresh at once; and it is never earlier
    /// than half-way through the session's life, so a session shorter than the buffer is not
    /// refreshed on every call.
    pub(crate) fn new(
        session: S,
        expires_at: Option<Instant>,
        flight: u64,
        buffer: Duration,
        jitter: Duration,
    ) -> Self {
        let refresh_at = expires_at.map(|expires_at| {
            let now = clock::now();
            let lead = buffer.saturating_sub(jitter_up_to(jitter));
            let half_life = now + expires_at.saturating_duration_since(now) / 2;
            expires_at
                .checked_sub(lead)
                .map_or(half_life, |at| at.max(half_life))
        });
        Self {
            session: Arc::new(session),
            refresh_at,
            expires_at,
            flight,
            near_refresh: AtomicBool::new(false),
        }
    }

    /// Whether the session is certainly fresh (live and not due for a refresh): the hot path's
    /// whole check, one relaxed load of a flag in the cache line the hot path reads anyway.
    /// `false` sends the caller to the slow path, which reads the clock.
    ///
    /// Relaxed: the flag publishes no data, it only says "check the clock now"; seeing it a
    /// little late is covered by the timer flagging [`LEAD`](crate::refresh_timer) early.
    #[inline]
    pub(crate) fn is_fresh(&self) -> bool {
        !self.near_refresh.load(Ordering::Relaxed)
    }

    /// Sends callers of this session to the slow path from now on.
    pub(crate) fn flag_near_refresh(&self) {
        self.near_refresh.store(true, Ordering::Relaxed);
    }

    /// When a refresh may start (`None`: never).
    pub(crate) fn refresh_at(&self) -> Option<Instant> {
        self.refresh_at
    }

    /// Whether the session may still be handed out at `now`.
    pub(crate) fn is_live_at(&self, now: Instant) -> bool {
        self.expires_at.is_none_or(|at| now < at)
    }

    /// Whether the session is live but due for a refresh at `now`.
    pub(crate) fn is_due_at(&self, now: Instant) -> bool {
        self.refresh_at.is_some_and(|at| now >= at)
    }

    /// How long the session stays live after `now` (`None`: for ever).
    pub(crate) fn life_left_at(&self, now: Instant) -> Option<Duration> {
        self.expires_at.map(|at| at.saturating_duration_since(now))
    }
}
