//! Tickets from direct messages. Staff cannot join a customer's DM, so the
//! ticket's card gets a thread in the staff channel that stands in for it:
//! what the customer writes in the DM (text and attachment links) is posted
//! there, and what the member of staff who claimed the ticket writes there
//! is sent to the customer (as the engine's staff reply, so it is logged and
//! ordered like every other message). A message starting with `//` stays
//! among staff, as does anyone else's. The staff commands work in that
//! thread as in a customer's thread.
//!
//! Whether a ticket has a relay thread is remembered as `relay:<ticket>`
//! among the posted messages: the thread, or channel `0` for a ticket that
//! needs none (its customer is in a thread staff join). The thread is made
//! once, with the card or, for a DM ticket whose card went out without one,
//! when the customer first writes (a retry finds the thread Discord already
//! has: a thread made from a message has the message's id), and found again
//! from the channel a message arrives in.

use serenity::all::{
    Channel, ChannelId, Context, CreateMessage, CreateThread, Message, MessageId, Nonce,
};

use super::failure::{Failure, THREAD_ALREADY_CREATED};
use super::handler::Handler;
use super::ids::{channel_of, is_staff, person, source_key, user_of};
use super::mentions::no_pings;
use super::thread_name::thread_name;
use super::transport::{DiscordTransport, failed, nonce, store_failed};
use crate::delivery::DeliveryError;
use crate::domain::{
    Card, CardStatus, Inbound, OutboxId, Person, StaffCommand, ThreadRef, TicketId,
};
use crate::engine::{Relayed, with_links};
use crate::intake::Handled;
use crate::store::{Posted, SqlStore, Store as _, StoreError, TicketState};

/// The prefix of the keys relay threads are remembered by.
const RELAY: &str = "relay:";

/// The piece number of the introduction's nonce: apart from the pieces of
/// the message of the same outbox row (a customer's first relayed words).
const INTRO_PIECE: usize = 99;

/// What a member of staff starts a message with to keep it among staff.
pub const STAFF_ONLY_PREFIX: &str = "//";

fn relay_key(ticket: TicketId) -> String {
    format!("{RELAY}{ticket}")
}

/// What is known of a ticket's relay thread.
pub(super) enum Relay {
    /// Nothing yet.
    Unknown,
    /// The ticket's customer is not in a DM.
    NotNeeded,
    /// The thread.
    Thread(ChannelId),
}

async fn relay_state(store: &SqlStore, ticket: TicketId) -> Result<Relay, StoreError> {
    let posted = store.posted(&relay_key(ticket)).await?;
    Ok(match posted.map(|p| p.channel_id.parse::<u64>()) {
        None => Relay::Unknown,
        Some(Ok(id)) if id > 0 => Relay::Thread(ChannelId::new(id)),
        Some(_) => Relay::NotNeeded,
    })
}

/// The staff thread that relays ticket `ticket`'s DM, if it has one.
pub(super) async fn relay_of(
    store: &SqlStore,
    ticket: TicketId,
) -> Result<Option<ChannelId>, StoreError> {
    Ok(match relay_state(store, ticket).await? {
        Relay::Thread(thread) => Some(thread),
        Relay::Unknown | Relay::NotNeeded => None,
    })
}

/// The ticket whose DM `channel` relays, if it is a relay thread.
pub(super) async fn ticket_of_relay(
    store: &SqlStore,
    channel: ChannelId,
) -> Result<Option<TicketId>, StoreError> {
    let key = store.posted_key_in(&channel.to_string(), RELAY).await?;
    Ok(key
        .and_then(|k| k.strip_prefix(RELAY)?.parse::<i64>().ok())
        .map(TicketId))
}

/// The ticket a relay thread is for.
#[derive(Clone, Copy)]
pub(super) struct RelayFor<'a> {
    /// The ticket.
    pub ticket: TicketId,
    /// The customer's conversation.
    pub thread: &'a ThreadRef,
    /// The customer.
    pub customer: &'a Person,
    /// Who has claimed it, to be added to the thread.
    pub claimer: Option<&'a Person>,
}

