//! One place for Discord's ids in the engine's terms and back: the
//! `discord:` prefix of thread refs, person ids and source keys, and the
//! one staff check (the configured role on the member who acted). Nothing
//! else in the adapter spells the prefix or reads a member's roles.

use serenity::all::{ChannelId, Member, PartialMember, RoleId, User, UserId};

use crate::delivery::DeliveryError;
use crate::domain::{Person, SourceKey, ThreadRef};

/// The platform name in source keys, user ids and thread refs.
pub const PLATFORM: &str = "discord";

/// The thread ref of a Discord channel.
pub fn thread_ref(channel: ChannelId) -> ThreadRef {
    ThreadRef(format!("{PLATFORM}:{channel}"))
}

/// The channel of a Discord thread ref (`discord:<id>`).
pub fn channel_of(thread: &ThreadRef) -> Result<ChannelId, DeliveryError> {
    let id = own(&thread.0)
        .ok_or_else(|| DeliveryError::permanent(format!("{thread} is not a Discord thread")))?;
    parse_id(id).map(ChannelId::new)
}

/// The channel of `thread`, if it is a Discord one (for links in replies).
pub fn channel_in(thread: &ThreadRef) -> Option<ChannelId> {
    channel_of(thread).ok()
}

/// The engine's view of a Discord user.
pub fn person(user: &User) -> Person {
    let name = user
        .global_name
        .clone()
        .unwrap_or_else(|| user.name.clone());
    Person::new(format!("{PLATFORM}:{}", user.id), name)
}

/// The Discord user behind a person of this platform.
pub fn user_of(person: &Person) -> Result<UserId, DeliveryError> {
    let id = own(&person.id.0)
        .ok_or_else(|| DeliveryError::permanent(format!("{} is not a Discord user", person.id)))?;
    parse_id(id).map(UserId::new)
}

/// The source key of a Discord message, interaction or command (its id).
pub fn source_key(id: impl std::fmt::Display) -> SourceKey {
    SourceKey::new(PLATFORM, id.to_string())
}

/// A member's roles, in whichever form Discord sent the member (whole with
/// an interaction, partial with a message).
pub trait Roles {
    /// The member's roles.
    fn roles(&self) -> &[RoleId];
}

impl Roles for Member {
    fn roles(&self) -> &[RoleId] {
        &self.roles
    }
}

impl Roles for PartialMember {
    fn roles(&self) -> &[RoleId] {
        &self.roles
    }
}

/// Whether `member` (absent outside a server) has the staff role.
pub fn is_staff<M: Roles + ?Sized>(member: Option<&M>, role: RoleId) -> bool {
    member.is_some_and(|m| m.roles().contains(&role))
}

/// The ids of `member`'s roles, which a maintenance contract may cover;
/// `None` outside a server (a DM says nothing of them).
pub fn role_ids<M: Roles + ?Sized>(member: Option<&M>) -> Option<Vec<String>> {
    member.map(|m| m.roles().iter().map(ToString::to_string).collect())
}

/// The id after this platform's prefix.
fn own(id: &str) -> Option<&str> {
    id.strip_prefix(PLATFORM)?.strip_prefix(':')
}

/// A Discord id kept as text (a channel or message id in the store).
pub fn parse_id(id: &str) -> Result<u64, DeliveryError> {
    id.parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| DeliveryError::permanent(format!("`{id}` is not a Discord id")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_channel_goes_to_a_thread_ref_and_back() {
        let thread = thread_ref(ChannelId::new(42));
        assert_eq!(thread.0, "discord:42");
        assert_eq!(channel_of(&thread).unwrap(), ChannelId::new(42));
        assert_eq!(channel_in(&thread), Some(ChannelId::new(42)));
    }

    #[test]
    fn refs_of_other_platforms_and_garbled_ids_are_refused() {
        for bad in [
            "console:42",
            "discord:",
            "discord:0",
            "discord:x",
            "discord42",
            "42",
        ] {
            let thread = ThreadRef(bad.to_owned());
            assert!(channel_of(&thread).is_err(), "{bad}");
            assert_eq!(channel_in(&thread), None, "{bad}");
            assert!(user_of(&Person::new(bad, "x")).is_err(), "{bad}");
        }
        assert_eq!(
            user_of(&Person::new("discord:7", "x")).unwrap(),
            UserId::new(7)
        );
    }

    #[test]
    fn source_keys_carry_the_platform() {
        assert_eq!(source_key(9), SourceKey::new(PLATFORM, "9"));
    }
}
