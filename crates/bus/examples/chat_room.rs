//! Seed 002's chat room on the event bus: users join and leave rooms and send messages from
//! their own threads; presence and room fan-out run synchronously in the sender's thread, the
//! online list lives in a `ConcurrentMap`, and the slow work (archiving) runs on the pool in
//! order. A plugin that panics is contained and counted.
//!
//! Run with `cargo run -p selvedge-bus --example chat_room`.

use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::Duration;

use selvedge_bus::{Bus, BusStats, Overflow, Subscription};
use selvedge_collections::ConcurrentMap;

#[derive(Debug, Clone)]
struct UserJoined {
    user: String,
    room: String,
}

#[derive(Debug, Clone)]
struct UserLeft {
    user: String,
}

#[derive(Debug, Clone)]
struct Message {
    from: String,
    room: String,
    text: String,
}

/// A message on its way to the archive: published asynchronously, so the slow write runs on
/// the pool and never in the sender's thread (`publish` delivers every subscriber of a type in
/// the caller's thread, `publish_async` every one on the pool: one type per delivery mode).
#[derive(Debug)]
struct ToArchive(Message);

/// The server's shared state, as the seed's `ThreadSafeDict`s.
#[derive(Default)]
struct Server {
    /// user -> room.
    online: ConcurrentMap<String, String>,
    /// user -> messages received.
    inboxes: ConcurrentMap<String, Vec<String>>,
    /// Messages archived, in the order the archiver got them.
    archive: Mutex<Vec<String>>,
}

/// What a run observed, for the tests below.
struct Outcome {
    server: Arc<Server>,
    stats: BusStats,
    undelivered: usize,
}

fn wire(bus: &Bus, server: &Arc<Server>) -> Vec<Subscription> {
    let presence_in = {
        let server = Arc::clone(server);
        bus.subscriber::<UserJoined>()
            .name("presence")
            .subscribe(move |e: &UserJoined| {
                server.online.insert(e.user.clone(), e.room.clone());
                server.inboxes.insert(e.user.clone(), Vec::new());
            })
    };
    let presence_out = {
        let server = Arc::clone(server);
        bus.subscriber::<UserLeft>()
            .name("presence")
            .subscribe(move |e: &UserLeft| {
                server.online.remove(&e.user);
            })
    };
    // Fan-out: every other member of the room gets the message, in the sender's thread.
    let fan_out = {
        let server = Arc::clone(server);
        bus.subscriber::<Message>()
            .name("fan-out")
            .subscribe(move |m: &Message| {
                for (member, room) in server.online.entries() {
                    if room == m.room && member != m.from {
                        server.inboxes.update(&member, |inbox| {
                            inbox.push(format!("{}: {}", m.from, m.text))
                        });
                    }
                }
            })
    };
    // Slow work on the pool, in order, with backpressure rather than unbounded memory.
    let archiver = {
        let server = Arc::clone(server);
        bus.subscriber::<ToArchive>()
            .name("archiver")
            .capacity(64)
            .overflow(Overflow::Block(Duration::from_secs(5)))
            .subscribe(move |ToArchive(m): &ToArchive| {
                thread::sleep(Duration::from_micros(200)); // a database write
                server
                    .archive
                    .lock()
                    .unwrap()
                    .push(format!("[{}] {}: {}", m.room, m.from, m.text));
            })
    };
    // A third-party plugin with a bug: contained, counted, reported; nobody else notices.
    let plugin = bus
        .subscriber::<Message>()
        .name("emoji-plugin")
        .subscribe(|m: &Message| {
            assert!(
                !m.text.contains("boom"),
                "emoji plugin cannot render {:?}",
                m.text
            );
        });
    [presence_in, presence_out, fan_out, archiver, plugin]
        .into_iter()
        .map(|s| s.expect("capacity is not zero"))
        .collect()
}

fn run(users: usize, rooms: usize, messages: usize) -> Outcome {
    let bus = Bus::new().expect("the bus's pool starts");
    let server = Arc::new(Server::default());
    let subscriptions = wire(&bus, &server);
    let joined = Barrier::new(users);
    let sent = Barrier::new(users);
    thread::scope(|s| {
        for u in 0..users {
            let (bus, joined, sent) = (&bus, &joined, &sent);
            s.spawn(move || {
                let user = format!("user{u}");
                let room = format!("room{}", u % rooms);
                bus.publish(&UserJoined {
                    user: user.clone(),
                    room: room.clone(),
                })
                .unwrap();
                joined.wait();
                for i in 0..messages {
                    let text = if u == 0 && i == 0 {
                        "boom".to_owned()
                    } else {
                        format!("hello #{i}")
                    };
                    let message = Message {
                        from: user.clone(),
                        room: room.clone(),
                        text,
                    };
                    bus.publish(&message).unwrap(); // fan-out, now
                    bus.publish_async(ToArchive(message)).unwrap(); // archive, later
                }
                sent.wait();
                bus.publish(&UserLeft { user }).unwrap();
            });
        }
    });
    let report = bus.close(Duration::from_secs(30));
    let stats = bus.stats();
    for topic in &stats.topics {
        for subscriber in &topic.subscribers {
            println!("{:<10} {subscriber}", topic.name);
        }
    }
    println!(
        "online now: {:?}, archived: {}",
        server.online.keys(),
        server.archive.lock().unwrap().len()
    );
    drop(subscriptions);
    Outcome {
        server,
        stats,
        undelivered: report.undelivered.len(),
    }
}

fn main() {
    let outcome = run(6, 2, 20);
    println!(
        "undelivered at close: {}, dead events: {}, users with an inbox: {}",
        outcome.undelivered,
        outcome.stats.dead,
        outcome.server.inboxes.len()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_fan_out_to_the_room_and_are_archived_in_order() {
        let (users, rooms, messages) = (6, 2, 10);
        let outcome = run(users, rooms, messages);
        assert_eq!(outcome.undelivered, 0);
        let server = &outcome.server;
        assert!(server.online.is_empty(), "everyone left");
        // Everyone was online while messages flowed: each gets every message of the
        // others in their room.
        let per_room = users / rooms;
        for u in 0..users {
            let inbox = server.inboxes.get(&format!("user{u}")).unwrap();
            assert_eq!(inbox.len(), (per_room - 1) * messages, "user{u}");
        }
        let archive = server.archive.lock().unwrap();
        assert_eq!(archive.len(), users * messages);
        // The archiver got each sender's messages in the order they were sent.
        for u in 1..users {
            let mine: Vec<_> = archive
                .iter()
                .filter(|l| l.contains(&format!("user{u}:")))
                .collect();
            let expected: Vec<_> = (0..messages).map(|i| format!("hello #{i}")).collect();
            assert!(
                mine.iter()
                    .zip(&expected)
                    .all(|(l, e)| l.ends_with(e.as_str()))
            );
        }
    }

    #[test]
    fn the_panicking_plugin_is_counted_and_isolated() {
        let outcome = run(4, 1, 3);
        let messages = outcome.stats.topic("Message").unwrap();
        let find = |name: &str| {
            messages
                .subscribers
                .iter()
                .find(|s| s.name == name)
                .unwrap()
        };
        let plugin = find("emoji-plugin");
        assert_eq!(
            (plugin.published, plugin.failed),
            (4 * 3, 1),
            "the one \"boom\""
        );
        let fan_out = find("fan-out");
        assert_eq!((fan_out.delivered, fan_out.failed), (4 * 3, 0));
        let archiver = &outcome.stats.topic("ToArchive").unwrap().subscribers[0];
        assert_eq!((archiver.delivered, archiver.failed), (4 * 3, 0));
    }
}
