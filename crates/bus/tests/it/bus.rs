//! `Bus`: synchronous order and re-entrancy, contained panics, dead events, named topics,
//! asynchronous order and each overflow policy, unsubscribe and close, and the stats identity.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use selvedge_bus::{Bus, BusError, Overflow, PublishError, Subscription};
use selvedge_trace::{events, testing::capture, testing::capture_all};

const LONG: Duration = Duration::from_secs(10);

fn log<T>() -> Arc<Mutex<Vec<T>>> {
    Arc::new(Mutex::new(Vec::new()))
}

/// A handler gate: the handler blocks on event `1` until released, after telling the test
/// it has started (so event 1 is out of the queue).
struct Gate {
    started: Receiver<()>,
    release: Sender<()>,
}

fn gated(seen: &Arc<Mutex<Vec<u32>>>) -> (Gate, impl Fn(&u32) + Send + Sync + 'static) {
    let (started_tx, started) = mpsc::channel::<()>();
    let (release, gate) = mpsc::channel::<()>();
    let (started_tx, gate) = (Mutex::new(started_tx), Mutex::new(gate));
    let seen = Arc::clone(seen);
    let handler = move |n: &u32| {
        seen.lock().unwrap().push(*n);
        if *n == 1 {
            started_tx.lock().unwrap().send(()).unwrap();
            gate.lock().unwrap().recv().unwrap();
        }
    };
    (Gate { started, release }, handler)
}

impl Gate {
    fn wait_started(&self) {
        self.started.recv_timeout(LONG).expect("handler started");
    }
    fn open(&self) {
        self.release.send(()).unwrap();
    }
}

#[test]
fn sync_publish_runs_handlers_in_subscription_order_in_the_publisher_thread() {
    let bus = Bus::new().unwrap();
    let order = log();
    let me = std::thread::current().id();
    let subs: Vec<Subscription> = (0..4)
        .map(|i| {
            let order = Arc::clone(&order);
            bus.subscribe(move |n: &u32| {
                assert_eq!(std::thread::current().id(), me);
                order.lock().unwrap().push((i, *n));
            })
        })
        .collect();
    assert_eq!(bus.publish(&7_u32), Ok(4));
    assert_eq!(*order.lock().unwrap(), [(0, 7), (1, 7), (2, 7), (3, 7)]);
    drop(subs);
}

/// During a publish, handler A publishes another event, unsubscribes B and subscribes D:
/// no deadlock, C is not skipped, B is not called after its unsubscribe, D gets the next
/// event only.
#[test]
fn handlers_publish_subscribe_and_unsubscribe_during_dispatch() {
    let bus = Bus::new().unwrap();
    let calls = log();
    let b_slot: Arc<Mutex<Option<Subscription>>> = Arc::new(Mutex::new(None));
    let d_slot: Arc<Mutex<Option<Subscription>>> = Arc::new(Mutex::new(None));
    let _nested = {
        let calls = Arc::clone(&calls);
        bus.subscribe(move |s: &String| calls.lock().unwrap().push(format!("nested {s}")))
    };
    let _a = {
        let (bus2, calls, b_slot, d_slot) = (
            bus.clone(),
            Arc::clone(&calls),
            Arc::clone(&b_slot),
            Arc::clone(&d_slot),
        );
        bus.subscribe(move |n: &u32| {
            calls.lock().unwrap().push(format!("a {n}"));
            bus2.publish(&format!("from a {n}")).unwrap();
            if let Some(b) = b_slot.lock().unwrap().take() {
                b.unsubscribe();
            }
            let mut d = d_slot.lock().unwrap();
            if d.is_none() {
                let calls = Arc::clone(&calls);
                *d = Some(
                    bus2.subscribe(move |n: &u32| calls.lock().unwrap().push(format!("d {n}"))),
                );
            }
        })
    };
    *b_slot.lock().unwrap() = Some({
        let calls = Arc::clone(&calls);
        bus.subscribe(move |n: &u32| calls.lock().unwrap().push(format!("b {n}")))
    });
    let _c = {
        let calls = Arc::clone(&calls);
        bus.subscribe(move |n: &u32| calls.lock().unwrap().push(format!("c {n}")))
    };
    bus.publish(&1_u32).unwrap();
    bus.publish(&2_u32).unwrap();
    assert_eq!(
        *calls.lock().unwrap(),
        [
            "a 1",
            "nested from a 1",
            "c 1",
            "a 2",
            "nested from a 2",
            "c 2",
            "d 2"
        ]
    );
}

