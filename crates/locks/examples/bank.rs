//! Seed 001's `BankAccount`: deposits, a security check with typed errors, and transfers built
//! on `lock_both`, so random transfers among accounts from many threads conserve the total and
//! never deadlock.
//!
//! Run it: `cargo run -p selvedge-locks --example bank`.

use std::fmt;
use std::time::Instant;

use selvedge_locks::{Mutex, lock_both};

/// Why an operation on an account was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
enum BankError {
    /// The account is frozen: no money moves in or out.
    Frozen { account: &'static str },
    /// The balance does not cover the amount.
    InsufficientFunds {
        account: &'static str,
        balance: u64,
        requested: u64,
    },
    /// A transfer from an account to itself.
    SameAccount { account: &'static str },
}

impl fmt::Display for BankError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Frozen { account } => write!(f, "account {account} is frozen"),
            Self::InsufficientFunds {
                account,
                balance,
                requested,
            } => write!(
                f,
                "account {account} holds {balance}, cannot pay {requested}"
            ),
            Self::SameAccount { account } => write!(f, "transfer from {account} to itself"),
        }
    }
}

impl std::error::Error for BankError {}

#[derive(Debug)]
struct State {
    balance: u64,
    frozen: bool,
}

/// One account; its state lives behind a named mutex, so contention and lock-order reports
/// say which account.
#[derive(Debug)]
struct BankAccount {
    owner: &'static str,
    state: Mutex<State>,
}

impl BankAccount {
    fn new(owner: &'static str, balance: u64) -> Self {
        Self {
            owner,
            state: Mutex::named(
                owner,
                State {
                    balance,
                    frozen: false,
                },
            ),
        }
    }

    fn deposit(&self, amount: u64) -> Result<u64, BankError> {
        let mut state = self.state.lock();
        if state.frozen {
            return Err(BankError::Frozen {
                account: self.owner,
            });
        }
        state.balance += amount;
        Ok(state.balance)
    }

    fn get_balance(&self) -> u64 {
        self.state.lock().balance
    }

    fn is_frozen(&self) -> bool {
        self.state.lock().frozen
    }

    fn set_frozen(&self, frozen: bool) {
        self.state.lock().frozen = frozen;
    }

    /// Checks, under the caller's guard, that `amount` may leave this account. Taking the
    /// state rather than locking keeps check and debit in one critical section (the seed's
    /// check-then-act race).
    fn security_check(&self, state: &State, amount: u64) -> Result<(), BankError> {
        if state.frozen {
            return Err(BankError::Frozen {
                account: self.owner,
            });
        }
        if state.balance < amount {
            return Err(BankError::InsufficientFunds {
                account: self.owner,
                balance: state.balance,
                requested: amount,
            });
        }
        Ok(())
    }

    /// Moves `amount` to `to`. Both accounts are locked together in the global lock order, so
    /// `a.transfer(&b)` and `b.transfer(&a)` on two threads cannot deadlock.
    fn transfer(&self, to: &BankAccount, amount: u64) -> Result<(), BankError> {
        let (mut from, mut dest) =
            lock_both(&self.state, &to.state).map_err(|_| BankError::SameAccount {
                account: self.owner,
            })?;
        self.security_check(&from, amount)?;
        if dest.frozen {
            return Err(BankError::Frozen { account: to.owner });
        }
        from.balance -= amount;
        dest.balance += amount;
        Ok(())
    }
}

