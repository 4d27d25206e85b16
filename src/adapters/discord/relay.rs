//! Tickets from direct messages. Staff cannot join a customer's DM, so the
//! ticket's card gets a thread in the staff channel that stands in for it:
//! what the customer writes in the DM is posted there, and what the member
//! of staff who claimed the ticket writes there is sent to the customer (as
//! the engine's staff reply, so it is logged and ordered like every other
//! message). Anyone else's messages stay among staff. The staff commands
//! work in that thread as in a customer's thread.
//!
//! The thread is remembered as `relay:<ticket>` among the posted messages,
//! made once (a retry finds the thread Discord already has: a thread made
//! from a message has the message's id), and found again from the channel a
//! message arrives in.

use serenity::all::{
    Channel, ChannelId, Context, CreateMessage, CreateThread, Message, MessageId, Nonce,
};

use super::failure::{Failure, THREAD_ALREADY_CREATED};
use super::handler::{Handler, person};
use super::mentions::no_pings;
use super::thread_name::thread_name;
use super::transport::{DiscordTransport, PLATFORM, channel_of, failed, nonce, store_failed};
use crate::delivery::DeliveryError;
use crate::engine::{Card, Inbound, OutboxId, Person, SourceKey, StaffCommand, TicketId};
use crate::store::{Posted, SqlStore, StoreError, TicketState};

/// The prefix of the keys relay threads are remembered by.
const RELAY: &str = "relay:";

fn relay_key(ticket: TicketId) -> String {
    format!("{RELAY}{ticket}")
}

/// The staff thread that relays ticket `ticket`'s DM, if it has one.
pub(super) async fn relay_of(
    store: &SqlStore,
    ticket: TicketId,
) -> Result<Option<ChannelId>, StoreError> {
    let posted = store.posted(&relay_key(ticket)).await?;
    Ok(posted
        .and_then(|p| p.channel_id.parse::<u64>().ok())
        .filter(|id| *id > 0)
        .map(ChannelId::new))
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

/// What the relay thread says first.
fn introduction(card: &Card) -> String {
    format!(
        "Ticket #{} came from a direct message with **{}**. What they write \
         appears here. Once you have claimed the ticket, what you write here is \
         sent to them; messages before that, and from anyone else, stay among \
         staff. `/note`, `/resolve` and the other staff commands work here.",
        card.ticket, card.customer.name
    )
}

impl DiscordTransport {
    /// Gives the card of a ticket from a DM its relay thread, once.
    pub(super) async fn open_relay(
        &self,
        row: OutboxId,
        card: &Card,
        card_message: MessageId,
    ) -> Result<(), DeliveryError> {
        let store = &self.store;
        if relay_of(store, card.ticket)
            .await
            .map_err(store_failed)?
            .is_some()
        {
            return Ok(());
        }
        if !self.is_dm(card).await? {
            return Ok(());
        }
        let staff = self.config.staff_channel;
        let name = thread_name(
            &format!("#{} {}", card.ticket, card.customer.name),
            "Ticket",
        );
        let made = staff
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
            .content(introduction(card))
            .allowed_mentions(no_pings())
            .nonce(Nonce::String(nonce(row, 1, thread)))
            .enforce_nonce(true);
        thread
            .send_message(&self.http, intro)
            .await
            .map_err(failed)?;
        let posted = Posted {
            channel_id: thread.to_string(),
            message_id: card_message.to_string(),
        };
        store
            .record_posted(&relay_key(card.ticket), &posted)
            .await
            .map_err(store_failed)
    }

    /// Whether the card's conversation is a DM. A channel Discord no longer
    /// knows is not one: the card must go out all the same.
    async fn is_dm(&self, card: &Card) -> Result<bool, DeliveryError> {
        let Ok(channel) = channel_of(&card.thread) else {
            return Ok(false);
        };
        match self.http.get_channel(channel).await {
            Ok(channel) => Ok(matches!(channel, Channel::Private(_))),
            Err(e) => match Failure::of(&e) {
                Failure::Permanent { .. } => {
                    tracing::warn!(error = %e, ticket = %card.ticket, "looking up a ticket's channel");
                    Ok(false)
                }
                _ => Err(failed(e)),
            },
        }
    }

    /// Posts what a customer wrote in the DM of ticket `ticket` in its relay
    /// thread. A ticket without one (its customer is in a thread staff join)
    /// needs nothing.
    pub(super) async fn relay_to_staff(
        &self,
        row: OutboxId,
        ticket: TicketId,
        from: &Person,
        text: &str,
    ) -> Result<(), DeliveryError> {
        let Some(thread) = relay_of(&self.store, ticket).await.map_err(store_failed)? else {
            return Ok(());
        };
        let line = format!("**{}**: {text}", from.name);
        self.post(row, thread, super::render::text(&line, vec![]))
            .await
    }
}

impl Handler {
    /// A message in a relay thread: from the member of staff who claimed
    /// the ticket it goes to the customer; before anyone has, or after the
    /// ticket is resolved, the writer is told it was not sent. Returns
    /// whether `msg` was in a relay thread.
    pub(super) async fn on_relay_message(&self, ctx: &Context, msg: &Message) -> bool {
        if msg.guild_id.is_none() {
            return false;
        }
        let ticket = match ticket_of_relay(&self.store, msg.channel_id).await {
            Ok(Some(ticket)) => ticket,
            Ok(None) => return false,
            Err(e) => {
                tracing::error!(error = %e, "looking up a relay thread");
                return false;
            }
        };
        let staff = msg
            .member
            .as_ref()
            .is_some_and(|m| m.roles.contains(&self.config.staff_role));
        if !staff || msg.content.trim().is_empty() {
            return true;
        }
        let by = person(&msg.author);
        let state = match self.engine.store().ticket(ticket).await {
            Ok(Some(t)) => t,
            Ok(None) => return true,
            Err(e) => {
                tracing::error!(error = %e, "reading a relayed ticket");
                return true;
            }
        };
        let refusal = match state.state {
            TicketState::Claimed if state.claimed_by.as_ref().is_some_and(|p| p.id == by.id) => {
                None
            }
            // Colleagues talking it over: that is what the thread is for.
            TicketState::Claimed => return true,
            TicketState::Open => Some(format!(
                "Not sent to the customer: claim ticket #{ticket} first, then write here."
            )),
            TicketState::Resolved => Some(format!(
                "Not sent to the customer: ticket #{ticket} is resolved; `/reopen` it to write to them."
            )),
        };
        if let Some(text) = refusal {
            let notice = CreateMessage::new()
                .content(text)
                .allowed_mentions(no_pings())
                .reference_message(msg);
            if let Err(e) = msg.channel_id.send_message(&ctx.http, notice).await {
                self.metrics.discord_error("relay");
                tracing::warn!(error = %e, "telling staff a message was not relayed");
            }
            return true;
        }
        let event = Inbound::Staff {
            source: SourceKey::new(PLATFORM, msg.id.to_string()),
            ticket,
            staff: by,
            command: StaffCommand::Reply {
                text: msg.content.clone(),
            },
        };
        self.handle(&event).await;
        true
    }
}