#[test]
fn panicking_handler_is_contained_counted_and_reported_with_names() {
    let bus = Bus::new().unwrap();
    let ok = Arc::new(AtomicUsize::new(0));
    let _bad = bus
        .subscriber::<u32>()
        .name("flaky")
        .subscribe(|n: &u32| assert!(n.is_multiple_of(2), "odd {n}"))
        .unwrap();
    let _good = {
        let ok = Arc::clone(&ok);
        bus.subscribe(move |_: &u32| {
            ok.fetch_add(1, Ordering::Relaxed);
        })
    };
    let (results, captured) = capture(|| (bus.publish(&1_u32), bus.publish(&2_u32)));
    assert_eq!(results, (Ok(1), Ok(2)));
    assert_eq!(ok.load(Ordering::Relaxed), 2);
    let event = captured
        .iter()
        .find(|e| e.name == events::BUS_HANDLER_PANICKED)
        .unwrap();
    assert_eq!(event.field("topic"), Some("u32"));
    assert_eq!(event.field("subscriber"), Some("flaky"));
    assert_eq!(event.field("message"), Some("odd 1"));
    let stats = bus.stats();
    let flaky = &stats.topic("u32").unwrap().subscribers[0];
    assert_eq!((flaky.published, flaky.delivered, flaky.failed), (2, 1, 1));
}

#[test]
fn async_panics_are_contained_and_delivery_goes_on() {
    let bus = Bus::new().unwrap();
    let seen = log();
    let _s = {
        let seen = Arc::clone(&seen);
        bus.subscribe(move |n: &u32| {
            assert!(*n != 2, "two");
            seen.lock().unwrap().push(*n);
        })
    };
    let ((), captured) = capture_all(|| {
        for n in 1..=3_u32 {
            bus.publish_async(n).unwrap();
        }
        assert!(bus.close(LONG).is_complete());
    });
    assert_eq!(*seen.lock().unwrap(), [1, 3]);
    assert!(
        captured
            .iter()
            .any(|e| e.name == events::BUS_HANDLER_PANICKED)
    );
}

#[test]
fn dead_events_are_counted_and_reported() {
    let bus = Bus::new().unwrap();
    let (results, captured) = capture(|| {
        (
            bus.publish(&1_u8),
            bus.publish_to("nobody", &1_u8),
            bus.topic::<u16>().publish(&1),
            bus.publish_async(1_u32),
        )
    });
    assert_eq!(results, (Ok(0), Ok(0), Ok(0), Ok(0)));
    assert_eq!(bus.stats().dead, 4);
    assert_eq!(bus.stats().topic("u16").unwrap().dead, 1);
    let topics: Vec<_> = captured
        .iter()
        .filter(|e| e.name == events::BUS_DEAD_EVENT)
        .filter_map(|e| e.field("topic"))
        .collect();
    assert_eq!(topics, ["u8", "nobody", "u16", "u32"]);
}

#[test]
fn named_topics_are_typed() {
    let bus = Bus::new().unwrap();
    let _s = bus.subscribe_to("user.joined", |_: &String| ()).unwrap();
    assert_eq!(bus.publish_to("user.joined", &"ada".to_owned()), Ok(1));
    assert!(matches!(
        bus.publish_to("user.joined", &1_u32),
        Err(BusError::TypeMismatch { expected, .. }) if expected.contains("String")
    ));
    assert!(matches!(
        bus.publish_async_to("user.joined", 1_u32),
        Err(PublishError::Topic(BusError::TypeMismatch { .. }))
    ));
    assert!(bus.subscribe_to("user.joined", |_: &u32| ()).is_err());
    // The typed topic of `String` is another topic.
    assert_eq!(bus.publish(&"x".to_owned()), Ok(0));
}

