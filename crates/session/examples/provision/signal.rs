//! The seed's `post_create` signal on selvedge-bus: creating a user publishes [`UserCreated`],
//! and the lab is made by its subscriber, through the same global admin session. (In the seed
//! each signal handler logged in anew: the N logins this run exists to remove.)

use std::sync::{Arc, Mutex, PoisonError};

use selvedge_bus::{Bus, Subscription};
use selvedge_pool::ThreadPool;

use crate::admin::AdminSession;
use crate::client::PnetClient;
use crate::provision::{LAB_NAME, ProvisionError, Tally, with_admin};

/// A user now exists on the platform. Delivered synchronously, in the task that created the
/// user, so the task knows its lab's fate before it reports the user done.
pub(crate) struct UserCreated {
    username: String,
    /// What the lab subscriber did: `None` until one has run.
    lab: Mutex<Option<Result<(), ProvisionError>>>,
}

impl UserCreated {
    fn new(username: String) -> Self {
        Self {
            username,
            lab: Mutex::new(None),
        }
    }
}

/// The signals of one provisioning run: a bus (its asynchronous side on the run's pool,
/// unused here) and the lab subscriber, unsubscribed when this is dropped.
pub(crate) struct Signals {
    bus: Bus,
    _labs: Subscription,
}

impl Signals {
    /// A bus on `pool` whose `UserCreated` subscriber creates the user's lab through `admin`.
    pub(crate) fn new<S: AdminSession>(
        pool: &Arc<ThreadPool>,
        admin: &S,
        client: &PnetClient,
        tally: &Arc<Tally>,
    ) -> Result<Self, ProvisionError> {
        let bus = Bus::builder()
            .pool(pool)
            .build()
            .map_err(|e| ProvisionError::Signal(e.to_string()))?;
        let (admin, client, tally) = (admin.clone(), client.clone(), Arc::clone(tally));
        let labs = bus.subscribe(move |created: &UserCreated| {
            let outcome = with_admin(&admin, &tally, |cookie| {
                client.create_lab(cookie, &created.username, LAB_NAME)
            })
            .map(drop);
            *created.lab.lock().unwrap_or_else(PoisonError::into_inner) = Some(outcome);
        });
        Ok(Self { bus, _labs: labs })
    }

    /// Publishes that `username` was created and returns what its lab subscriber did.
    pub(crate) fn user_created(&self, username: &str) -> Result<(), ProvisionError> {
        let created = UserCreated::new(username.to_owned());
        self.bus
            .publish(&created)
            .map_err(|e| ProvisionError::Signal(e.to_string()))?;
        let outcome = created
            .lab
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        // No outcome: the subscriber panicked (the bus contained and reported it).
        outcome.unwrap_or_else(|| Err(ProvisionError::Signal("the lab subscriber failed".into())))
    }
}