impl<'a> RelayFor<'a> {
    /// The ticket of `card`.
    pub fn card(card: &'a Card) -> Self {
        RelayFor {
            ticket: card.ticket,
            thread: &card.thread,
            customer: &card.customer,
            claimer: match &card.status {
                CardStatus::Claimed { by } => Some(by),
                CardStatus::Open | CardStatus::Resolved { .. } => None,
            },
        }
    }
}

/// What the relay thread says first.
fn introduction(ticket: TicketId, customer: &Person) -> String {
    format!(
        "Ticket #{ticket} came from a direct message with **{}**. What they write \
         appears here. Once you have claimed the ticket, what you write here is \
         sent to them, except messages starting with `{STAFF_ONLY_PREFIX}`; \
         messages before that, and from anyone else, stay among staff. `/note`, \
         `/resolve` and the other staff commands work here.",
        customer.name
    )
}

impl DiscordTransport {
    /// Gives the card (`card_message` in `card_channel`) of a ticket from a
    /// DM its relay thread, once; remembers that any other ticket needs none.
    /// Returns what is known now (`Unknown`: Discord would not say whether
    /// the ticket is a DM).
    pub(super) async fn open_relay(
        &self,
        row: OutboxId,
        dm: &RelayFor<'_>,
        card_channel: ChannelId,
        card_message: MessageId,
    ) -> Result<Relay, DeliveryError> {
        let store = &self.store;
        let key = relay_key(dm.ticket);
        match relay_state(store, dm.ticket).await.map_err(store_failed)? {
            Relay::Unknown => {}
            known => return Ok(known),
        }
        match self.is_dm(dm).await? {
            Some(true) => {}
            Some(false) => {
                let none = Posted {
                    channel_id: "0".to_owned(),
                    message_id: "0".to_owned(),
                };
                store
                    .record_posted(&key, &none)
                    .await
                    .map_err(store_failed)?;
                return Ok(Relay::NotNeeded);
            }
            None => return Ok(Relay::Unknown),
        }
        let name = thread_name(&format!("#{} {}", dm.ticket, dm.customer.name), "Ticket");
        let made = card_channel
            .create_thread_from_message(&self.http, card_message, CreateThread::new(name))
            .await;
        let thread = match made {
            Ok(thread) => thread.id,
            Err(e) => match Failure::of(&e) {
                Failure::Permanent { code, .. } if code == THREAD_ALREADY_CREATED => {
                    ChannelId::new(card_message.get())
                }
                _ => return Err(failed(e)),
            },
        };
        let intro = CreateMessage::new()
            .content(introduction(dm.ticket, dm.customer))
            .allowed_mentions(no_pings())
            .nonce(Nonce::String(nonce(row, INTRO_PIECE, thread)))
            .enforce_nonce(true);
        thread
            .send_message(&self.http, intro)
            .await
            .map_err(failed)?;
        if let Some(claimer) = dm.claimer {
            self.add_claimer(thread, claimer).await;
        }
        let posted = Posted {
            channel_id: thread.to_string(),
            message_id: card_message.to_string(),
        };
        store
            .record_posted(&key, &posted)
            .await
            .map_err(store_failed)?;
        Ok(Relay::Thread(thread))
    }

    /// Adds the claimer to a relay thread made after they claimed; a failure
    /// only means they open it themselves.
    async fn add_claimer(&self, thread: ChannelId, claimer: &Person) {
        let Ok(user) = user_of(claimer) else {
            return;
        };
        if let Err(e) = thread.add_thread_member(&self.http, user).await {
            tracing::warn!(error = %e, "adding the claimer to a relay thread");
        }
    }