#[test]
fn reject_policy_refuses_when_the_queue_is_full() {
    let bus = Bus::new().unwrap();
    let seen = log();
    let (gate, handler) = gated(&seen);
    let _s = bus
        .subscriber::<u32>()
        .name("slow")
        .capacity(2)
        .subscribe(handler)
        .unwrap();
    bus.publish_async(1_u32).unwrap();
    gate.wait_started();
    assert_eq!(bus.publish_async(2_u32), Ok(1));
    assert_eq!(bus.publish_async(3_u32), Ok(1));
    assert_eq!(
        bus.publish_async(4_u32),
        Err(PublishError::Rejected {
            accepted: 0,
            rejected: vec!["slow".to_owned()]
        })
    );
    gate.open();
    assert!(bus.close(LONG).is_complete());
    assert_eq!(*seen.lock().unwrap(), [1, 2, 3]);
    let stats = bus.stats();
    let s = &stats.topic("u32").unwrap().subscribers[0];
    assert_eq!(
        (s.published, s.delivered, s.rejected, s.queued),
        (4, 3, 1, 0)
    );
}

#[test]
fn drop_oldest_policy_keeps_the_newest_and_counts_the_lag() {
    let bus = Bus::new().unwrap();
    let seen = log();
    let (gate, handler) = gated(&seen);
    let _s = bus
        .subscriber::<u32>()
        .capacity(2)
        .overflow(Overflow::DropOldest)
        .subscribe(handler)
        .unwrap();
    bus.publish_async(1_u32).unwrap();
    gate.wait_started();
    for n in 2..=5_u32 {
        assert_eq!(bus.publish_async(n), Ok(1));
    }
    gate.open();
    assert!(bus.close(LONG).is_complete());
    assert_eq!(*seen.lock().unwrap(), [1, 4, 5]);
    let stats = bus.stats();
    let s = &stats.topic("u32").unwrap().subscribers[0];
    assert_eq!((s.published, s.delivered, s.lagged), (5, 3, 2));
}

#[test]
fn block_policy_waits_for_room_then_gives_up() {
    let bus = Bus::new().unwrap();
    let seen = log();
    let (gate, handler) = gated(&seen);
    let _s = bus
        .subscriber::<u32>()
        .capacity(1)
        .overflow(Overflow::Block(Duration::from_millis(50)))
        .subscribe(handler)
        .unwrap();
    bus.publish_async(1_u32).unwrap();
    gate.wait_started();
    assert_eq!(bus.publish_async(2_u32), Ok(1));
    assert!(matches!(
        bus.publish_async(3_u32),
        Err(PublishError::Rejected { .. })
    ));
    gate.open();
    assert!(bus.close(LONG).is_complete());
    assert_eq!(*seen.lock().unwrap(), [1, 2]);
}

#[test]
fn block_policy_lets_a_waiting_publisher_in_when_room_is_made() {
    let bus = Bus::new().unwrap();
    let seen = log();
    let (gate, handler) = gated(&seen);
    let _s = bus
        .subscriber::<u32>()
        .capacity(1)
        .overflow(Overflow::Block(LONG))
        .subscribe(handler)
        .unwrap();
    bus.publish_async(1_u32).unwrap();
    gate.wait_started();
    assert_eq!(bus.publish_async(2_u32), Ok(1));
    let waiting = {
        let bus = bus.clone();
        std::thread::spawn(move || bus.publish_async(3_u32))
    };
    gate.open();
    assert_eq!(waiting.join().unwrap(), Ok(1));
    assert!(bus.close(LONG).is_complete());
    assert_eq!(*seen.lock().unwrap(), [1, 2, 3]);
}

#[test]
fn unsubscribe_discards_queued_events_and_stops_calls() {
    let bus = Bus::new().unwrap();
    let seen = log();
    let (gate, handler) = gated(&seen);
    let sub = bus.subscribe(handler);
    bus.publish_async(1_u32).unwrap();
    gate.wait_started();
    bus.publish_async(2_u32).unwrap();
    bus.publish_async(3_u32).unwrap();
    assert_eq!(sub.unsubscribe(), 2);
    gate.open();
    assert!(bus.close(LONG).is_complete());
    assert_eq!(*seen.lock().unwrap(), [1]);
}

