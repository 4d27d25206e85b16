//! The outbound side of the Discord adapter: the delivery worker hands it one
//! engine action at a time and it makes the Discord calls. Answers become
//! embeds with buttons, texts are split at the message limit, nothing pings
//! anyone except the staff-role reminder. A ticket's card is remembered by
//! its message id, so every later version (and a retried first one) edits
//! that message instead of posting another. Notices for one person go out as
//! an ephemeral follow-up of the interaction they last made. Every message
//! posted to a channel carries a nonce made from its outbox row (and piece)
//! with `enforce_nonce`, so when a post reached Discord but its response was
//! lost, the retry gets the message already made instead of a second copy
//! (Discord keeps nonces for a few minutes). A failed call is classified by [`super::failure`]: 429 and 5xx are retried by the outbox
//! with its backoff, other client errors are given up.

use std::sync::Arc;

use async_trait::async_trait;
use serenity::all::{
    ChannelId, CreateInteractionResponseFollowup, CreateMessage, EditMessage, EditThread, Http,
    MessageId, MessageReference, Nonce,
};
use serenity::builder::Builder as _;

use super::failure::{DM_CHANNEL, Failure};
use super::ids::{channel_of, parse_id, user_of};
use super::interactions::Interactions;
use super::mentions::{no_pings, staff_ping};
use super::relay::{RelayFor, relay_of};
use super::render::{self, AnswerParts, ButtonContext, Piece};
use super::settings::DiscordConfig;
use crate::delivery::{DeliveryError, Transport};
use crate::domain::{Action, Card, OutboxId, Person, PingLevel, ThreadRef, TicketId};
use crate::metrics::Metrics;
use crate::store::{Posted, Scope, SqlStore, Store as _};

/// Carries out engine actions on Discord.
pub struct DiscordTransport {
    pub(crate) http: Arc<Http>,
    pub(crate) store: Arc<SqlStore>,
    pub(crate) config: Arc<DiscordConfig>,
    interactions: Arc<Interactions>,
    metrics: Metrics,
}

impl DiscordTransport {
    /// A transport calling Discord through `http`.
    pub fn new(
        http: Arc<Http>,
        store: Arc<SqlStore>,
        config: Arc<DiscordConfig>,
        interactions: Arc<Interactions>,
        metrics: Metrics,
    ) -> Self {
        DiscordTransport {
            http,
            store,
            config,
            interactions,
            metrics,
        }
    }