    /// Whether the ticket's conversation is a DM; `None` when Discord
    /// refused to say (the card goes out all the same, and the customer's
    /// next message asks again).
    async fn is_dm(&self, dm: &RelayFor<'_>) -> Result<Option<bool>, DeliveryError> {
        let Ok(channel) = channel_of(dm.thread) else {
            return Ok(Some(false));
        };
        match self.http.get_channel(channel).await {
            Ok(channel) => Ok(Some(matches!(channel, Channel::Private(_)))),
            Err(e) => match Failure::of(&e) {
                Failure::Permanent { .. } => {
                    tracing::warn!(error = %e, ticket = %dm.ticket, "looking up a ticket's channel");
                    Ok(None)
                }
                _ => Err(failed(e)),
            },
        }
    }

    /// Posts what a customer wrote while their ticket is open in its relay
    /// thread. A ticket whose customer is in a thread staff join needs
    /// nothing. A DM ticket whose card went out without a thread (before
    /// relays existed, or it could not be made) gets it now. Where no thread
    /// can be had or used (the card never went out or was deleted, Discord
    /// refuses), the message is posted in the staff channel instead: it is
    /// never dropped.
    pub(super) async fn relay_to_staff(
        &self,
        row: OutboxId,
        dm: &RelayFor<'_>,
        text: &str,
    ) -> Result<(), DeliveryError> {
        let line = format!("**{}**: {text}", dm.customer.name);
        let relayed = match self.relay_thread_now(row, dm).await {
            Ok(Some(thread)) => {
                self.post(row, thread, super::render::text(&line, vec![]))
                    .await
            }
            Ok(None) => return Ok(()),
            Err(e) => Err(e),
        };
        match relayed {
            Err(e) if e.permanent => {
                tracing::warn!(error = %e.message, ticket = %dm.ticket, "relaying in the staff channel instead");
                let line = format!("Ticket #{}, {line}", dm.ticket);
                let staff = self.config.staff_channel;
                self.post(row, staff, super::render::text(&line, vec![]))
                    .await
            }
            other => other,
        }
    }

    /// The relay thread of a DM ticket, made now if its card went out
    /// without one; `None` when the ticket needs none. A DM ticket that
    /// cannot have one is a permanent error.
    async fn relay_thread_now(
        &self,
        row: OutboxId,
        dm: &RelayFor<'_>,
    ) -> Result<Option<ChannelId>, DeliveryError> {
        match relay_state(&self.store, dm.ticket)
            .await
            .map_err(store_failed)?
        {
            Relay::NotNeeded => return Ok(None),
            Relay::Thread(thread) => return Ok(Some(thread)),
            Relay::Unknown => {}
        }
        let card = self
            .store
            .posted(&format!("card:{}", dm.ticket))
            .await
            .map_err(store_failed)?;
        let Some(card) = card else {
            return match self.is_dm(dm).await? {
                Some(false) => Ok(None),
                _ => Err(DeliveryError::permanent("the ticket has no card")),
            };
        };
        let channel = parse_channel(&card.channel_id)?;
        let message = MessageId::new(parse_channel(&card.message_id)?.get());
        // Claimed before the thread was made: the claimer joins it.
        let ticket = self.store.ticket(dm.ticket).await.map_err(store_failed)?;
        let claimer = ticket
            .filter(|t| t.state == TicketState::Claimed)
            .and_then(|t| t.claimed_by);
        let dm = RelayFor {
            claimer: claimer.as_ref(),
            ..*dm
        };
        match self.open_relay(row, &dm, channel, message).await? {
            Relay::Thread(thread) => Ok(Some(thread)),
            Relay::NotNeeded => Ok(None),
            Relay::Unknown => Err(DeliveryError::permanent(
                "Discord would not say whether the ticket is a DM",
            )),
        }
    }
}

fn parse_channel(id: &str) -> Result<ChannelId, DeliveryError> {
    id.parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .map(ChannelId::new)
        .ok_or_else(|| DeliveryError::permanent(format!("`{id}` is not a Discord id")))
}

