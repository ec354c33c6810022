//! [`panic_text`]: the text of a caught panic, for the `message` field of the panic events.

use std::any::Any;

/// The text of a panic payload as the standard panic hook prints it: a `&str` or `String`
/// payload verbatim, `"<non-string panic payload>"` for anything else.
///
/// Every selvedge crate that contains a panic of user code reports it with this text, so the
/// `message` field reads the same in every event.
///
/// # Examples
///
/// ```
/// let caught = std::panic::catch_unwind(|| panic!("disk {} full", 3)).unwrap_err();
/// assert_eq!(selvedge_trace::panic_text(&*caught), "disk 3 full");
///
/// let caught = std::panic::catch_unwind(|| std::panic::panic_any(7_u8)).unwrap_err();
/// assert_eq!(selvedge_trace::panic_text(&*caught), "<non-string panic payload>");
/// ```
pub fn panic_text(payload: &(dyn Any + Send)) -> &str {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text
    } else {
        "<non-string panic payload>"
    }
}
