//! [`Injector`]: the many-producer, many-consumer FIFO each priority level is. crossbeam-deque's
//! `Injector` (rayon-core's global queue; a push and a steal are one compare-and-swap each, no
//! lock); under loom, where crossbeam's own atomics cannot be modelled, a facade-mutex
//! `VecDeque` with the same four methods, so the models check the pool's protocol around the
//! queue (which only relies on each job being taken exactly once, in FIFO order).

#[cfg(not(selvedge_loom))]
mod backend {
    use crossbeam_deque::Steal;

    /// A FIFO every submitter pushes onto and every worker steals from.
    pub(crate) struct Injector<T>(crossbeam_deque::Injector<T>);

    impl<T> Injector<T> {
        pub(crate) fn new() -> Self {
            Self(crossbeam_deque::Injector::new())
        }

        #[inline]
        pub(crate) fn push(&self, item: T) {
            self.0.push(item);
        }

        /// The oldest item, or `None` when the queue is empty. A lost race with another
        /// stealer (`Steal::Retry`) is retried here: an item that was there is taken by
        /// someone, never skipped.
        #[inline]
        pub(crate) fn steal(&self) -> Option<T> {
            loop {
                match self.0.steal() {
                    Steal::Success(item) => return Some(item),
                    Steal::Empty => return None,
                    Steal::Retry => std::hint::spin_loop(),
                }
            }
        }

        /// Whether the queue is empty: a load of the head and of the tail, the line every
        /// push writes (so the worker does not ask before it steals: a `steal` reads the tail
        /// only when head and tail share a block, and on an empty queue).
        #[inline]
        pub(crate) fn is_empty(&self) -> bool {
            self.0.is_empty()
        }

        pub(crate) fn len(&self) -> usize {
            self.0.len()
        }
    }
}

#[cfg(selvedge_loom)]
mod backend {
    use std::collections::VecDeque;

    use selvedge_locks::sync::PlainMutex;

    /// The model of crossbeam's `Injector`: one lock, FIFO.
    pub(crate) struct Injector<T>(PlainMutex<VecDeque<T>>);

    impl<T> Injector<T> {
        pub(crate) fn new() -> Self {
            Self(PlainMutex::new(VecDeque::new()))
        }

        pub(crate) fn push(&self, item: T) {
            self.0.lock().push_back(item);
        }

        pub(crate) fn steal(&self) -> Option<T> {
            self.0.lock().pop_front()
        }

        pub(crate) fn is_empty(&self) -> bool {
            self.0.lock().is_empty()
        }

        pub(crate) fn len(&self) -> usize {
            self.0.lock().len()
        }
    }
}

pub(crate) use backend::Injector;

#[cfg(test)]
mod tests {
    use super::Injector;

    #[test]
    fn fifo_and_len() {
        let q = Injector::new();
        assert!(q.is_empty());
        q.push(1);
        q.push(2);
        assert_eq!(q.len(), 2);
        assert_eq!(q.steal(), Some(1));
        assert_eq!(q.steal(), Some(2));
        assert_eq!(q.steal(), None);
        assert!(q.is_empty());
    }

    /// Every item pushed by four threads is stolen by exactly one of four others.
    #[test]
    fn each_item_taken_once_under_racing_stealers() {
        use std::sync::atomic::{AtomicBool, Ordering};
        // Miri runs every atomic step: twenty items each still interleave the four pairs.
        const PER: usize = if cfg!(miri) { 20 } else { 10_000 };
        let q = Injector::new();
        let done = AtomicBool::new(false);
        let taken: Vec<Vec<usize>> = std::thread::scope(|s| {
            let pushers: Vec<_> = (0..4)
                .map(|p| {
                    let q = &q;
                    s.spawn(move || (0..PER).for_each(|i| q.push(p * PER + i)))
                })
                .collect();
            let stealers: Vec<_> = (0..4)
                .map(|_| {
                    let (q, done) = (&q, &done);
                    s.spawn(move || {
                        let mut got = Vec::new();
                        loop {
                            match q.steal() {
                                Some(x) => got.push(x),
                                None if done.load(Ordering::Acquire) && q.is_empty() => {
                                    return got;
                                }
                                None => std::thread::yield_now(),
                            }
                        }
                    })
                })
                .collect();
            pushers.into_iter().for_each(|h| h.join().unwrap());
            done.store(true, Ordering::Release);
            stealers.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let mut all: Vec<usize> = taken.iter().flatten().copied().collect();
        // FIFO per producer as seen by each stealer.
        for got in &taken {
            for p in 0..4 {
                let mine: Vec<_> = got.iter().filter(|&&x| x / PER == p).collect();
                assert!(mine.windows(2).all(|w| w[0] < w[1]));
            }
        }
        all.sort_unstable();
        assert_eq!(all, (0..4 * PER).collect::<Vec<_>>());
    }
}
