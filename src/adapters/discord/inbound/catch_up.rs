//! Catching up on what the bot missed. Discord does not resend the
//! messages written while a bot was not connected, and a bot killed between
//! opening a question's thread and recording the question leaves it
//! unanswered. So on every READY (the start, and every new session after a
//! lost connection) the bot reads back the last `catch_up_hours` of the
//! places it serves — the support channels, the active threads of served
//! channels (forum posts, threads customers made), the threads of open
//! conversations (DMs among them) and the relay threads of those DMs'
//! tickets (staff replies) — and hands every message it never handled to
//! the usual inbound path, oldest first, at the time it
//! was written and without the flood limit (which is about how fast someone
//! writes now). The store knows which messages were handled (each is
//! recorded under its Discord id), so a message is answered once however
//! often the bot catches up. A message older than the newest one the bot
//! handled before the READY (less a minute's grace for those in flight
//! when it stopped) was seen while it ran and left alone on purpose
//! (flooding, a staff member's note): it is not picked up. Questions
//! answered live since the READY do not move that line. With shards, the
//! line is the newest message any of their processes handled: a process
//! that restarts while another runs misses what its servers wrote more
//! than a minute before. A DM conversation that had not started when the
//! bot went down is not found (Discord lists no DM channels).

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::Ordering;

use chrono::{DateTime, Utc};
use serenity::all::{
    Channel, ChannelId, Context, GetMessages, GuildId, Message, MessageId, PartialMember, UserId,
};

use super::super::relay::relay_of;
use super::handler::{Arrival, Handler};
use super::ids::{PLATFORM, channel_of, source_key};
use crate::domain::{ThreadRef, TicketState};

/// Messages per page of Discord's history.
const PAGE: u8 = 100;
/// Pages read back per channel at most, newest first.
const PAGES: usize = 5;
/// The longest look-back, whatever `catch_up_hours` says.
const MAX_HOURS: u64 = 24 * 30;
/// Messages this much older than the newest one handled may still have been
/// in flight when the bot stopped.
const GRACE_MS: i64 = 60_000;
/// Threads of open conversations looked at, most recently active first.
const OPEN_THREADS: i64 = 200;
/// Discord's epoch (2015-01-01) in Unix milliseconds.
const DISCORD_EPOCH_MS: i64 = 1_420_070_400_000;

/// The smallest Discord id of anything made at `at`.
pub fn snowflake_at(at: DateTime<Utc>) -> u64 {
    let ms = (at.timestamp_millis() - DISCORD_EPOCH_MS).max(1);
    u64::try_from(ms).unwrap_or(1) << 22
}

/// A served channel and the guild it is in (`None`: a DM).
type Place = (ChannelId, Option<GuildId>);

impl Handler {
    /// Reads back what the bot missed and handles it; see the module doc.
    /// One catch-up at a time: a READY during one is left to it.
    /// `ready_at` is when the READY arrived.
    pub(crate) async fn catch_up(&self, ctx: &Context, ready_at: DateTime<Utc>) {
        let hours = self.config.catch_up_hours.min(MAX_HOURS);
        if hours == 0 || self.catching_up.swap(true, Ordering::SeqCst) {
            return;
        }
        let handled = self.read_back(ctx, hours, ready_at).await;
        self.catching_up.store(false, Ordering::SeqCst);
        self.metrics.caught_up(handled);
    }

