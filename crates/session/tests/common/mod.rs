//! A scriptable fake platform for the session tests: counts logins and logouts, issues numbered
//! tokens with an expiry, and can be told to fail, panic or hang on its next logins.
// Each test binary uses a different part of this module.
#![allow(
    dead_code,
    reason = "shared by several test binaries, each using a part"
)]

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use selvedge_session::{Authenticator, ErrorClass, Login};

/// A session the fake issued: its login number and lifetime, and whether (and when) it was
/// logged out.
#[derive(Debug)]
pub(crate) struct Token {
    pub(crate) number: u32,
    pub(crate) issued_at: Instant,
    pub(crate) expires_at: Option<Instant>,
    pub(crate) logged_out_at: Mutex<Option<Instant>>,
}

impl Token {
    /// Whether the platform would still accept this token at `at`.
    pub(crate) fn valid_at(&self, at: Instant) -> bool {
        self.expires_at.is_none_or(|expires| at < expires)
            && self
                .logged_out_at
                .lock()
                .unwrap()
                .is_none_or(|out| at < out)
    }
}

/// The fake's error: which class it is and which login call produced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FakeError {
    pub(crate) class: ErrorClass,
    pub(crate) call: u32,
}

impl fmt::Display for FakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} failure on login call {}", self.class, self.call)
    }
}

impl std::error::Error for FakeError {}

/// The longest a [`Step::Hang`] login hangs when nobody releases it.
const HANG_LIMIT: Duration = Duration::from_secs(10);

/// What the next login call does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    Succeed,
    Fail(ErrorClass),
    Panic,
    /// Block until [`Fake::release`] (or for 10 s), then succeed.
    Hang,
}

/// The fake platform.
#[derive(Debug)]
pub(crate) struct Fake {
    pub(crate) ttl: Option<Duration>,
    pub(crate) latency: Duration,
    calls: AtomicU32,
    logins: AtomicU32,
    logouts: AtomicU32,
    script: Mutex<VecDeque<Step>>,
    /// `true` once released; hung logins wait on `released`.
    gate: Mutex<bool>,
    released: Condvar,
    /// Number of logins currently inside `login`.
    inside: Mutex<u32>,
    entered: Condvar,
}

impl Fake {
    pub(crate) fn new() -> Self {
        Self {
            ttl: None,
            latency: Duration::ZERO,
            calls: AtomicU32::new(0),
            logins: AtomicU32::new(0),
            logouts: AtomicU32::new(0),
            script: Mutex::new(VecDeque::new()),
            gate: Mutex::new(false),
            released: Condvar::new(),
            inside: Mutex::new(0),
            entered: Condvar::new(),
        }
    }

    pub(crate) fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl);
        self
    }

    pub(crate) fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// The next login calls follow `steps`; after them, logins succeed.
    pub(crate) fn script(self, steps: &[Step]) -> Self {
        self.script.lock().unwrap().extend(steps.iter().copied());
        self
    }

    /// Appends `steps` to the script of a fake already in use.
    pub(crate) fn then(&self, steps: &[Step]) {
        self.script.lock().unwrap().extend(steps.iter().copied());
    }

    /// How many times `login` was called.
    pub(crate) fn calls(&self) -> u32 {
        self.calls.load(Ordering::SeqCst)
    }

    /// How many logins succeeded.
    pub(crate) fn logins(&self) -> u32 {
        self.logins.load(Ordering::SeqCst)
    }

    /// How many logouts the platform saw.
    pub(crate) fn logouts(&self) -> u32 {
        self.logouts.load(Ordering::SeqCst)
    }

    /// Blocks until some login call is inside `login` (for the hung-login tests).
    pub(crate) fn wait_until_inside(&self) {
        let mut inside = self.inside.lock().unwrap();
        while *inside == 0 {
            inside = self.entered.wait(inside).unwrap();
        }
    }

    /// Lets every hung login finish.
    pub(crate) fn release(&self) {
        *self.gate.lock().unwrap() = true;
        self.released.notify_all();
    }

    fn enter(&self) {
        *self.inside.lock().unwrap() += 1;
        self.entered.notify_all();
    }

    fn leave(&self) {
        *self.inside.lock().unwrap() -= 1;
    }
}

impl Authenticator for Fake {
    type Session = Token;
    type Error = FakeError;

    fn login(&self) -> Result<Login<Token>, FakeError> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        let step = self
            .script
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or(Step::Succeed);
        self.enter();
        if !self.latency.is_zero() {
            std::thread::sleep(self.latency);
        }
        let outcome = match step {
            Step::Succeed => Ok(()),
            Step::Fail(class) => Err(FakeError { class, call }),
            Step::Panic => {
                self.leave();
                panic!("deliberate panic in login call {call}");
            }
            Step::Hang => {
                // Bounded, so that a test that fails before releasing ends instead of hanging.
                let give_up = Instant::now() + HANG_LIMIT;
                let mut open = self.gate.lock().unwrap();
                while !*open && Instant::now() < give_up {
                    open = self.released.wait_timeout(open, HANG_LIMIT).unwrap().0;
                }
                Ok(())
            }
        };
        self.leave();
        outcome?;
        let number = self.logins.fetch_add(1, Ordering::SeqCst) + 1;
        let issued_at = Instant::now();
        let token = Token {
            number,
            issued_at,
            expires_at: self.ttl.map(|ttl| issued_at + ttl),
            logged_out_at: Mutex::new(None),
        };
        Ok(match token.expires_at {
            Some(at) => Login::new(token).expires_at(at),
            None => Login::new(token),
        })
    }

    fn logout(&self, session: &Token) -> Result<(), FakeError> {
        *session.logged_out_at.lock().unwrap() = Some(Instant::now());
        self.logouts.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    fn classify(&self, error: &FakeError) -> ErrorClass {
        error.class
    }
}

/// Keeps the deliberate panics of these tests out of the output; every other panic still
/// reaches the default hook.
pub(crate) fn quiet_deliberate_panics() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let text = info
                .payload()
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| info.payload().downcast_ref::<&str>().copied())
                .unwrap_or("");
            if !text.starts_with("deliberate") {
                default(info);
            }
        }));
    });
}
