//! [`Priority`]: the four levels of seed 002 (`URGENT`, `HIGH`, `NORMAL`, `LOW`).

/// How urgently a task should start. Higher levels always start first; within one level
/// tasks start in submission order (FIFO).
///
/// The one exception is the anti-starvation guard for [`Priority::Low`]: after
/// [`LOW_PRIORITY_GUARD`](crate::LOW_PRIORITY_GUARD) tasks of higher levels have been started
/// in a row by one worker while Low tasks were waiting, that worker starts the oldest Low task
/// next. Urgent, High and Normal are strictly ordered among themselves.
///
/// # Examples
///
/// ```
/// use selvedge_pool::Priority;
///
/// assert!(Priority::Urgent > Priority::High);
/// assert!(Priority::Normal > Priority::Low);
/// assert_eq!(Priority::default(), Priority::Normal);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Priority {
    /// Lowest: background work. Protected from starving forever by the guard.
    Low = 0,
    /// The default.
    #[default]
    Normal = 1,
    /// Before every Normal and Low task.
    High = 2,
    /// Before everything else.
    Urgent = 3,
}

impl Priority {
    /// Every level, most urgent first (the order the queue serves them in).
    ///
    /// ```
    /// use selvedge_pool::Priority;
    /// assert_eq!(Priority::ALL[0], Priority::Urgent);
    /// assert_eq!(Priority::ALL[3], Priority::Low);
    /// ```
    pub const ALL: [Priority; 4] = [
        Priority::Urgent,
        Priority::High,
        Priority::Normal,
        Priority::Low,
    ];

    /// Index into per-level arrays: Urgent 0, High 1, Normal 2, Low 3.
    pub(crate) const fn index(self) -> usize {
        3 - self as usize
    }

    /// The priority at `index` (inverse of [`index`](Self::index); masked to 0..4).
    pub(crate) const fn from_index(index: usize) -> Self {
        Self::ALL[index & 3]
    }
}