    async fn carry_out(&self, row: OutboxId, action: &Action) -> Result<(), DeliveryError> {
        match action {
            Action::Answer {
                thread,
                kind,
                title,
                body,
                source,
                recognised,
                buttons,
                ..
            } => {
                // An answer without buttons (given while the database is
                // unreachable) refers to no conversation: nothing to read.
                let rows = if buttons.is_empty() {
                    Vec::new()
                } else {
                    let context = self.buttons_for(thread, None, action.offer()).await?;
                    render::offer_rows(buttons, context)
                };
                let parts = AnswerParts {
                    kind: *kind,
                    title,
                    body,
                    source: format!("{} — {}:{}", source.entry_id, source.path, source.line),
                    recognised,
                };
                self.post(row, channel_of(thread)?, render::answer(&parts, rows))
                    .await
            }
            Action::Choices {
                thread,
                text,
                buttons,
                ..
            }
            | Action::Say {
                thread,
                text,
                buttons,
            } => {
                let context = self.buttons_for(thread, None, action.offer()).await?;
                let rows = render::offer_rows(buttons, context);
                self.post(row, channel_of(thread)?, render::text(text, rows))
                    .await
            }
            Action::AskRating {
                thread,
                ticket,
                text,
                buttons,
            } => {
                let ctx = self.buttons_for(thread, Some(*ticket), None).await?;
                let rows = render::offer_rows(buttons, ctx);
                self.post(row, channel_of(thread)?, render::text(text, rows))
                    .await
            }
            Action::TicketOpened { thread, text, .. }
            | Action::InactivityNotice { thread, text } => {
                self.post(row, channel_of(thread)?, render::text(text, vec![]))
                    .await
            }
            Action::StaffMessage { thread, from, text } => {
                let line = format!("**{}**: {text}", from.name);
                self.post(row, channel_of(thread)?, render::text(&line, vec![]))
                    .await
            }
            Action::Close { thread, text } => {
                let channel = channel_of(thread)?;
                self.post(row, channel, render::text(text, vec![])).await?;
                let archive = EditThread::new().archived(true);
                match channel.edit_thread(&self.http, archive).await {
                    Ok(_) => Ok(()),
                    // A DM conversation has no thread to archive: the last
                    // words end it.
                    Err(e) if is_dm_refusal(&e) => Ok(()),
                    Err(e) => Err(failed(e)),
                }
            }
            Action::AddToThread {
                thread,
                staff,
                ticket,
            } => self.add_to_thread(thread, staff, *ticket).await,
            Action::CustomerMessage {
                ticket,
                thread,
                from,
                text,
            } => {
                let dm = RelayFor {
                    ticket: *ticket,
                    thread,
                    customer: from,
                    claimer: None,
                };
                self.relay_to_staff(row, &dm, text).await
            }
            Action::PingStaff {
                ticket,
                level,
                text,
                ..
            } => self.ping_staff(row, *ticket, *level, text).await,
            Action::PostStaffCard(card) | Action::UpdateStaffCard(card) => {
                self.upsert_card(row, card).await
            }
            Action::Ephemeral { user, text } => self.ephemeral(&user.0, text).await,
            Action::Announce { notice, text } => match self.config.announce_channel {
                Some(channel) => self.post(row, channel, render::text(text, vec![])).await,
                None => {
                    tracing::debug!(%notice, "no announcement channel: not announced");
                    Ok(())
                }
            },
            Action::Private { user, text } => match self.direct(row, &user.0, text).await {
                Ok(()) => Ok(()),
                // DMs closed: privately under their latest interaction, if
                // it is recent enough; else the first failure stands.
                Err(e) if e.permanent => self.ephemeral(&user.0, text).await.map_err(|_| e),
                Err(e) => Err(e),
            },
        }
    }

    /// Adds the member of staff who claimed a ticket to the customer's
    /// thread, or, for a DM, to the staff thread that relays it (if it is
    /// not made yet, it adds the claimer itself when it is).
    async fn add_to_thread(
        &self,
        thread: &ThreadRef,
        staff: &Person,
        ticket: Option<TicketId>,
    ) -> Result<(), DeliveryError> {
        let user = user_of(staff)?;
        let ticket = match ticket {
            Some(ticket) => Some(ticket),
            // Rows written before actions named their ticket.
            None => self
                .store
                .conversation_by_thread(thread)
                .await
                .map_err(store_failed)?
                .and_then(|c| c.ticket),
        };
        let relay = match ticket {
            Some(ticket) => relay_of(&self.store, ticket).await.map_err(store_failed)?,
            None => None,
        };
        let channel = match relay {
            Some(relay) => relay,
            None => channel_of(thread)?,
        };
        match channel.add_thread_member(&self.http, user).await {
            Ok(()) => Ok(()),
            // A DM whose relay thread is not made yet: it adds the claimer.
            Err(e) if is_dm_refusal(&e) => Ok(()),
            Err(e) => Err(failed(e)),
        }
    }

    /// What this thread's buttons refer to.
    async fn buttons_for(
        &self,
        thread: &ThreadRef,
        ticket: Option<TicketId>,
        offer: Option<u64>,
    ) -> Result<ButtonContext, DeliveryError> {
        let conversation = self
            .store
            .conversation_by_thread(thread)
            .await
            .map_err(|e| DeliveryError::transient(format!("reading the conversation: {e}")))?
            .map_or(0, |c| c.id.0);
        Ok(ButtonContext {
            conversation,
            ticket,
            offer,
        })
    }

