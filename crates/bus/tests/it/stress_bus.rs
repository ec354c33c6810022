//! Stress: publishers on several threads while subscribers come and go. Every event reaches
//! every subscriber that was live for its whole publish exactly once, no subscriber gets an
//! event twice, and each subscriber sees each publisher's events in publish order.
//!
//! Synchronously, the stats then count every publish exactly (each publisher thread counts
//! in its own cell).
//!
//! "Live for the whole publish" is decided with one logical clock: a publish is stamped
//! before it starts and after it returns, a subscriber after its `subscribe` returned and
//! before its `unsubscribe` began.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::Duration;

use selvedge_bus::{Bus, Overflow};

const PUBLISHERS: usize = 3;
const EVENTS: u64 = 4000;

#[derive(Debug, Clone, Copy)]
struct Event {
    publisher: usize,
    seq: u64,
}

/// One publish: who, which, and its clock stamps.
struct Published {
    event: (usize, u64),
    start: u64,
    end: u64,
}

/// One subscriber's life and what it received.
struct Lived {
    from: u64,
    until: u64,
    got: Vec<(usize, u64)>,
}

type Received = Arc<Mutex<Vec<(usize, u64)>>>;

fn subscribe(bus: &Bus, asynchronous: bool) -> (selvedge_bus::Subscription, Received) {
    let got: Received = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&got);
    let handler = move |e: &Event| log.lock().unwrap().push((e.publisher, e.seq));
    let sub = if asynchronous {
        bus.subscriber::<Event>()
            .capacity(64)
            .overflow(Overflow::Block(Duration::from_secs(30)))
            .subscribe(handler)
            .unwrap()
    } else {
        bus.subscribe(handler)
    };
    (sub, got)
}

fn run(asynchronous: bool) {
    let bus = Bus::new().unwrap();
    let clock = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    // One subscriber for the whole run, and a churn of short-lived ones.
    let (steady_sub, steady) = subscribe(&bus, asynchronous);
    let steady_from = clock.fetch_add(1, Ordering::SeqCst);
    // The publishers start once the churn thread's first subscriber is in: on a loaded machine
    // the churn thread could otherwise first run after every event was published.
    let (first_in, first_in_rx) = mpsc::channel();
    let churn = {
        let (bus, clock, done) = (bus.clone(), Arc::clone(&clock), Arc::clone(&done));
        thread::spawn(move || {
            let mut lives = Vec::new();
            let mut first_in = Some(first_in);
            while !done.load(Ordering::SeqCst) {
                let (sub, got) = subscribe(&bus, asynchronous);
                let from = clock.fetch_add(1, Ordering::SeqCst);
                if let Some(first_in) = first_in.take() {
                    first_in.send(()).unwrap();
                }
                thread::yield_now();
                let until = clock.fetch_add(1, Ordering::SeqCst);
                sub.unsubscribe();
                lives.push((from, until, got));
            }
            lives
        })
    };
    first_in_rx.recv().unwrap();
    let publishers: Vec<_> = (0..PUBLISHERS)
        .map(|publisher| {
            let (bus, clock) = (bus.clone(), Arc::clone(&clock));
            thread::spawn(move || {
                let mut log = Vec::new();
                for seq in 0..EVENTS {
                    let start = clock.fetch_add(1, Ordering::SeqCst);
                    let event = Event { publisher, seq };
                    if asynchronous {
                        bus.publish_async(event).unwrap();
                    } else {
                        bus.publish(&event).unwrap();
                    }
                    let end = clock.fetch_add(1, Ordering::SeqCst);
                    log.push(Published {
                        event: (publisher, seq),
                        start,
                        end,
                    });
                }
                log
            })
        })
        .collect();
    let published: Vec<Published> = publishers
        .into_iter()
        .flat_map(|p| p.join().unwrap())
        .collect();
    done.store(true, Ordering::SeqCst);
    let churned = churn.join().unwrap();
    if !asynchronous {
        // Every publisher thread counted in its own cell (folded as it exited): the total,
        // and the steady subscriber's share, are exact.
        let total = (PUBLISHERS as u64) * EVENTS;
        let stats = bus.stats();
        let topic = stats.topic("Event").unwrap();
        assert_eq!(topic.published, total);
        let steady_stats = topic.subscribers.first().unwrap();
        assert_eq!(
            (steady_stats.published, steady_stats.delivered),
            (total, total)
        );
    }
    assert!(bus.close(Duration::from_secs(30)).is_complete());
    let steady_until = clock.fetch_add(1, Ordering::SeqCst);
    steady_sub.unsubscribe();

    let mut lives: Vec<Lived> = churned
        .into_iter()
        .map(|(from, until, got)| Lived {
            from,
            until,
            got: got.lock().unwrap().clone(),
        })
        .collect();
    lives.push(Lived {
        from: steady_from,
        until: steady_until,
        got: steady.lock().unwrap().clone(),
    });
    assert!(lives.len() > 1, "the churn thread subscribed at least once");

    for (i, life) in lives.iter().enumerate() {
        let mut count: HashMap<(usize, u64), usize> = HashMap::new();
        let mut last: HashMap<usize, u64> = HashMap::new();
        for &(publisher, seq) in &life.got {
            *count.entry((publisher, seq)).or_default() += 1;
            if let Some(prev) = last.insert(publisher, seq) {
                assert!(
                    prev < seq,
                    "subscriber {i}: publisher {publisher} out of order"
                );
            }
        }
        assert!(
            count.values().all(|&n| n == 1),
            "subscriber {i} got an event twice"
        );
        // Synchronous: delivered before the publish returned. Asynchronous: queued before it
        // returned, and delivered unless the subscriber left first, so only the steady one
        // (which left after `close` delivered everything) is held to every event.
        let must_get = |p: &Published| {
            life.from < p.start && p.end < life.until && (!asynchronous || i == lives.len() - 1)
        };
        for p in published.iter().filter(|p| must_get(p)) {
            assert_eq!(
                count.get(&p.event),
                Some(&1),
                "subscriber {i} missed {:?}",
                p.event
            );
        }
    }
    let steady = &lives[lives.len() - 1];
    assert_eq!(steady.got.len(), PUBLISHERS * EVENTS as usize);
}

#[test]
fn sync_publish_with_subscribers_coming_and_going() {
    run(false);
}

#[test]
fn async_publish_with_subscribers_coming_and_going() {
    run(true);
}
