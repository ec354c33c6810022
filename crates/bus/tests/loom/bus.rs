//! Loom models of the bus: subscribe and unsubscribe racing a publish, a publisher's cached
//! snapshot invalidated by a racing subscribe, a publishing thread's count folded as it exits
//! while stats are read, a handler publishing re-entrantly while another thread subscribes,
//! and asynchronous delivery order per subscriber with two publishers.
//!
//! Each bus runs on a one-worker pool and each model has at most three events, so every
//! model finishes at `LOOM_MAX_PREEMPTIONS=2`. Without `--cfg selvedge_loom` the same bodies
//! run many times on real threads.

use std::time::Duration;

use selvedge_bus::Bus;
use selvedge_locks::sync::atomic::{AtomicUsize, Ordering};
use selvedge_locks::sync::{Arc, PlainMutex};
use selvedge_pool::ThreadPool;
use selvedge_testkit::{model, thread};

const LONG: Duration = Duration::from_secs(3600);

fn bus() -> Bus {
    let pool = Arc::new(
        ThreadPool::builder()
            .max_threads(1)
            .queue_capacity(4)
            .drop_timeout(LONG)
            .build()
            .unwrap(),
    );
    Bus::builder().pool(&pool).capacity(4).build().unwrap()
}

fn counter(bus: &Bus) -> (selvedge_bus::Subscription, Arc<AtomicUsize>) {
    let n = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&n);
    let sub = bus.subscribe(move |_: &u32| {
        seen.fetch_add(1, Ordering::SeqCst);
    });
    (sub, n)
}

/// While one thread publishes, another unsubscribes X and subscribes Z: the steady
/// subscriber Y gets the event exactly once, X and Z at most once, and X never after its
/// unsubscribe returned.
#[test]
fn subscribe_and_unsubscribe_racing_publish() {
    model(|| {
        let bus = bus();
        let (x, x_seen) = counter(&bus);
        let (_y, y_seen) = counter(&bus);
        let churn = {
            let bus = bus.clone();
            thread::spawn(move || {
                x.unsubscribe();
                counter(&bus)
            })
        };
        let delivered = bus.publish(&1_u32).unwrap();
        let (_z, z_seen) = churn.join().unwrap();
        assert_eq!(y_seen.load(Ordering::SeqCst), 1);
        let (x_n, z_n) = (x_seen.load(Ordering::SeqCst), z_seen.load(Ordering::SeqCst));
        assert!(x_n <= 1 && z_n <= 1);
        assert_eq!(delivered, 1 + x_n + z_n);
        // X is gone now: a second publish reaches Y and Z only.
        let x_before = x_n;
        bus.publish(&2_u32).unwrap();
        assert_eq!(x_seen.load(Ordering::SeqCst), x_before);
        assert_eq!(z_seen.load(Ordering::SeqCst), z_n + 1);
        bus.close(LONG);
    });
}

/// This thread publishes while another subscribes Z (so the first publish may fill this
/// thread's snapshot cache in the middle of that edit), then joins it and publishes again: the
/// second publish must not use a stale cached list, so Z gets it. The steady subscriber Y gets
/// both, and the stats count both exactly. Through a topic handle, or through `Bus::publish`
/// (whose second publish finds the cached list by route, without the registry).
fn cached_snapshot_invalidated_by_a_racing_subscribe(through_bus: bool) {
    model(move || {
        let bus = bus();
        let (_y, y_seen) = counter(&bus);
        let churn = {
            let bus = bus.clone();
            thread::spawn(move || counter(&bus))
        };
        let topic = bus.topic::<u32>();
        let publish = |n: u32| {
            if through_bus {
                bus.publish(&n)
            } else {
                topic.publish(&n)
            }
        };
        let first = publish(1).unwrap();
        let (_z, z_seen) = churn.join().unwrap();
        let z_first = z_seen.load(Ordering::SeqCst);
        assert_eq!(first, 1 + z_first);
        assert_eq!(publish(2), Ok(2));
        assert_eq!(z_seen.load(Ordering::SeqCst), z_first + 1);
        assert_eq!(y_seen.load(Ordering::SeqCst), 2);
        let stats = bus.stats();
        let topic_stats = stats.topic("u32").unwrap();
        assert_eq!(topic_stats.published, 2);
        assert_eq!(topic_stats.subscribers[0].delivered, 2);
        bus.close(LONG);
    });
}

