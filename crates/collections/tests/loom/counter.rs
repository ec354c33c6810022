//! Loom models of `Counter` (compare-and-swap, fetch_update) and `StripedCounter` (sum and
//! reset while other threads add).

use selvedge_collections::{Counter, StripedCounter};
use selvedge_locks::sync::Arc;
use selvedge_testkit::{model, thread};

#[test]
fn compare_and_swap_has_exactly_one_winner() {
    model(|| {
        let counter = Arc::new(Counter::new(0));
        let racers: Vec<_> = (1..=2)
            .map(|i| {
                let counter = counter.clone();
                thread::spawn(move || (i, counter.compare_and_swap(0, i)))
            })
            .collect();
        let results: Vec<_> = racers.into_iter().map(|r| r.join().unwrap()).collect();
        let winners: Vec<_> = results.iter().filter(|(_, r)| r.is_ok()).collect();
        assert_eq!(winners.len(), 1);
        let winner = winners[0].0;
        assert_eq!(counter.get(), winner);
        for (_, result) in &results {
            // The loser reports the value it found: the winner's.
            assert!(*result == Ok(0) || *result == Err(winner));
        }
    });
}

#[test]
fn fetch_update_never_oversells() {
    model(|| {
        let stock = Arc::new(Counter::new(1));
        let take = |stock: &Counter| stock.fetch_update(|n| (n > 0).then(|| n - 1)).is_ok();
        let other = {
            let stock = stock.clone();
            thread::spawn(move || take(&stock))
        };
        let mine = take(&stock);
        assert!(
            mine ^ other.join().unwrap(),
            "exactly one buyer gets the last item"
        );
        assert_eq!(stock.get(), 0);
    });
}

#[test]
fn striped_sum_sees_whole_adds_and_is_exact_after_join() {
    model(|| {
        let counter = Arc::new(StripedCounter::with_cells(2));
        let adders: Vec<_> = [1, 2]
            .into_iter()
            .map(|delta| {
                let counter = counter.clone();
                thread::spawn(move || counter.add(delta))
            })
            .collect();
        let during = counter.sum();
        assert!((0..=3).contains(&during), "impossible sum {during}");
        for adder in adders {
            adder.join().unwrap();
        }
        assert_eq!(counter.sum(), 3);
    });
}

#[test]
fn striped_reset_counts_every_add_once() {
    model(|| {
        let counter = Arc::new(StripedCounter::with_cells(2));
        counter.add(10);
        let adder = {
            let counter = counter.clone();
            thread::spawn(move || counter.add(5))
        };
        let drained = counter.reset();
        adder.join().unwrap();
        assert!(drained == 10 || drained == 15, "drained {drained}");
        assert_eq!(drained + counter.sum(), 15);
    });
}
