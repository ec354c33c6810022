//! The bus's typed errors: [`BuildError`] (bad configuration), [`BusError`] (a publish or a
//! named-topic lookup refused) and [`PublishError`] (an asynchronous publish not queued for
//! every subscriber).

use std::fmt;

/// Why [`BusBuilder::build`](crate::BusBuilder::build) refused a configuration.
///
/// ```
/// use selvedge_bus::{Bus, BuildError};
/// assert_eq!(Bus::builder().capacity(0).build().unwrap_err(), BuildError::ZeroCapacity);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildError {
    /// A subscriber queue capacity of 0: asynchronous delivery needs room for one event.
    ZeroCapacity,
    /// The bus's own pool could not be built (the message is the pool's error).
    Pool(String),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ZeroCapacity => f.write_str("subscriber queue capacity must be at least 1"),
            Self::Pool(msg) => write!(f, "could not build the bus's pool: {msg}"),
        }
    }
}

impl std::error::Error for BuildError {}

/// Why the bus refused a publish or a named-topic lookup.
///
/// ```
/// use selvedge_bus::{Bus, BusError};
///
/// let bus = Bus::new()?;
/// let _sub = bus.subscribe_to("user.joined", |name: &String| { let _ = name; })?;
/// // The same name with another event type is a typed error, not a silent dead event.
/// let err = bus.publish_to("user.joined", &42_u32).unwrap_err();
/// assert!(matches!(err, BusError::TypeMismatch { .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BusError {
    /// [`Bus::close`](crate::Bus::close) was called: the bus takes no new events.
    Closed,
    /// A named topic was used with another event type than the one it was created with.
    TypeMismatch {
        /// The topic's name.
        topic: String,
        /// The event type the topic carries.
        expected: &'static str,
        /// The event type it was used with.
        found: &'static str,
    },
}

impl fmt::Display for BusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Closed => f.write_str("the bus is closed"),
            Self::TypeMismatch {
                topic,
                expected,
                found,
            } => write!(f, "topic {topic:?} carries {expected}, not {found}"),
        }
    }
}

impl std::error::Error for BusError {}

/// Why [`publish_async`](crate::Bus::publish_async) did not queue an event for every
/// subscriber. Subscribers not named here did get it queued.
///
/// ```
/// use selvedge_bus::{Bus, PublishError};
///
/// let bus = Bus::new()?;
/// bus.close(std::time::Duration::from_secs(1));
/// assert_eq!(bus.publish_async(1_u8), Err(PublishError::Closed));
/// # Ok::<(), selvedge_bus::BuildError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PublishError {
    /// The bus is closed: no subscriber got the event.
    Closed,
    /// A named topic of another event type (see [`BusError::TypeMismatch`]).
    Topic(BusError),
    /// Some subscribers refused it (full queue under [`Overflow::Reject`](crate::Overflow) or
    /// `Block`, or their pool refused the delivery); each refusal is also counted in that
    /// subscriber's `rejected`.
    Rejected {
        /// Subscribers that did queue it.
        accepted: usize,
        /// The names of those that refused it.
        rejected: Vec<String>,
    },
}

impl fmt::Display for PublishError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Closed => f.write_str("the bus is closed"),
            Self::Topic(err) => fmt::Display::fmt(err, f),
            Self::Rejected { accepted, rejected } => write!(
                f,
                "event queued for {accepted} subscribers, refused by {}: {}",
                rejected.len(),
                rejected.join(", ")
            ),
        }
    }
}

impl std::error::Error for PublishError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Topic(err) => Some(err),
            _ => None,
        }
    }
}

impl From<BusError> for PublishError {
    fn from(err: BusError) -> Self {
        match err {
            BusError::Closed => Self::Closed,
            other => Self::Topic(other),
        }
    }
}
