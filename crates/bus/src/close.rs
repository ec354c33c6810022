//! [`CloseReport`] and [`Undelivered`]: what [`Bus::close`](crate::Bus::close) gives back.

use std::any::Any;
use std::fmt;
use std::time::Duration;

use selvedge_locks::sync::Arc;

/// What [`Bus::close`](crate::Bus::close) did: how long it waited, and every asynchronous
/// event accepted before the close that was still undelivered when its timeout passed.
///
/// ```
/// use selvedge_bus::Bus;
/// use std::time::Duration;
///
/// let bus = Bus::new()?;
/// let _sub = bus.subscribe(|_: &u32| ());
/// bus.publish_async(1_u32)?;
/// let report = bus.close(Duration::from_secs(5));
/// assert!(report.is_complete()); // delivered before close returned
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct CloseReport {
    /// Events accepted and not delivered in time, handed back (oldest first per subscriber).
    pub undelivered: Vec<Undelivered>,
    /// How long the close waited.
    pub elapsed: Duration,
}

impl CloseReport {
    /// Whether every accepted asynchronous event was delivered.
    ///
    /// ```
    /// let bus = selvedge_bus::Bus::new().unwrap();
    /// assert!(bus.close(std::time::Duration::ZERO).is_complete());
    /// ```
    pub fn is_complete(&self) -> bool {
        self.undelivered.is_empty()
    }
}

/// One asynchronous event a closing bus could not deliver in time: its topic, the subscriber
/// it was for, and the event itself ([`downcast`](Self::downcast) it to its type).
///
/// ```
/// use selvedge_bus::Bus;
/// use std::sync::mpsc;
/// use std::time::Duration;
///
/// let bus = Bus::new()?;
/// let (release, gate) = mpsc::channel::<()>();
/// let gate = std::sync::Mutex::new(gate);
/// let _slow = bus.subscriber::<u32>().name("slow").subscribe(move |_: &u32| {
///     let _ = gate.lock().unwrap().recv();
/// })?;
/// bus.publish_async(1_u32)?; // keeps the handler busy
/// bus.publish_async(2_u32)?; // waits behind it
/// let report = bus.close(Duration::from_millis(50));
/// release.send(()).unwrap();
/// let left = report.undelivered.into_iter().next().expect("event 2 came back");
/// assert_eq!(left.subscriber(), "slow");
/// assert_eq!(*left.downcast::<u32>().unwrap(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Undelivered {
    topic: String,
    subscriber: String,
    event: Box<dyn Any + Send>,
}

impl Undelivered {
    pub(crate) fn new(topic: String, subscriber: String, event: Box<dyn Any + Send>) -> Self {
        Self {
            topic,
            subscriber,
            event,
        }
    }

    /// The topic's name.
    ///
    /// ```
    /// # let bus = selvedge_bus::Bus::new().unwrap();
    /// for left in bus.close(std::time::Duration::ZERO).undelivered { let _ = left.topic(); }
    /// ```
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The name of the subscriber it was for.
    ///
    /// ```
    /// # let bus = selvedge_bus::Bus::new().unwrap();
    /// for left in bus.close(std::time::Duration::ZERO).undelivered { let _ = left.subscriber(); }
    /// ```
    pub fn subscriber(&self) -> &str {
        &self.subscriber
    }

    /// The event, if it is an `E` (shared: the other subscribers got the same one).
    ///
    /// # Errors
    ///
    /// `self` back when the event is of another type.
    ///
    /// ```
    /// # let bus = selvedge_bus::Bus::new().unwrap();
    /// for left in bus.close(std::time::Duration::ZERO).undelivered {
    ///     let _ = left.downcast::<String>();
    /// }
    /// ```
    pub fn downcast<E: Send + Sync + 'static>(self) -> Result<Arc<E>, Self> {
        match self.event.downcast::<Arc<E>>() {
            Ok(event) => Ok(*event),
            Err(event) => Err(Self { event, ..self }),
        }
    }
}

impl fmt::Debug for Undelivered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Undelivered")
            .field("topic", &self.topic)
            .field("subscriber", &self.subscriber)
            .finish_non_exhaustive()
    }
}
