//! The `[discord]` settings table and the checked configuration built from it.
//!
//! [`DiscordSettings`] is what the TOML file and `FRONTLINE_DISCORD__…`
//! variables say, as written. [`DiscordConfig::from_settings`] turns it and
//! the token (from `DISCORD_TOKEN`, never from a file) into typed values, or
//! into one error that lists every problem, so `frontline run` stops with a
//! clear message before it connects. Which events those channels produce is
//! the adapter's business, not this module's.

use std::collections::BTreeMap;
use std::fmt;

use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serenity::model::id::{ChannelId, RoleId};

use crate::knowledge::Lang;

/// Discord's own API; any other base URL is a stand-in (a fake, a proxy).
pub const DISCORD_API: &str = "https://discord.com";

/// The environment variable that holds the bot token.
pub const TOKEN_VAR: &str = "DISCORD_TOKEN";

/// The `[discord]` table as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DiscordSettings {
    /// Where Discord's HTTP API and gateway discovery live.
    pub api_base_url: String,
    /// Channels where a message starts a conversation in its own thread.
    pub support_channels: Vec<ChannelId>,
    /// Forum channels where each new post is a conversation.
    pub forum_channels: Vec<ChannelId>,
    /// Whether direct messages to the bot are served.
    pub dms: bool,
    /// The channel that gets one card per ticket.
    pub staff_channel: Option<ChannelId>,
    /// The role whose members are staff (and which unclaimed tickets ping).
    pub staff_role: Option<RoleId>,
    /// The language of a support or forum channel (keyed by its id), when it
    /// is not the default.
    pub channel_lang: BTreeMap<String, Lang>,
    /// `[shard, count]`: this process connects as shard `shard` of `count`
    /// (from 0), so several processes sharing one database split Discord's
    /// events; unset, one process takes them all.
    pub shard: Option<[u32; 2]>,
    /// On connecting, messages customers wrote in the last this many hours
    /// that the bot never handled (it was down, or cut off mid-way) are
    /// answered; 0 turns catching up off.
    pub catch_up_hours: u64,
    /// Where maintenance windows and outages are announced when they start
    /// (or when staff publish one that holds); unset, they are not.
    pub announce_channel: Option<ChannelId>,
}

impl Default for DiscordSettings {
    fn default() -> Self {
        DiscordSettings {
            api_base_url: DISCORD_API.to_owned(),
            support_channels: Vec::new(),
            forum_channels: Vec::new(),
            dms: false,
            staff_channel: None,
            staff_role: None,
            channel_lang: BTreeMap::new(),
            shard: None,
            catch_up_hours: 24,
            announce_channel: None,
        }
    }
}

/// The bot token; never printed.
#[derive(Clone)]
pub struct Token(SecretString);

impl Token {
    /// The token itself, for the HTTP client and the gateway.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token([hidden])")
    }
}

/// Where the API is: Discord itself, or a stand-in at another URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiBase {
    /// `https://discord.com`, with serenity's rate limiter.
    Discord,
    /// Any other URL: requests go there, serenity's rate limiter is off.
    Custom(Url),
}

/// What a channel is to the bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelRole {
    /// A message there gets its own thread.
    Support,
    /// Each post there is a conversation.
    Forum,
}

/// Checked Discord configuration.
#[derive(Debug, Clone)]
pub struct DiscordConfig {
    /// The bot token.
    pub token: Token,
    /// Where the API is.
    pub api_base: ApiBase,
    /// Support channels.
    pub support_channels: Vec<ChannelId>,
    /// Forum channels.
    pub forum_channels: Vec<ChannelId>,
    /// Whether DMs are served.
    pub dms: bool,
    /// The staff channel.
    pub staff_channel: ChannelId,
    /// The staff role.
    pub staff_role: RoleId,
    /// Language per channel.
    pub channel_lang: BTreeMap<ChannelId, Lang>,
    /// This process's shard and the shard count; `None`: the only process.
    pub shard: Option<(u32, u32)>,
    /// How far back catching up looks, in hours (0: it does not).
    pub catch_up_hours: u64,
    /// The announcement channel, if notices are announced.
    pub announce_channel: Option<ChannelId>,
}

/// One thing wrong with the Discord settings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// No token in the environment.
    #[error("{TOKEN_VAR} is not set: put the bot token from the developer portal there")]
    MissingToken,
    /// The base URL does not parse or is not http(s).
    #[error("discord.api_base_url {0:?} is not an http:// or https:// URL with a host")]
    BadBaseUrl(String),
    /// No staff channel.
    #[error("discord.staff_channel is not set: tickets need a channel for their cards")]
    MissingStaffChannel,
    /// No staff role.
    #[error("discord.staff_role is not set: staff commands need a role to check")]
    MissingStaffRole,
    /// Nothing to serve.
    #[error(
        "no place to serve: set discord.support_channels, discord.forum_channels or discord.dms = true"
    )]
    NothingToServe,
    /// A channel named twice.
    #[error("channel {0} is listed more than once among support, forum and staff channels")]
    ChannelTwice(ChannelId),
    /// A `channel_lang` key that is not a channel id.
    #[error("discord.channel_lang has the key {0:?}, which is not a channel id")]
    BadChannelKey(String),
    /// A language for a channel the bot does not serve.
    #[error(
        "discord.channel_lang names channel {0}, which is neither a support nor a forum channel"
    )]
    LangForUnservedChannel(ChannelId),
    /// A shard outside the shard count.
    #[error("discord.shard = [{0}, {1}] is not a shard of {1}: shards count from 0 to {1} - 1")]
    BadShard(u32, u32),
}