    async fn read_back(&self, ctx: &Context, hours: u64, ready_at: DateTime<Utc>) -> usize {
        let since = Utc::now() - chrono::Duration::hours(i64::try_from(hours).unwrap_or(24));
        let mut after = snowflake_at(since);
        match self
            .engine
            .queries()
            .newest_source(PLATFORM, ready_at)
            .await
        {
            Ok(Some(newest)) => {
                let grace = u64::try_from(GRACE_MS).unwrap_or(0) << 22;
                after = after.max(newest.saturating_sub(grace));
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %e, "catching up: which message was handled last?");
                return 0;
            }
        }
        let places = self.places_to_read(ctx, since).await;
        let mut handled = 0usize;
        let mut roles: HashMap<(GuildId, UserId), Option<PartialMember>> = HashMap::new();
        for (channel, guild) in &places {
            for mut msg in self.missed_in(ctx, *channel, after).await {
                if msg.author.bot || self.was_handled(&msg).await {
                    continue;
                }
                // The history lacks what MESSAGE_CREATE carries: the guild
                // and the author's roles (whether they are staff).
                if let Some(guild) = guild {
                    msg.guild_id = Some(*guild);
                    let key = (*guild, msg.author.id);
                    let member = match roles.get(&key) {
                        Some(member) => member.clone(),
                        None => {
                            let member = member_of(ctx, *guild, msg.author.id).await;
                            roles.insert(key, member.clone());
                            member
                        }
                    };
                    msg.member = member.map(Box::new);
                }
                self.serve(ctx, &msg, Arrival::Missed).await;
                handled += 1;
            }
        }
        tracing::info!(
            places = places.len(),
            handled,
            hours,
            "caught up on messages the bot missed"
        );
        handled
    }

    /// The messages of `channel` after the id `after`, oldest first: read
    /// newest first, a page at a time, at most [`PAGES`] pages.
    async fn missed_in(&self, ctx: &Context, channel: ChannelId, after: u64) -> Vec<Message> {
        let mut found: Vec<Message> = Vec::new();
        let mut before: Option<MessageId> = None;
        for _ in 0..PAGES {
            let mut builder = GetMessages::new().limit(PAGE);
            if let Some(before) = before {
                builder = builder.before(before);
            }
            let page = match channel.messages(&ctx.http, builder).await {
                Ok(page) => page,
                Err(e) => {
                    self.metrics.discord_error("catch_up");
                    tracing::warn!(channel = %channel, error = %e, "reading back a channel");
                    break;
                }
            };
            let full = page.len() == usize::from(PAGE);
            let oldest = page.iter().map(|m| m.id).min();
            found.extend(page.into_iter().filter(|m| m.id.get() > after));
            match oldest {
                Some(oldest) if full && oldest.get() > after => before = Some(oldest),
                _ => break,
            }
        }
        found.sort_by_key(|m| m.id);
        found
    }

    /// Whether the message was handled before (the database says; when it
    /// cannot, the message is taken as handled rather than risk a second
    /// answer: the next catch-up looks again).
    async fn was_handled(&self, msg: &Message) -> bool {
        let source = source_key(msg.id);
        match self.engine.queries().recorded(&source).await {
            Ok(recorded) => recorded,
            Err(e) => {
                tracing::warn!(error = %e, "catching up: is this message handled?");
                true
            }
        }
    }

    /// The support channels, the active threads of served channels, the
    /// threads of conversations open since `since`, and the relay threads
    /// of their DMs' tickets not resolved (what staff wrote there while the
    /// bot was away is relayed), each once.
    async fn places_to_read(&self, ctx: &Context, since: DateTime<Utc>) -> Vec<Place> {
        let mut places: Vec<Place> = Vec::new();
        let mut guilds = BTreeSet::new();
        let served = self
            .config
            .support_channels
            .iter()
            .chain(&self.config.forum_channels);
        for channel in served {
            let guild = guild_of(ctx, *channel).await;
            if self.config.support_channels.contains(channel) {
                places.push((*channel, guild));
            }
            guilds.extend(guild);
        }
        for guild in guilds {
            match guild.get_active_threads(&ctx.http).await {
                Ok(active) => places.extend(
                    active
                        .threads
                        .into_iter()
                        .filter(|t| {
                            t.parent_id
                                .is_some_and(|p| self.config.channel_role(p).is_some())
                        })
                        .map(|t| (t.id, Some(guild))),
                ),
                Err(e) => tracing::warn!(error = %e, "listing the active threads"),
            }
        }
        match self
            .engine
            .queries()
            .open_threads(since, OPEN_THREADS)
            .await
        {
            Ok(threads) => {
                for thread in threads {
                    let Ok(channel) = channel_of(&thread) else {
                        continue;
                    };
                    if places.iter().any(|(c, _)| *c == channel) {
                        continue;
                    }
                    let guild = guild_of(ctx, channel).await;
                    places.push((channel, guild));
                    if guild.is_none()
                        && let Some(relay) = self.relay_to_read(&thread).await
                    {
                        places.push((relay, guild_of(ctx, relay).await));
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "reading the open conversations"),
        }
        let mut seen = BTreeSet::new();
        places.retain(|(c, _)| seen.insert(*c));
        places
    }

    /// The relay thread of the DM conversation in `thread`'s newest ticket,
    /// while that ticket is not resolved.
    async fn relay_to_read(&self, thread: &ThreadRef) -> Option<ChannelId> {
        let ticket = match self.engine.queries().latest_ticket_of(thread).await {
            Ok(Some(ticket)) if ticket.state != TicketState::Resolved => ticket,
            Ok(_) => return None,
            Err(e) => {
                tracing::warn!(error = %e, "catching up: the ticket of a DM");
                return None;
            }
        };
        match relay_of(&self.store, ticket.id).await {
            Ok(relay) => relay,
            Err(e) => {
                tracing::warn!(error = %e, "catching up: the relay thread of a DM's ticket");
                None
            }
        }
    }
}

/// The guild `channel` is in; `None` for a DM or a channel Discord does
/// not show.
async fn guild_of(ctx: &Context, channel: ChannelId) -> Option<GuildId> {
    match ctx.http.get_channel(channel).await {
        Ok(Channel::Guild(c)) => Some(c.guild_id),
        Ok(_) => None,
        Err(e) => {
            tracing::warn!(channel = %channel, error = %e, "looking up a channel to catch up on");
            None
        }
    }
}

/// `user`'s membership of `guild` as a message carries it (their roles).
async fn member_of(ctx: &Context, guild: GuildId, user: UserId) -> Option<PartialMember> {
    let member = match guild.member(&ctx.http, user).await {
        Ok(member) => member,
        Err(e) => {
            tracing::warn!(error = %e, "reading the roles of a member to catch up on");
            return None;
        }
    };
    let roles = serde_json::json!({ "roles": member.roles });
    serde_json::from_value(roles).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snowflake_counts_milliseconds_since_discords_epoch() {
        let at = DateTime::from_timestamp_millis(DISCORD_EPOCH_MS + 1000).unwrap();
        assert_eq!(snowflake_at(at), 1000 << 22);
        // An id Discord made in December 2026 is later than one of a day before.
        let now = Utc::now();
        assert!(snowflake_at(now) > snowflake_at(now - chrono::Duration::days(1)));
    }
}
