//! The engine: workers, queues, jobs and the intake behind [`ThreadPool`](crate::ThreadPool).

pub(crate) mod events;
pub(crate) mod intake;
pub(crate) mod job;
pub(crate) mod monitor;
pub(crate) mod queue;
pub(crate) mod task_id;
pub(crate) mod worker;
