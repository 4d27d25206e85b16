//! Flood protection: a per-user rate limit (governor) so that one customer
//! cannot flood the bot. Over the limit a user gets exactly one polite notice,
//! then silence until their quota refills. Which users are staff (and exempt)
//! is for the caller to decide.

use std::collections::HashSet;
use std::hash::Hash;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::HashMapStateStore;
use governor::{Quota, RateLimiter};
use serde::{Deserialize, Serialize};

/// How many messages a user may send in a burst, and how fast it refills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FloodSettings {
    /// Messages a user may send at once.
    pub burst: u32,
    /// One more message is allowed every this many seconds.
    pub refill_seconds: u64,
}

impl Default for FloodSettings {
    fn default() -> Self {
        FloodSettings {
            burst: 5,
            refill_seconds: 6,
        }
    }
}

/// What to do with a user's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Handle it.
    Allow,
    /// Drop it and tell the user, once, to slow down.
    Notice,
    /// Drop it silently: the user was already told.
    Drop,
}

/// A per-user limiter; `K` identifies a user, `C` is the clock (injectable for tests).
pub struct FloodGuard<K: Hash + Eq + Clone, C: Clock = DefaultClock> {
    limiter: RateLimiter<K, HashMapStateStore<K>, C, NoOpMiddleware<C::Instant>>,
    noticed: Mutex<HashSet<K>>,
    /// Messages checked so far.
    checks: AtomicU64,
}

/// Idle users are forgotten once every this many messages.
const SWEEP_EVERY: u64 = 1024;

impl<K: Hash + Eq + Clone> FloodGuard<K, DefaultClock> {
    /// A guard on the real clock.
    pub fn new(settings: FloodSettings) -> Self {
        Self::with_clock(settings, DefaultClock::default())
    }
}

impl<K: Hash + Eq + Clone, C: Clock> FloodGuard<K, C> {
    /// A guard on `clock`.
    pub fn with_clock(settings: FloodSettings, clock: C) -> Self {
        let burst = NonZeroU32::new(settings.burst.max(1)).expect("at least one");
        let period = Duration::from_secs(settings.refill_seconds.max(1));
        let quota = Quota::with_period(period)
            .expect("non-zero period")
            .allow_burst(burst);
        FloodGuard {
            limiter: RateLimiter::hashmap_with_clock(quota, clock),
            noticed: Mutex::new(HashSet::new()),
            checks: AtomicU64::new(0),
        }
    }

    /// Counts one message of `user` and says what to do with it.
    pub fn check(&self, user: &K) -> Verdict {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.forget_idle();
        }
        let mut noticed = self.noticed.lock().unwrap_or_else(|e| e.into_inner());
        if self.limiter.check_key(user).is_ok() {
            noticed.remove(user);
            return Verdict::Allow;
        }
        if noticed.insert(user.clone()) {
            Verdict::Notice
        } else {
            Verdict::Drop
        }
    }

    /// Forgets users whose quota has fully refilled, to bound memory
    /// (done by [`FloodGuard::check`] every [`SWEEP_EVERY`] messages).
    pub fn forget_idle(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }

    /// How many users are remembered.
    #[cfg(test)]
    fn remembered(&self) -> usize {
        self.limiter.len()
    }
}

#[cfg(test)]
mod tests {
    use governor::clock::FakeRelativeClock;

    use super::*;

    fn guard() -> (FloodGuard<u64, FakeRelativeClock>, FakeRelativeClock) {
        let clock = FakeRelativeClock::default();
        let settings = FloodSettings {
            burst: 3,
            refill_seconds: 10,
        };
        (FloodGuard::with_clock(settings, clock.clone()), clock)
    }

    #[test]
    fn a_flooding_user_gets_one_notice_then_silence() {
        let (g, _) = guard();
        assert_eq!([g.check(&1), g.check(&1), g.check(&1)], [Verdict::Allow; 3]);
        assert_eq!(g.check(&1), Verdict::Notice);
        assert_eq!(g.check(&1), Verdict::Drop);
        assert_eq!(g.check(&1), Verdict::Drop);
    }

    #[test]
    fn other_users_are_not_affected() {
        let (g, _) = guard();
        for _ in 0..5 {
            g.check(&1);
        }
        assert_eq!(g.check(&2), Verdict::Allow);
    }

    #[test]
    fn users_whose_quota_refilled_are_forgotten_as_messages_come_in() {
        let (g, clock) = guard();
        for user in 0..1000 {
            g.check(&user);
        }
        assert_eq!(g.remembered(), 1000);
        clock.advance(Duration::from_secs(30));
        for _ in 0..SWEEP_EVERY {
            g.check(&5000);
        }
        assert_eq!(g.remembered(), 1, "only the user writing now");
    }

    #[test]
    fn the_quota_refills_and_a_later_flood_is_noticed_again() {
        let (g, clock) = guard();
        for _ in 0..4 {
            g.check(&1);
        }
        clock.advance(Duration::from_secs(10));
        assert_eq!(g.check(&1), Verdict::Allow);
        assert_eq!(g.check(&1), Verdict::Notice);
    }
}
