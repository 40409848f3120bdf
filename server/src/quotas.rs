//! Per-user quotas, shared by every connection and HTTP request of a user,
//! so opening more sockets buys no more messages, chats or replays.
//!
//! The per-connection frame limit in [`crate::session::run`] protects the
//! server from one socket; these protect other users (a stranger's chat
//! spam fills a victim's unread count whatever the number of sockets) and
//! the storage readers (replays and history pages are the costly reads).

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;
use std::str::FromStr;
use std::time::Duration;

/// A count per period, written `10/s`, `30/min` or `20/h`: that many at
/// once, then refilled evenly over the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// How many per period, and the burst.
    pub count: NonZeroU32,
    /// The period.
    pub per: Duration,
}

impl Rate {
    /// `count` per `per`.
    pub const fn new(count: NonZeroU32, per: Duration) -> Rate {
        Rate { count, per }
    }

    fn quota(self) -> Quota {
        let every = self.per / self.count.get();
        Quota::with_period(every.max(Duration::from_nanos(1)))
            .expect("a positive period")
            .allow_burst(self.count)
    }
}

/// Why a rate could not be read.
#[derive(Debug, thiserror::Error)]
#[error("`{0}`: write a positive count per s, min or h, e.g. `10/s` or `30/h`")]
pub struct BadRate(String);

impl FromStr for Rate {
    type Err = BadRate;

    fn from_str(s: &str) -> Result<Rate, BadRate> {
        let bad = || BadRate(s.to_owned());
        let (count, unit) = s.split_once('/').ok_or_else(bad)?;
        let count = count.trim().parse::<NonZeroU32>().map_err(|_| bad())?;
        let per = match unit.trim() {
            "s" | "sec" => Duration::from_secs(1),
            "m" | "min" => Duration::from_secs(60),
            "h" | "hour" => Duration::from_secs(3600),
            _ => return Err(bad()),
        };
        Ok(Rate { count, per })
    }
}

const fn rate(count: u32, secs: u64) -> Rate {
    match NonZeroU32::new(count) {
        Some(count) => Rate::new(count, Duration::from_secs(secs)),
        None => panic!("a quota needs a positive count"),
    }
}

/// The quotas' settings.
#[derive(Debug, Clone)]
pub struct QuotaSettings {
    /// Chat messages a user may send.
    pub messages: Rate,
    /// Chats a user may start.
    pub new_chats: Rate,
    /// Replays (`resume`, or a connection asking for one) a user may start.
    pub replays: Rate,
    /// Requests a user may make to the HTTP API.
    pub http: Rate,
}

impl Default for QuotaSettings {
    fn default() -> Self {
        QuotaSettings {
            messages: rate(10, 1),
            new_chats: rate(30, 3600),
            replays: rate(30, 60),
            http: rate(20, 1),
        }
    }
}

/// What a quota limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Spend {
    /// A chat message.
    Message,
    /// A new chat.
    NewChat,
    /// A replay from storage.
    Replay,
    /// An HTTP API request.
    Http,
}

/// A quota was used up; try again after this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Exhausted {
    /// Time until the next one is allowed.
    pub retry_after: Duration,
}

impl Exhausted {
    /// Whole seconds to wait, at least one (for `Retry-After`).
    pub(crate) fn retry_after_secs(&self) -> u64 {
        self.retry_after.as_secs_f64().ceil().max(1.0) as u64
    }
}

/// The live quotas of every user.
pub(crate) struct UserQuotas {
    messages: DefaultKeyedRateLimiter<String>,
    new_chats: DefaultKeyedRateLimiter<String>,
    replays: DefaultKeyedRateLimiter<String>,
    http: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

impl UserQuotas {
    /// Quotas with these settings, every user starting with a full burst.
    pub(crate) fn new(settings: &QuotaSettings) -> UserQuotas {
        UserQuotas {
            messages: RateLimiter::keyed(settings.messages.quota()),
            new_chats: RateLimiter::keyed(settings.new_chats.quota()),
            replays: RateLimiter::keyed(settings.replays.quota()),
            http: RateLimiter::keyed(settings.http.quota()),
            clock: DefaultClock::default(),
        }
    }

    /// Takes one of `what` from `user`'s quota.
    pub(crate) fn spend(&self, what: Spend, user: &String) -> Result<(), Exhausted> {
        let limiter = match what {
            Spend::Message => &self.messages,
            Spend::NewChat => &self.new_chats,
            Spend::Replay => &self.replays,
            Spend::Http => &self.http,
        };
        limiter
            .check_key(user)
            .map_err(|not_until| Exhausted { retry_after: not_until.wait_time_from(self.clock.now()) })
    }

    /// The rate limiters' clock. Per-connection limiters share it: a new
    /// clock calibrates itself (CPUID and a timing loop), which was a tenth
    /// of the CPU of accepting a connection.
    pub(crate) fn clock(&self) -> &DefaultClock {
        &self.clock
    }

    /// Forgets users whose quotas are full again, so memory follows the
    /// users active lately rather than every user ever seen.
    pub(crate) fn forget_idle(&self) {
        for limiter in [&self.messages, &self.new_chats, &self.replays, &self.http] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_with_their_unit() {
        let r: Rate = "30/h".parse().unwrap();
        assert_eq!((r.count.get(), r.per), (30, Duration::from_secs(3600)));
        let r: Rate = "10/s".parse().unwrap();
        assert_eq!((r.count.get(), r.per), (10, Duration::from_secs(1)));
        for bad in ["0/s", "10", "10/day", "x/s", "-1/min"] {
            assert!(bad.parse::<Rate>().is_err(), "{bad} parsed");
        }
    }

    #[test]
    fn a_burst_then_refusal_per_user_not_per_caller() {
        let quotas =
            UserQuotas::new(&QuotaSettings { new_chats: "3/h".parse().unwrap(), ..QuotaSettings::default() });
        let (amina, jean) = ("amina".to_owned(), "jean".to_owned());
        for _ in 0..3 {
            quotas.spend(Spend::NewChat, &amina).unwrap();
        }
        let refused = quotas.spend(Spend::NewChat, &amina).unwrap_err();
        // One new chat per 20 minutes after the burst.
        assert!(refused.retry_after > Duration::from_secs(19 * 60), "{refused:?}");
        assert!(refused.retry_after_secs() <= 20 * 60);
        quotas.spend(Spend::NewChat, &jean).expect("another user has their own quota");
        quotas.spend(Spend::Message, &amina).expect("quotas are separate per kind");
    }
}
