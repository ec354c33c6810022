//! A chat-room registry (seed 002's chat server): who is online, who is in which room, and how
//! many messages went out, shared by many threads, with snapshots for a "who is online" page.
//!
//! Run it with `cargo run -p selvedge-collections --example online_users`.

use std::collections::BTreeSet;

use selvedge_collections::{ConcurrentMap, Counter, Op, StripedCounter};

/// The server's shared state. Every field is safe to use from any thread through `&self`.
///
/// The two maps are updated one after the other, not as one transaction: a listing taken
/// while a user switches rooms may show them in the old room or the new one (never in both
/// rooms' member lists at once for longer than that switch).
#[derive(Debug, Default)]
struct Registry {
    /// user name -> the room they are in.
    users: ConcurrentMap<String, String>,
    /// room name -> its members.
    rooms: ConcurrentMap<String, BTreeSet<String>>,
    /// Messages sent, counted by every sender thread at once: a striped counter.
    messages: StripedCounter,
    /// Session numbers, handed out one by one.
    sessions: Counter,
}

impl Registry {
    /// Logs `user` in to `room`; returns their session number.
    fn join(&self, user: &str, room: &str) -> i64 {
        if let Some(old_room) = self.users.insert(user.to_owned(), room.to_owned()) {
            self.leave_room(user, &old_room);
        }
        self.rooms.upsert(
            room.to_owned(),
            || BTreeSet::from([user.to_owned()]),
            |members| {
                members.insert(user.to_owned());
            },
        );
        self.sessions.increment()
    }

    /// Logs `user` out; returns whether they were online.
    fn leave(&self, user: &str) -> bool {
        match self.users.remove(user) {
            Some(room) => {
                self.leave_room(user, &room);
                true
            }
            None => false,
        }
    }

    /// Takes `user` out of `room`, and the room out of the registry once it is empty; one
    /// atomic step per room, so a join racing with the last leave is never lost.
    fn leave_room(&self, user: &str, room: &str) {
        self.rooms
            .compute(room.to_owned(), |members| match members {
                Some(members) if members.len() == 1 && members.contains(user) => Op::Remove,
                Some(members) => {
                    let mut members = members.clone();
                    members.remove(user);
                    Op::Set(members)
                }
                None => Op::Keep,
            });
    }

    fn send(&self, user: &str) -> bool {
        let online = self.users.contains_key(user);
        if online {
            self.messages.increment();
        }
        online
    }

    /// The "who is online" page: a snapshot, sorted by name.
    fn who_is_online(&self) -> Vec<(String, String)> {
        let mut listing = self.users.entries();
        listing.sort();
        listing
    }

    /// Member counts per room, sorted by room name.
    fn room_sizes(&self) -> Vec<(String, usize)> {
        let mut sizes = Vec::new();
        self.rooms
            .for_each(|room, members| sizes.push((room.clone(), members.len())));
        sizes.sort();
        sizes
    }
}

const ROOMS: [&str; 3] = ["lobby", "rust", "python"];

/// Eight client threads join, chat, switch rooms, and the odd ones log out.
fn simulate(registry: &Registry) {
    std::thread::scope(|s| {
        for id in 0..8 {
            s.spawn(move || {
                let user = format!("user{id}");
                registry.join(&user, ROOMS[id % 3]);
                for _ in 0..100 {
                    registry.send(&user);
                }
                registry.join(&user, ROOMS[(id + 1) % 3]);
                if id % 2 == 1 {
                    registry.leave(&user);
                }
            });
        }
    });
}

fn main() {
    let registry = Registry::default();
    simulate(&registry);
    println!("who is online:");
    for (user, room) in registry.who_is_online() {
        println!("  {user:<6} in #{room}");
    }
    println!("rooms:");
    for (room, size) in registry.room_sizes() {
        println!("  #{room:<7} {size} member(s)");
    }
    println!(
        "{} messages, {} sessions",
        registry.messages.sum(),
        registry.sessions.get()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_the_simulation_users_and_rooms_agree() {
        let registry = Registry::default();
        simulate(&registry);
        let online = registry.who_is_online();
        let expected: Vec<_> = (0..8)
            .filter(|id| id % 2 == 0)
            .map(|id| (format!("user{id}"), ROOMS[(id + 1) % 3].to_owned()))
            .collect();
        let mut expected = expected;
        expected.sort();
        assert_eq!(online, expected);
        // Every online user is a member of exactly their room, and rooms hold no one else.
        let members: usize = registry.room_sizes().iter().map(|(_, n)| n).sum();
        assert_eq!(members, online.len());
        for (user, room) in &online {
            assert_eq!(
                registry.rooms.get_with(room, |m| m.contains(user)),
                Some(true)
            );
        }
        assert_eq!(registry.messages.sum(), 800);
        assert_eq!(registry.sessions.get(), 16);
    }

    #[test]
    fn the_last_leave_removes_the_room_and_leaving_twice_is_harmless() {
        let registry = Registry::default();
        registry.join("ann", "lobby");
        registry.join("bob", "lobby");
        assert!(registry.leave("ann"));
        assert_eq!(registry.room_sizes(), [("lobby".to_owned(), 1)]);
        assert!(registry.leave("bob"));
        assert!(!registry.leave("bob"));
        assert!(registry.room_sizes().is_empty());
        assert!(!registry.send("bob"));
    }
}