    /// Posts `pieces` in order, each with its own nonce, so a retried row
    /// skips the pieces Discord already has.
    pub(crate) async fn post(
        &self,
        row: OutboxId,
        channel: ChannelId,
        pieces: Vec<Piece>,
    ) -> Result<(), DeliveryError> {
        for (n, piece) in pieces.into_iter().enumerate() {
            let mut message = CreateMessage::new()
                .allowed_mentions(no_pings())
                .nonce(Nonce::String(nonce(row, n, channel)))
                .enforce_nonce(true);
            if let Some(content) = piece.content {
                message = message.content(content);
            }
            if let Some(embed) = piece.embed {
                message = message.embed(embed);
            }
            if !piece.rows.is_empty() {
                message = message.components(piece.rows);
            }
            channel
                .send_message(&self.http, message)
                .await
                .map_err(failed)?;
        }
        Ok(())
    }

    /// Pings the staff role about a waiting ticket, as a reply to its card
    /// (one click to it); the second, louder reminder stands out.
    async fn ping_staff(
        &self,
        row: OutboxId,
        ticket: TicketId,
        level: PingLevel,
        text: &str,
    ) -> Result<(), DeliveryError> {
        let role = self.config.staff_role;
        let channel = self.config.staff_channel;
        let content = match level {
            PingLevel::Normal => format!("<@&{role}> {text}"),
            PingLevel::Loud => format!("\u{1F6A8} <@&{role}> **{text}**"),
        };
        let mut message = CreateMessage::new()
            .content(content)
            .allowed_mentions(staff_ping(role))
            .nonce(Nonce::String(nonce(row, 0, channel)))
            .enforce_nonce(true);
        let card = self
            .store
            .posted(&format!("card:{ticket}"))
            .await
            .map_err(store_failed)?;
        if let Some(card) = card.filter(|c| c.channel_id == channel.to_string()) {
            let mut reply =
                MessageReference::from((channel, parse_id(&card.message_id).map(MessageId::new)?));
            // A card deleted by hand must not stop the reminder.
            reply.fail_if_not_exists = Some(false);
            message = message.reference_message(reply);
        }
        channel
            .send_message(&self.http, message)
            .await
            .map_err(failed)?;
        Ok(())
    }

    /// Posts the card (with the row's nonce: a post whose response was lost
    /// is not made twice), or edits the message already posted for it.
    async fn upsert_card(&self, row: OutboxId, card: &Card) -> Result<(), DeliveryError> {
        let key = format!("card:{}", card.ticket);
        let posted = self.store.posted(&key).await.map_err(store_failed)?;
        let link = match channel_of(&card.thread) {
            Ok(c) => format!("<#{c}>"),
            Err(_) => card.thread.to_string(),
        };
        let embed = render::card_embed(card, &link);
        let rows = render::card_rows(card);
        if let Some(posted) = posted {
            let channel = parse_id(&posted.channel_id).map(ChannelId::new)?;
            let message = parse_id(&posted.message_id).map(MessageId::new)?;
            let edit = EditMessage::new()
                .embed(embed)
                .components(rows)
                .allowed_mentions(no_pings());
            channel
                .edit_message(&self.http, message, edit)
                .await
                .map_err(failed)?;
            // A retried first post may have stopped before the relay thread.
            self.open_relay(row, &RelayFor::card(card), channel, message)
                .await?;
            return Ok(());
        }
        let channel = self.config.staff_channel;
        let message = CreateMessage::new()
            .embed(embed)
            .components(rows)
            .allowed_mentions(no_pings())
            .nonce(Nonce::String(nonce(row, 0, channel)))
            .enforce_nonce(true);
        let sent = channel
            .send_message(&self.http, message)
            .await
            .map_err(failed)?;
        let posted = Posted {
            channel_id: channel.to_string(),
            message_id: sent.id.to_string(),
        };
        self.store
            .record_posted(&key, &posted)
            .await
            .map_err(store_failed)?;
        self.open_relay(row, &RelayFor::card(card), channel, sent.id)
            .await?;
        Ok(())
    }

    /// Sends `text` to `user` in a direct message.
    async fn direct(&self, row: OutboxId, user: &str, text: &str) -> Result<(), DeliveryError> {
        let user = user_of(&Person::new(user, ""))?;
        let dm = user.create_dm_channel(&self.http).await.map_err(failed)?;
        self.post(row, dm.id, render::text(text, vec![])).await
    }