/// A small xorshift generator: deterministic per thread, no dependency.
fn next_random(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

#[derive(Debug, Default, Clone, Copy)]
struct Outcome {
    done: u64,
    refused: u64,
}

/// Runs `per_thread` random transfers on each of `threads` threads.
fn random_transfers(accounts: &[BankAccount], threads: u64, per_thread: u64) -> Outcome {
    let outcomes: Vec<Outcome> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || {
                    let mut seed = 0x9E37_79B9_7F4A_7C15 ^ (t + 1);
                    let mut outcome = Outcome::default();
                    let n = accounts.len() as u64;
                    for _ in 0..per_thread {
                        let from = &accounts[(next_random(&mut seed) % n) as usize];
                        let to = &accounts[(next_random(&mut seed) % n) as usize];
                        let amount = next_random(&mut seed) % 50;
                        match from.transfer(to, amount) {
                            Ok(()) => outcome.done += 1,
                            Err(_) => outcome.refused += 1,
                        }
                    }
                    outcome
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    outcomes.iter().fold(Outcome::default(), |a, b| Outcome {
        done: a.done + b.done,
        refused: a.refused + b.refused,
    })
}

fn main() {
    let owners = ["alice", "bob", "carol", "dave", "erin", "frank"];
    let accounts: Vec<BankAccount> = owners.iter().map(|o| BankAccount::new(o, 1_000)).collect();
    accounts[5].set_frozen(true);
    let refused_deposit = accounts[5].deposit(10).unwrap_err();
    accounts[0].deposit(500).expect("alice's account is open");
    let total_before: u64 = accounts.iter().map(BankAccount::get_balance).sum();

    let (threads, per_thread) = (8, 20_000);
    let started = Instant::now();
    let outcome = random_transfers(&accounts, threads, per_thread);
    let elapsed = started.elapsed();
    let total_after: u64 = accounts.iter().map(BankAccount::get_balance).sum();

    println!("selvedge-locks bank demo: {threads} threads x {per_thread} random transfers");
    println!("  transfers done:    {}", outcome.done);
    println!(
        "  transfers refused: {} (frozen account, insufficient funds, same account)",
        outcome.refused
    );
    for account in &accounts {
        let frozen = if account.is_frozen() { " (frozen)" } else { "" };
        println!(
            "  {:<6} {:>6}{frozen}",
            account.owner,
            account.get_balance()
        );
    }
    println!(
        "  total before {total_before}, after {total_after}: {}",
        if total_before == total_after {
            "conserved"
        } else {
            "LOST MONEY"
        }
    );
    println!("  no deadlock: every transfer took both locks with lock_both, in {elapsed:.2?}");
    println!("  frank deposits 10: {refused_deposit}");
    let err = accounts[0].transfer(&accounts[0], 1).unwrap_err();
    println!("  alice -> alice: {err}");
    let err = accounts[1].transfer(&accounts[2], 1_000_000).unwrap_err();
    println!("  bob -> carol 1000000: {err}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_transfers_conserve_the_total_and_finish() {
        let accounts: Vec<BankAccount> = ["a", "b", "c", "d"]
            .iter()
            .map(|o| BankAccount::new(o, 500))
            .collect();
        let outcome = random_transfers(&accounts, 8, 5_000);
        assert_eq!(outcome.done + outcome.refused, 40_000);
        assert!(outcome.done > 0);
        assert_eq!(
            accounts.iter().map(BankAccount::get_balance).sum::<u64>(),
            2_000
        );
    }

    #[test]
    fn frozen_and_insufficient_funds_are_typed_errors_and_move_nothing() {
        let (a, b) = (BankAccount::new("a", 100), BankAccount::new("b", 0));
        assert_eq!(
            a.transfer(&b, 101),
            Err(BankError::InsufficientFunds {
                account: "a",
                balance: 100,
                requested: 101
            })
        );
        b.set_frozen(true);
        assert_eq!(a.transfer(&b, 10), Err(BankError::Frozen { account: "b" }));
        assert_eq!(b.deposit(5), Err(BankError::Frozen { account: "b" }));
        assert_eq!(b.transfer(&a, 0), Err(BankError::Frozen { account: "b" }));
        assert_eq!((a.get_balance(), b.get_balance()), (100, 0));
        b.set_frozen(false);
        assert_eq!(a.transfer(&b, 40), Ok(()));
        assert_eq!(b.deposit(5), Ok(45));
        assert_eq!((a.get_balance(), b.get_balance()), (60, 45));
    }

    #[test]
    fn a_transfer_to_the_same_account_is_refused_not_deadlocked() {
        let a = BankAccount::new("a", 10);
        assert_eq!(
            a.transfer(&a, 1),
            Err(BankError::SameAccount { account: "a" })
        );
        assert_eq!(a.get_balance(), 10);
    }
}
