//! [`Current`]: the published session with its expiry and refresh point, the one value the
//! hot path reads.

use std::time::{Duration, Instant};

use selvedge_locks::sync::Arc;

use crate::clock::{self, Coarse};
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
    /// The generation the session store published it under (0: kept to this process).
    pub(crate) generation: u64,
    /// The coarse reading before which `refresh_at` has certainly not passed (see
    /// `clock::fresh_until`); [`Coarse::NEVER`] for a session that never expires.
    fresh_until: Coarse,
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
        generation: u64,
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
            generation,
            fresh_until: refresh_at.map_or(Coarse::NEVER, clock::fresh_until),
        }
    }

    /// Whether the session is certainly fresh (live and not due for a refresh): the hot path's
    /// whole check, one read of the coarse clock (none for a session that never expires).
    /// `false` sends the caller to the slow path, which reads the precise clock.
    #[inline]
    pub(crate) fn is_fresh(&self) -> bool {
        self.fresh_until == Coarse::NEVER || clock::coarse_now() < self.fresh_until
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
