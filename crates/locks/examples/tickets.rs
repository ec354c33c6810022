//! Seed 001's `TicketBookingSystem`: availability, booking and cancelling under one mutex, so
//! concurrent customers can never oversell, and the books always balance.
//!
//! Run it: `cargo run -p selvedge-locks --example tickets`.

use std::collections::HashMap;
use std::fmt;

use selvedge_locks::Mutex;

/// Why a booking or cancellation was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
enum BookingError {
    /// Fewer tickets are left than were requested.
    SoldOut { requested: u32, available: u32 },
    /// A booking of zero tickets.
    NothingRequested,
    /// The customer holds no booking to cancel.
    NoBooking { customer: String },
}

impl fmt::Display for BookingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SoldOut {
                requested,
                available,
            } => write!(f, "requested {requested} tickets, only {available} left"),
            Self::NothingRequested => write!(f, "a booking needs at least one ticket"),
            Self::NoBooking { customer } => write!(f, "{customer} holds no booking"),
        }
    }
}

impl std::error::Error for BookingError {}

#[derive(Debug)]
struct Books {
    available: u32,
    booked: HashMap<String, u32>,
}

/// The seed's booking system. The check and the booking happen under one guard: the Python
/// version's race (two customers both see "2 left" and both book 2) cannot happen.
#[derive(Debug)]
struct TicketBookingSystem {
    capacity: u32,
    books: Mutex<Books>,
}

impl TicketBookingSystem {
    fn new(capacity: u32) -> Self {
        Self {
            capacity,
            books: Mutex::named(
                "tickets",
                Books {
                    available: capacity,
                    booked: HashMap::new(),
                },
            ),
        }
    }

    fn check_availability(&self) -> u32 {
        self.books.lock().available
    }

    /// Books `tickets` for `customer`; returns how many that customer now holds.
    fn book_ticket(&self, customer: &str, tickets: u32) -> Result<u32, BookingError> {
        if tickets == 0 {
            return Err(BookingError::NothingRequested);
        }
        let mut books = self.books.lock();
        if books.available < tickets {
            return Err(BookingError::SoldOut {
                requested: tickets,
                available: books.available,
            });
        }
        books.available -= tickets;
        let held = books.booked.entry(customer.to_owned()).or_insert(0);
        *held += tickets;
        Ok(*held)
    }

    /// Cancels all of `customer`'s tickets; returns how many were released.
    fn cancel_booking(&self, customer: &str) -> Result<u32, BookingError> {
        let mut books = self.books.lock();
        let released = books
            .booked
            .remove(customer)
            .ok_or_else(|| BookingError::NoBooking {
                customer: customer.to_owned(),
            })?;
        books.available += released;
        Ok(released)
    }

    /// `available + booked == capacity`, checked under one guard.
    fn books_balance(&self) -> bool {
        let books = self.books.lock();
        books.available + books.booked.values().sum::<u32>() == self.capacity
    }

    fn sold(&self) -> u32 {
        self.books.lock().booked.values().sum()
    }
}

/// `threads` customers each make `attempts` bookings of 1 to 3 tickets, cancelling everything
/// they hold after every tenth attempt.
fn rush(system: &TicketBookingSystem, threads: u32, attempts: u32) -> (u32, u32) {
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || {
                    let customer = format!("customer-{t}");
                    let (mut ok, mut refused) = (0, 0);
                    for i in 0..attempts {
                        match system.book_ticket(&customer, 1 + (i + t) % 3) {
                            Ok(_) => ok += 1,
                            Err(_) => refused += 1,
                        }
                        assert!(system.books_balance());
                        if i % 10 == 9 {
                            let _ = system.cancel_booking(&customer);
                        }
                    }
                    (ok, refused)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap())
            .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
    })
}

fn main() {
    let system = TicketBookingSystem::new(40);
    let (ok, refused) = rush(&system, 8, 205);
    println!("selvedge-locks tickets demo: 8 customers x 205 attempts on 40 seats");
    println!("  bookings accepted {ok}, refused {refused}");
    println!(
        "  seats sold {} + available {} = {} (capacity 40): never oversold",
        system.sold(),
        system.check_availability(),
        system.sold() + system.check_availability()
    );
    let full = TicketBookingSystem::new(2);
    let _ = full.book_ticket("ann", 2);
    if let Err(err) = full.book_ticket("ben", 1) {
        println!("  ben on a full show: {err}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rush_of_customers_never_oversells_and_the_books_balance() {
        let system = TicketBookingSystem::new(50);
        let (ok, refused) = rush(&system, 8, 300);
        assert_eq!(ok + refused, 2_400);
        assert!(system.books_balance());
        assert!(system.sold() <= 50);
        assert_eq!(system.sold() + system.check_availability(), 50);
    }

    #[test]
    fn exactly_capacity_tickets_are_sold_when_everyone_wants_one() {
        let system = TicketBookingSystem::new(30);
        let accepted: u32 = std::thread::scope(|s| {
            let workers: Vec<_> = (0..8)
                .map(|t| {
                    let system = &system;
                    s.spawn(move || {
                        (0..10)
                            .filter(|_| system.book_ticket(&format!("c{t}"), 1).is_ok())
                            .count() as u32
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).sum()
        });
        assert_eq!(accepted, 30);
        assert_eq!(system.check_availability(), 0);
    }

    #[test]
    fn errors_are_typed() {
        let system = TicketBookingSystem::new(3);
        assert_eq!(
            system.book_ticket("a", 0),
            Err(BookingError::NothingRequested)
        );
        assert_eq!(system.book_ticket("a", 2), Ok(2));
        assert_eq!(
            system.book_ticket("b", 2),
            Err(BookingError::SoldOut {
                requested: 2,
                available: 1
            })
        );
        assert_eq!(system.cancel_booking("a"), Ok(2));
        assert_eq!(
            system.cancel_booking("a"),
            Err(BookingError::NoBooking {
                customer: "a".into()
            })
        );
        assert_eq!(system.check_availability(), 3);
    }
}