    async fn ephemeral(&self, user: &str, text: &str) -> Result<(), DeliveryError> {
        let token = self
            .interactions
            .token_of(user)
            .await
            .map_err(store_failed)?;
        let Some(token) = token else {
            return Err(DeliveryError::permanent(format!(
                "no interaction of {user} to answer privately"
            )));
        };
        let followup = CreateInteractionResponseFollowup::new()
            .ephemeral(true)
            .content(text)
            .allowed_mentions(no_pings());
        followup
            .execute(&self.http, (None, &token))
            .await
            .map_err(failed)?;
        Ok(())
    }
}

#[async_trait]
impl Transport for DiscordTransport {
    fn scope(&self) -> Scope {
        Scope::All
    }

    async fn deliver(&self, id: OutboxId, action: &Action) -> Result<(), DeliveryError> {
        let result = self.carry_out(id, action).await;
        if let Err(e) = &result {
            let kind = if e.permanent { "permanent" } else { "retry" };
            self.metrics.discord_error(kind);
        }
        result
    }
}

/// Discord's longest nonce.
const NONCE_MAX: usize = 25;

/// The nonce of piece `piece` of outbox row `row` posted in `channel`:
/// `row.piece.` and as many of the channel id's last digits as fit in
/// Discord's 25 characters. The same on every retry of the row; the channel
/// digits keep a row number reused after the database was replaced from
/// matching a recent message elsewhere.
pub fn nonce(row: OutboxId, piece: usize, channel: ChannelId) -> String {
    let mut nonce = format!("{}.{piece}.", row.0);
    let digits = channel.get().to_string();
    let room = NONCE_MAX.saturating_sub(nonce.len());
    nonce.push_str(&digits[digits.len().saturating_sub(room)..]);
    nonce.truncate(NONCE_MAX);
    nonce
}

/// Whether Discord refused a call because the channel is a DM.
fn is_dm_refusal(e: &serenity::Error) -> bool {
    matches!(Failure::of(e), Failure::Permanent { code, .. } if code == DM_CHANNEL)
}

/// A failed Discord call as a delivery failure. A call serenity refused to
/// make will never be made: trying it again for hours would only hold back
/// the rows after it.
pub(crate) fn failed(e: serenity::Error) -> DeliveryError {
    match Failure::of(&e) {
        Failure::Permanent { .. } => DeliveryError::permanent(format!("Discord refused: {e}")),
        Failure::NotMade => DeliveryError::permanent(format!("not sent: {e}")),
        Failure::Retry { .. } | Failure::Unclear => {
            DeliveryError::transient(format!("Discord call failed: {e}"))
        }
    }
}

pub(crate) fn store_failed(e: crate::store::StoreError) -> DeliveryError {
    DeliveryError::transient(format!("store: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_serenity_refuses_to_make_is_given_up_and_a_lost_answer_is_not() {
        let refused = failed(serenity::Error::Model(
            serenity::all::ModelError::MessageTooLong(2_001),
        ));
        assert!(refused.permanent, "{}", refused.message);
        let json = serde_json::from_str::<u8>("x").unwrap_err();
        assert!(!failed(serenity::Error::Json(json)).permanent);
    }

    #[test]
    fn a_nonce_names_the_row_and_piece_and_fits_discords_limit() {
        let channel = ChannelId::new(1_234_567_890_123_456_789);
        assert_eq!(nonce(OutboxId(42), 0, channel), "42.0.1234567890123456789");
        assert_ne!(
            nonce(OutboxId(42), 1, channel),
            nonce(OutboxId(42), 0, channel)
        );
        assert_ne!(
            nonce(OutboxId(43), 0, channel),
            nonce(OutboxId(42), 0, channel)
        );
        let other = ChannelId::new(1_234_567_890_123_456_780);
        assert_ne!(
            nonce(OutboxId(42), 0, other),
            nonce(OutboxId(42), 0, channel)
        );
        let longest = nonce(OutboxId(i64::MAX), 12, channel);
        assert_eq!(longest, "9223372036854775807.12.89");
        assert_eq!(longest.len(), NONCE_MAX);
    }
}