/// The Discord settings cannot be used; every problem is listed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the Discord settings are not usable:{}", list(.0))]
pub struct DiscordConfigError(pub Vec<Problem>);

fn list(problems: &[Problem]) -> String {
    problems.iter().map(|p| format!("\n  - {p}")).collect()
}

impl DiscordConfig {
    /// Checks `settings` with the token from `DISCORD_TOKEN`.
    pub fn load(settings: &DiscordSettings) -> Result<Self, DiscordConfigError> {
        Self::from_settings(settings, std::env::var(TOKEN_VAR).ok())
    }

    /// Checks `settings` with `token`; an empty or blank token counts as missing.
    pub fn from_settings(
        settings: &DiscordSettings,
        token: Option<String>,
    ) -> Result<Self, DiscordConfigError> {
        let mut problems = Vec::new();
        let token = token.filter(|t| !t.trim().is_empty());
        if token.is_none() {
            problems.push(Problem::MissingToken);
        }
        let api_base = parse_base(&settings.api_base_url)
            .map_err(|p| problems.push(p))
            .ok();
        if settings.staff_channel.is_none() {
            problems.push(Problem::MissingStaffChannel);
        }
        if settings.staff_role.is_none() {
            problems.push(Problem::MissingStaffRole);
        }
        problems.extend(channel_problems(settings));
        let channel_lang = channel_langs(settings, &mut problems);
        if let Some([shard, count]) = settings.shard
            && shard >= count
        {
            problems.push(Problem::BadShard(shard, count));
        }
        match (token, api_base, settings.staff_channel, settings.staff_role) {
            (Some(token), Some(api_base), Some(staff_channel), Some(staff_role))
                if problems.is_empty() =>
            {
                Ok(DiscordConfig {
                    token: Token(SecretString::from(token.trim().to_owned())),
                    api_base,
                    support_channels: settings.support_channels.clone(),
                    forum_channels: settings.forum_channels.clone(),
                    dms: settings.dms,
                    staff_channel,
                    staff_role,
                    channel_lang,
                    shard: settings.shard.map(|[shard, count]| (shard, count)),
                    catch_up_hours: settings.catch_up_hours,
                    announce_channel: settings.announce_channel,
                })
            }
            _ => Err(DiscordConfigError(problems)),
        }
    }

    /// What `channel` is to the bot, if anything.
    pub fn channel_role(&self, channel: ChannelId) -> Option<ChannelRole> {
        if self.support_channels.contains(&channel) {
            Some(ChannelRole::Support)
        } else if self.forum_channels.contains(&channel) {
            Some(ChannelRole::Forum)
        } else {
            None
        }
    }

    /// The configured language of `channel`, if one is set.
    pub fn lang_of(&self, channel: ChannelId) -> Option<Lang> {
        self.channel_lang.get(&channel).copied()
    }
}

fn parse_base(raw: &str) -> Result<ApiBase, Problem> {
    if raw.trim_end_matches('/') == DISCORD_API {
        return Ok(ApiBase::Discord);
    }
    match Url::parse(raw) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
            Ok(ApiBase::Custom(url))
        }
        _ => Err(Problem::BadBaseUrl(raw.to_owned())),
    }
}

fn channel_problems(settings: &DiscordSettings) -> Vec<Problem> {
    let mut problems = Vec::new();
    if settings.support_channels.is_empty() && settings.forum_channels.is_empty() && !settings.dms {
        problems.push(Problem::NothingToServe);
    }
    let mut seen = Vec::new();
    let named = settings
        .support_channels
        .iter()
        .chain(&settings.forum_channels)
        .chain(&settings.staff_channel);
    for &channel in named {
        if seen.contains(&channel) {
            if !problems.contains(&Problem::ChannelTwice(channel)) {
                problems.push(Problem::ChannelTwice(channel));
            }
        } else {
            seen.push(channel);
        }
    }
    problems
}

fn channel_langs(
    settings: &DiscordSettings,
    problems: &mut Vec<Problem>,
) -> BTreeMap<ChannelId, Lang> {
    let mut langs = BTreeMap::new();
    for (key, &lang) in &settings.channel_lang {
        let Some(channel) = key.parse::<u64>().ok().filter(|&n| n != 0) else {
            problems.push(Problem::BadChannelKey(key.clone()));
            continue;
        };
        let channel = ChannelId::new(channel);
        let served = settings.support_channels.contains(&channel)
            || settings.forum_channels.contains(&channel);
        if served {
            langs.insert(channel, lang);
        } else {
            problems.push(Problem::LangForUnservedChannel(channel));
        }
    }
    langs
}

#[cfg(test)]
#[path = "settings_tests.rs"]
mod tests;