/// Told in a relay thread when a reply cannot reach the customer now.
const NOT_RELAYED_NOW: &str = "Not sent to the customer: I cannot reach my database right now. Please send it again in a minute.";
/// Told in a relay thread when a reply waits for the database.
const RELAY_WAITS: &str = "Noted. I cannot record it right now; it reaches the customer as soon as I can, usually within a minute.";

impl Handler {
    /// A message in a relay thread: from the member of staff who claimed
    /// the ticket it goes to the customer (unless it starts with `//`);
    /// before anyone has, or after the ticket is resolved, the writer is
    /// told it was not sent. Messages anywhere else are not its business.
    ///
    /// A reply that cannot be passed on now (the database is unreachable)
    /// is not dropped silently: its writer is told to send it again.
    pub(super) async fn on_relay_message(&self, ctx: &Context, msg: &Message) {
        if msg.guild_id.is_none() {
            return;
        }
        let staff = is_staff(msg.member.as_deref(), self.config.staff_role);
        if !staff || msg.content.trim_start().starts_with(STAFF_ONLY_PREFIX) {
            return;
        }
        let ticket = match ticket_of_relay(&self.store, msg.channel_id).await {
            Ok(Some(ticket)) => ticket,
            Ok(None) => return,
            Err(e) => {
                tracing::error!(error = %e, "looking up a relay thread");
                if self.under_staff_channel(ctx, msg.channel_id).await {
                    self.tell_in_relay(ctx, msg, NOT_RELAYED_NOW.to_owned())
                        .await;
                }
                return;
            }
        };
        let by = person(&msg.author);
        let links: Vec<String> = msg.attachments.iter().map(|a| a.url.clone()).collect();
        let text = with_links(msg.content.trim(), &links);
        match self.engine.relay_from(ticket, &by, &text).await {
            Ok(Relayed::Send) => {}
            Ok(Relayed::Quiet) => return,
            Ok(Relayed::Refused(refusal)) => return self.tell_in_relay(ctx, msg, refusal).await,
            Err(e) => {
                tracing::error!(error = %e, "reading a relayed ticket");
                return self
                    .tell_in_relay(ctx, msg, NOT_RELAYED_NOW.to_owned())
                    .await;
            }
        }
        let event = Inbound::Staff {
            source: source_key(msg.id),
            ticket,
            staff: by,
            command: StaffCommand::Reply { text },
        };
        match self.handle(&event).await {
            Handled::Done(_) => {}
            Handled::Waiting { .. } => self.tell_in_relay(ctx, msg, RELAY_WAITS.to_owned()).await,
            Handled::Refused | Handled::Failed => {
                self.tell_in_relay(ctx, msg, NOT_RELAYED_NOW.to_owned())
                    .await;
            }
        }
    }

    /// Whether `channel` is a thread of the staff channel (where relay
    /// threads are), as Discord says; `false` when it cannot say.
    async fn under_staff_channel(&self, ctx: &Context, channel: ChannelId) -> bool {
        match channel.to_channel(ctx).await {
            Ok(Channel::Guild(c)) => c.parent_id == Some(self.config.staff_channel),
            _ => false,
        }
    }

    /// Answers `msg` in its relay thread (only staff read it).
    async fn tell_in_relay(&self, ctx: &Context, msg: &Message, text: String) {
        let notice = CreateMessage::new()
            .content(text)
            .allowed_mentions(no_pings())
            .reference_message(msg);
        if let Err(e) = msg.channel_id.send_message(&ctx.http, notice).await {
            self.metrics.discord_error("relay");
            tracing::warn!(error = %e, "telling staff a message was not relayed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_introduction_names_the_ticket_the_customer_and_the_staff_only_prefix() {
        let alice = Person::new("discord:1", "alice");
        let text = introduction(TicketId(7), &alice);
        assert!(text.starts_with("Ticket #7 came from a direct message with **alice**."));
        assert!(text.contains("`//`"));
    }
}
