//! The synchronous publish path's per-thread snapshot cache, seen from outside: counts stay
//! exact across threads that exit and across evictions, edits made by handlers (while the
//! publishing thread's cache is borrowed) reach the next publish, a handler dropped while its
//! thread tears down may still publish, and a cached list never keeps the bus's pool alive.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

use selvedge_bus::{Bus, Subscription};
use selvedge_pool::ThreadPool;

fn counting<E: 'static>(n: &Arc<AtomicUsize>) -> impl Fn(&E) + Send + Sync + 'static {
    let n = Arc::clone(n);
    move |_: &E| {
        n.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn stats_count_every_publish_of_threads_that_exited() {
    let bus = Bus::new().unwrap();
    let got = Arc::new(AtomicUsize::new(0));
    let _sub = bus.subscribe(counting::<u32>(&got));
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let bus = bus.clone();
            thread::spawn(move || {
                let topic = bus.topic::<u32>();
                for n in 0..500 {
                    // Both paths, alternating: the typed lookup and the handle.
                    if (i + n) % 2 == 0 {
                        bus.publish(&n).unwrap();
                    } else {
                        topic.publish(&n).unwrap();
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    bus.publish(&0_u32).unwrap();
    let stats = bus.stats();
    let topic = stats.topic("u32").unwrap();
    assert_eq!(topic.published, 2001);
    assert_eq!(topic.subscribers[0].published, 2001);
    assert_eq!(topic.subscribers[0].delivered, 2001);
    assert_eq!(got.load(Ordering::Relaxed), 2001);
}

#[test]
fn publishing_to_more_topics_than_a_thread_caches_delivers_and_counts_each() {
    let bus = Bus::new().unwrap();
    let names: Vec<String> = (0..20).map(|i| format!("topic.{i}")).collect();
    let got: Vec<Arc<AtomicUsize>> = names.iter().map(|_| Arc::default()).collect();
    let _subs: Vec<Subscription> = names
        .iter()
        .zip(&got)
        .map(|(name, n)| bus.subscribe_to(name, counting::<u8>(n)).unwrap())
        .collect();
    for round in 0..3_u8 {
        for name in &names {
            assert_eq!(bus.publish_to(name, &round), Ok(1));
        }
    }
    let stats = bus.stats();
    for (name, n) in names.iter().zip(&got) {
        assert_eq!(n.load(Ordering::Relaxed), 3, "{name}");
        let topic = stats.topic(name).unwrap();
        assert_eq!(topic.published, 3, "{name}");
        assert_eq!(topic.subscribers[0].delivered, 3, "{name}");
    }
}

/// A handler subscribes a newcomer to its own topic and publishes to a second topic whose
/// subscriber list it just changed, all while the thread's cache is borrowed by the outer
/// publish: the nested publish sees the change, and the next publish reaches the newcomer.
#[test]
fn edits_made_by_a_handler_reach_the_next_publish_from_the_same_thread() {
    let bus = Bus::new().unwrap();
    let topic = bus.topic::<u32>();
    let other = bus.topic::<u64>();
    let newcomer = Arc::new(AtomicUsize::new(0));
    let other_got = Arc::new(AtomicUsize::new(0));
    let held: Arc<Mutex<Vec<Subscription>>> = Arc::default();
    other.publish(&0).unwrap(); // cached here with no subscriber: a dead event
    let _outer = {
        let (topic2, other2) = (topic.clone(), other.clone());
        let (newcomer, other_got, held) = (
            Arc::clone(&newcomer),
            Arc::clone(&other_got),
            Arc::clone(&held),
        );
        topic.subscribe(move |n: &u32| {
            if *n == 1 {
                let mut held = held.lock().unwrap();
                held.push(topic2.subscribe(counting::<u32>(&newcomer)));
                held.push(other2.subscribe(counting::<u64>(&other_got)));
                drop(held);
                assert_eq!(other2.publish(&1), Ok(1));
            }
        })
    };
    assert_eq!(topic.publish(&1), Ok(1));
    assert_eq!(newcomer.load(Ordering::Relaxed), 0);
    assert_eq!(topic.publish(&2), Ok(2));
    assert_eq!(newcomer.load(Ordering::Relaxed), 1);
    assert_eq!(other.publish(&2), Ok(1));
    assert_eq!(other_got.load(Ordering::Relaxed), 2);
    let stats = bus.stats();
    assert_eq!(stats.topic("u32").unwrap().published, 2);
    let u64s = stats.topic("u64").unwrap();
    assert_eq!((u64s.published, u64s.dead), (3, 1));
    assert_eq!(u64s.subscribers[0].delivered, 2);
}

/// What a handler's captures publish when they are dropped.
#[derive(Debug)]
struct Dropped;

/// Publishes [`Dropped`] from its `Drop`.
struct PublishOnDrop(Bus);

impl Drop for PublishOnDrop {
    fn drop(&mut self) {
        self.0.publish(&Dropped).unwrap();
    }
}

/// A thread's cache keeps the list it last published to. Unsubscribed meanwhile, the handler
/// in that list is dropped when the thread exits and tears its cache down, and its captures
/// publish from inside that teardown: delivered and counted, without touching the dying cache.
#[test]
fn a_handler_dropped_as_its_publishers_cache_is_torn_down_may_publish() {
    let bus = Bus::new().unwrap();
    let drops = Arc::new(AtomicUsize::new(0));
    let _on_drop = bus.subscribe(counting::<Dropped>(&drops));
    let sub = {
        let guard = PublishOnDrop(bus.clone());
        bus.subscribe(move |_: &u8| {
            let _ = &guard;
        })
    };
    let (published_tx, published) = std::sync::mpsc::channel();
    let (exit, exit_rx) = std::sync::mpsc::channel::<()>();
    let publisher = {
        let bus = bus.clone();
        thread::spawn(move || {
            assert_eq!(bus.publish(&1_u8), Ok(1));
            published_tx.send(()).unwrap();
            exit_rx.recv().unwrap();
        })
    };
    published.recv().unwrap();
    sub.unsubscribe();
    assert_eq!(
        drops.load(Ordering::Relaxed),
        0,
        "the publisher's cache still holds it"
    );
    exit.send(()).unwrap();
    publisher.join().unwrap();
    assert_eq!(drops.load(Ordering::Relaxed), 1);
    let stats = bus.stats();
    assert_eq!(stats.topic("Dropped").unwrap().published, 1);
    assert_eq!(stats.topic("u8").unwrap().published, 1);
}

/// This thread's cache still holds the list it published to after the subscription and the
/// bus are gone, but that list holds callbacks only: no subscriber lane, so no strand and no
/// reference to the pool.
#[test]
fn a_cached_list_does_not_keep_the_pool_alive() {
    let pool = Arc::new(ThreadPool::builder().max_threads(1).build().unwrap());
    let bus = Bus::builder().pool(&pool).build().unwrap();
    let got = Arc::new(AtomicUsize::new(0));
    let sub = bus.subscribe(counting::<u16>(&got));
    assert_eq!(bus.publish(&1_u16), Ok(1));
    assert!(
        Arc::strong_count(&pool) > 1,
        "the bus and the subscriber's strand hold it"
    );
    sub.unsubscribe();
    drop(bus);
    assert_eq!(Arc::strong_count(&pool), 1);
    assert_eq!(got.load(Ordering::Relaxed), 1);
}

/// Creates a topic from its `Drop` (the registry's write lock).
struct CreateTopicOnDrop(Bus);

impl Drop for CreateTopicOnDrop {
    fn drop(&mut self) {
        let _ = self.0.topic::<Dropped>();
    }
}

/// A publish that refills this thread's cache drops the list it replaces; the last handler in
/// it goes with it, and its captures take the registry's write lock. `Bus::publish` must have
/// released its read lock by then, or this thread deadlocks on itself.
#[test]
fn a_handler_dropped_by_a_refill_may_create_topics() {
    let bus = Bus::new().unwrap();
    let sub = {
        let guard = CreateTopicOnDrop(bus.clone());
        bus.subscribe(move |_: &u32| {
            let _ = &guard;
        })
    };
    let (done_tx, done) = std::sync::mpsc::channel();
    let publisher = {
        let bus = bus.clone();
        thread::spawn(move || {
            assert_eq!(bus.publish(&1_u32), Ok(1)); // cached, with the handler
            sub.unsubscribe(); // the cache still holds it
            assert_eq!(bus.publish(&2_u32), Ok(0)); // refilled: the handler is dropped
            done_tx.send(()).unwrap();
        })
    };
    done.recv_timeout(std::time::Duration::from_secs(10))
        .expect("the publish finished: no deadlock on the registry lock");
    publisher.join().unwrap();
    assert!(bus.stats().topic("Dropped").is_some());
}

/// `Bus::publish` finds a topic it published to before by route, without the registry; once
/// its last subscriber left, each publish is a dead event again, counted once, and a
/// closed bus refuses before the route is looked at.
#[test]
fn bus_publish_by_route_counts_dead_events_and_refuses_when_closed() {
    let bus = Bus::new().unwrap();
    let got = Arc::new(AtomicUsize::new(0));
    let sub = bus.subscribe(counting::<i64>(&got));
    assert_eq!(bus.publish(&1_i64), Ok(1));
    assert_eq!(bus.publish(&2_i64), Ok(1)); // by route
    sub.unsubscribe();
    assert_eq!(bus.publish(&3_i64), Ok(0));
    assert_eq!(bus.publish(&4_i64), Ok(0));
    let stats = bus.stats();
    let topic = stats.topic("i64").unwrap();
    assert_eq!((topic.published, topic.dead), (4, 2));
    assert_eq!(stats.dead, 2);
    assert_eq!(got.load(Ordering::Relaxed), 2);
    let _again = bus.subscribe(counting::<i64>(&got));
    assert_eq!(bus.publish(&5_i64), Ok(1));
    assert!(bus.close(std::time::Duration::from_secs(5)).is_complete());
    assert_eq!(bus.publish(&6_i64), Err(selvedge_bus::BusError::Closed));
    assert_eq!(got.load(Ordering::Relaxed), 3);
}
