//! The scripted Discord server the tests play in: one guild with a support
//! channel, a forum channel and a staff channel; two customers, two staff
//! members with the staff role, a member without it, and the bot itself.
//! Ids are fixed so a failure message reads the same every run; ids the fake
//! makes up later (messages, threads, interactions) come from [`Snowflakes`].

use std::sync::atomic::{AtomicU64, Ordering};

/// Discord's channel types used here.
pub mod kind {
    /// A text channel.
    pub const TEXT: u8 = 0;
    /// A direct message.
    pub const DM: u8 = 1;
    /// A public thread.
    pub const PUBLIC_THREAD: u8 = 11;
    /// A forum channel.
    pub const FORUM: u8 = 15;
}

/// A user of the scripted server.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// Snowflake.
    pub id: u64,
    /// Username.
    pub name: String,
    /// Guild roles.
    pub roles: Vec<u64>,
    /// Whether this is a bot account.
    pub bot: bool,
}

/// A channel of the scripted server.
#[derive(Debug, Clone, PartialEq)]
pub struct Channel {
    /// Snowflake.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Channel type (see [`kind`]).
    pub kind: u8,
    /// The guild, `None` for a DM.
    pub guild_id: Option<u64>,
}

/// The role the fixture FAQ's Vollwartung contract covers.
pub const CONTRACT_ROLE: u64 = 345_678_901_234_567_890;

/// The whole scripted world.
#[derive(Debug, Clone)]
pub struct World {
    /// The guild.
    pub guild_id: u64,
    /// The bot's application (also the bot user's id, as on Discord).
    pub application_id: u64,
    /// The staff role.
    pub staff_role: u64,
    /// The bot user.
    pub bot: User,
    /// Customers: alice, bob, and carol, who holds the role of the fixture
    /// FAQ's Vollwartung contract (`contracts/berger.md`).
    pub customers: Vec<User>,
    /// Staff members with the staff role: sam, kim.
    pub staff: Vec<User>,
    /// A member without the staff role who tries staff things: mallory.
    pub outsider: User,
    /// Where questions are asked.
    pub support: Channel,
    /// A forum channel.
    pub forum: Channel,
    /// Where ticket cards go.
    pub staff_channel: Channel,
}

impl Default for World {
    fn default() -> Self {
        let guild_id = 1_100_000_000_000_000_001;
        let staff_role = 1_100_000_000_000_000_002;
        let application_id = 1_100_000_000_000_000_003;
        let user = |id, name: &str, roles: Vec<u64>| User {
            id,
            name: name.to_owned(),
            roles,
            bot: false,
        };
        let channel = |id, name: &str, kind| Channel {
            id,
            name: name.to_owned(),
            kind,
            guild_id: Some(guild_id),
        };
        World {
            guild_id,
            application_id,
            staff_role,
            bot: User {
                bot: true,
                ..user(application_id, "frontline", vec![])
            },
            customers: vec![
                user(1_100_000_000_000_000_101, "alice", vec![]),
                user(1_100_000_000_000_000_102, "bob", vec![]),
                user(1_100_000_000_000_000_103, "carol", vec![CONTRACT_ROLE]),
            ],
            staff: vec![
                user(1_100_000_000_000_000_201, "sam", vec![staff_role]),
                user(1_100_000_000_000_000_202, "kim", vec![staff_role]),
            ],
            outsider: user(1_100_000_000_000_000_301, "mallory", vec![]),
            support: channel(1_100_000_000_000_000_011, "support", kind::TEXT),
            forum: channel(1_100_000_000_000_000_012, "help-forum", kind::FORUM),
            staff_channel: channel(1_100_000_000_000_000_013, "staff", kind::TEXT),
        }
    }
}

impl World {
    /// The first customer.
    pub fn alice(&self) -> &User {
        &self.customers[0]
    }

    /// The second customer.
    pub fn bob(&self) -> &User {
        &self.customers[1]
    }

    /// The customer whose role a maintenance contract covers.
    pub fn carol(&self) -> &User {
        &self.customers[2]
    }

    /// The first member of staff.
    pub fn sam(&self) -> &User {
        &self.staff[0]
    }

    /// The user with `id`, if the world has one.
    pub fn user(&self, id: u64) -> Option<&User> {
        self.customers
            .iter()
            .chain(&self.staff)
            .chain([&self.outsider, &self.bot])
            .find(|u| u.id == id)
    }

    /// The guild channel with `id`, if the world has one.
    pub fn channel(&self, id: u64) -> Option<&Channel> {
        [&self.support, &self.forum, &self.staff_channel]
            .into_iter()
            .find(|c| c.id == id)
    }

    /// A DM channel between the bot and `user`.
    pub fn dm_with(&self, user: &User) -> Channel {
        Channel {
            id: user.id + 500_000,
            name: String::new(),
            kind: kind::DM,
            guild_id: None,
        }
    }
}

/// Fresh snowflakes, increasing, well above the world's fixed ids.
#[derive(Debug)]
pub struct Snowflakes(AtomicU64);

impl Default for Snowflakes {
    /// Starts at a snowflake of the current time, as Discord's ids are:
    /// the bot reads a message's age from its id (catching up on what it
    /// missed only looks back so far).
    fn default() -> Self {
        const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        Snowflakes(AtomicU64::new(
            now_ms.saturating_sub(DISCORD_EPOCH_MS) << 22,
        ))
    }
}

impl Snowflakes {
    /// The next id.
    pub fn next(&self) -> u64 {
        self.0.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// An id of something made `ago` before now (unique: its low bits are
    /// the next id's).
    pub fn made_ago(&self, ago: std::time::Duration) -> u64 {
        const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;
        let then_ms = (std::time::SystemTime::now() - ago)
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        (then_ms.saturating_sub(DISCORD_EPOCH_MS) << 22) | (self.next() & 0x3F_FFFF)
    }
}
