//! The bus's tracing events, one `#[cold]` function each (names, target, levels and fields
//! as in `selvedge_trace`'s schema table).

use selvedge_trace::{events, targets};
use tracing::Level;

#[cold]
pub(crate) fn handler_panicked(topic: &str, subscriber: &str, message: &str) {
    tracing::event!(name: events::BUS_HANDLER_PANICKED, target: targets::BUS, Level::ERROR,
        topic = %topic, subscriber = %subscriber, message = %message);
}

#[cold]
pub(crate) fn dead_event(topic: &str) {
    tracing::event!(name: events::BUS_DEAD_EVENT, target: targets::BUS, Level::DEBUG,
        topic = %topic);
}

#[cold]
pub(crate) fn delivery_refused(topic: &str, subscriber: &str, reason: &str) {
    tracing::event!(name: events::BUS_DELIVERY_REFUSED, target: targets::BUS, Level::WARN,
        topic = %topic, subscriber = %subscriber, reason = %reason);
}