#[test]
fn close_delivers_what_it_accepted_then_refuses() {
    let bus = Bus::new().unwrap();
    let seen = log();
    let _s = {
        let seen = Arc::clone(&seen);
        bus.subscribe(move |n: &u32| {
            std::thread::sleep(Duration::from_micros(100));
            seen.lock().unwrap().push(*n);
        })
    };
    for n in 0..50_u32 {
        bus.publish_async(n).unwrap();
    }
    let report = bus.close(LONG);
    assert!(report.is_complete());
    assert_eq!(*seen.lock().unwrap(), (0..50).collect::<Vec<_>>());
    assert_eq!(bus.publish(&1_u32), Err(BusError::Closed));
    assert_eq!(bus.publish_async(1_u32), Err(PublishError::Closed));
    assert!(bus.is_closed());
}

#[test]
fn close_after_its_timeout_hands_back_the_rest_in_order() {
    let bus = Bus::new().unwrap();
    let seen = log();
    let (gate, handler) = gated(&seen);
    let _s = bus
        .subscriber::<u32>()
        .name("slow")
        .subscribe(handler)
        .unwrap();
    for n in 1..=4_u32 {
        bus.publish_async(n).unwrap();
    }
    gate.wait_started();
    let report = bus.close(Duration::from_millis(30));
    gate.open();
    let back: Vec<u32> = report
        .undelivered
        .into_iter()
        .map(|u| {
            assert_eq!((u.topic(), u.subscriber()), ("u32", "slow"));
            *u.downcast::<u32>().unwrap()
        })
        .collect();
    assert_eq!(back, [2, 3, 4]);
}

#[test]
fn dropping_the_bus_still_delivers_accepted_events() {
    let seen = Arc::new(AtomicUsize::new(0));
    let (done_tx, done) = mpsc::channel::<()>();
    {
        let bus = Bus::new().unwrap();
        let done_tx = Mutex::new(done_tx);
        let seen2 = Arc::clone(&seen);
        bus.subscribe(move |n: &u32| {
            seen2.fetch_add(1, Ordering::SeqCst);
            if *n == 99 {
                done_tx.lock().unwrap().send(()).unwrap();
            }
        })
        .detach();
        for n in 0..100_u32 {
            bus.publish_async(n).unwrap();
        }
    }
    done.recv_timeout(LONG).unwrap();
    assert_eq!(seen.load(Ordering::SeqCst), 100);
}

#[test]
fn zero_capacity_is_a_typed_error() {
    assert!(Bus::builder().capacity(0).build().is_err());
    let bus = Bus::new().unwrap();
    assert!(
        bus.subscriber::<u8>()
            .capacity(0)
            .subscribe(|_: &u8| ())
            .is_err()
    );
}

/// When the pool refuses a subscriber's drain (here: shut down), the publisher's event is
/// taken back out, counted as rejected and reported; nothing stays queued without a drain.
#[test]
fn a_refused_drain_rejects_the_event_and_leaves_nothing_queued() {
    let pool = Arc::new(
        selvedge_pool::ThreadPool::builder()
            .max_threads(1)
            .build()
            .unwrap(),
    );
    let bus = Bus::builder().pool(&pool).build().unwrap();
    let _s = bus
        .subscriber::<u32>()
        .name("late")
        .subscribe(|_: &u32| ())
        .unwrap();
    pool.shutdown(LONG);
    let (result, captured) = capture(|| bus.publish_async(1_u32));
    assert_eq!(
        result,
        Err(PublishError::Rejected {
            accepted: 0,
            rejected: vec!["late".to_owned()]
        })
    );
    let event = captured
        .iter()
        .find(|e| e.name == events::BUS_DELIVERY_REFUSED)
        .unwrap();
    assert_eq!(event.field("subscriber"), Some("late"));
    let stats = bus.stats();
    let s = &stats.topic("u32").unwrap().subscribers[0];
    assert_eq!((s.published, s.rejected, s.queued), (1, 1, 0));
    assert!(bus.close(LONG).is_complete());
}