#[test]
fn cached_snapshot_of_a_topic_handle_invalidated_by_a_racing_subscribe() {
    cached_snapshot_invalidated_by_a_racing_subscribe(false);
}

#[test]
fn cached_route_of_bus_publish_invalidated_by_a_racing_subscribe() {
    cached_snapshot_invalidated_by_a_racing_subscribe(true);
}

/// A thread publishes once and exits, folding its publish count into the topic as its cache
/// is torn down, while this thread reads the stats: each read sees the publish once or not
/// yet, never twice, and after the join exactly once.
#[test]
fn exiting_publishers_count_folds_exactly_while_stats_read() {
    model(|| {
        let bus = bus();
        let (_y, y_seen) = counter(&bus);
        let publisher = {
            let bus = bus.clone();
            thread::spawn(move || assert_eq!(bus.publish(&1_u32), Ok(1)))
        };
        let during = bus.stats().topic("u32").unwrap().published;
        assert!(during <= 1);
        publisher.join().unwrap();
        assert_eq!(bus.stats().topic("u32").unwrap().published, 1);
        assert_eq!(y_seen.load(Ordering::SeqCst), 1);
        bus.close(LONG);
    });
}

/// A handler publishes another event type on the same bus while another thread subscribes to
/// that type: no deadlock, the nested event reaches the nested subscriber at most once, and
/// the outer handler runs exactly once.
#[test]
fn reentrant_publish_racing_subscribe() {
    model(|| {
        let bus = bus();
        let outer = Arc::new(AtomicUsize::new(0));
        let _o = {
            let (bus2, outer) = (bus.clone(), Arc::clone(&outer));
            bus.subscribe(move |n: &u32| {
                outer.fetch_add(1, Ordering::SeqCst);
                bus2.publish(&u64::from(*n)).unwrap();
            })
        };
        let nested = Arc::new(AtomicUsize::new(0));
        let subscriber = {
            let (bus, nested) = (bus.clone(), Arc::clone(&nested));
            thread::spawn(move || {
                bus.subscribe(move |_: &u64| {
                    nested.fetch_add(1, Ordering::SeqCst);
                })
            })
        };
        assert_eq!(bus.publish(&1_u32), Ok(1));
        let _n = subscriber.join().unwrap();
        assert_eq!(outer.load(Ordering::SeqCst), 1);
        assert!(nested.load(Ordering::SeqCst) <= 1);
        bus.close(LONG);
    });
}

/// Two publishers queue asynchronously (A: 1 then 2, B: 3) for one subscriber: all three are
/// delivered once, one at a time, 1 before 2.
#[test]
fn async_order_per_subscriber() {
    model(|| {
        let bus = bus();
        let log = Arc::new(PlainMutex::new(Vec::new()));
        let _s = {
            let log = Arc::clone(&log);
            bus.subscribe(move |n: &u32| log.lock().push(*n))
        };
        let b = {
            let bus = bus.clone();
            thread::spawn(move || bus.publish_async(3_u32).unwrap())
        };
        bus.publish_async(1_u32).unwrap();
        bus.publish_async(2_u32).unwrap();
        b.join().unwrap();
        assert!(bus.close(LONG).is_complete());
        let log = log.lock().clone();
        assert_eq!(log.len(), 3, "{log:?}");
        let mine: Vec<u32> = log.iter().copied().filter(|n| *n != 3).collect();
        assert_eq!(mine, [1, 2]);
    });
}
