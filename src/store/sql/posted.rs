//! Messages a platform adapter posted for a record that changes later (the
//! Discord staff card of a ticket): the key (`card:12`) maps to the channel
//! and message, so that an update edits that message, and a card whose
//! delivery is retried after it was posted is edited rather than posted twice.
//! A thread made for a record is kept the same way (`relay:12`, the staff
//! thread that relays a ticket's DM conversation), and found again from the
//! thread a message arrives in.

use super::{SqlStore, on_pool, on_writer};
use crate::store::StoreError;

/// Where a message was posted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posted {
    /// The platform's channel id.
    pub channel_id: String,
    /// The platform's message id.
    pub message_id: String,
}

impl SqlStore {
    /// The message posted for `key`, if any.
    pub async fn posted(&self, key: &str) -> Result<Option<Posted>, StoreError> {
        let row: Option<(String, String)> = on_pool!(self, |p| {
            sqlx::query_as("SELECT channel_id, message_id FROM posted_messages WHERE key = $1")
                .bind(key)
                .fetch_optional(p)
                .await?
        });
        Ok(row.map(|(channel_id, message_id)| Posted {
            channel_id,
            message_id,
        }))
    }

    /// Remembers the message posted for `key` (the first one wins).
    pub async fn record_posted(&self, key: &str, posted: &Posted) -> Result<(), StoreError> {
        on_writer!(self, |p| {
            sqlx::query(
                "INSERT INTO posted_messages (key, channel_id, message_id) VALUES ($1, $2, $3) \
                 ON CONFLICT (key) DO NOTHING",
            )
            .bind(key)
            .bind(&posted.channel_id)
            .bind(&posted.message_id)
            .execute(p)
            .await?;
        });
        Ok(())
    }

    /// The key of something posted in `channel_id` whose key starts with
    /// `prefix` (the record a thread was made for), if any.
    pub async fn posted_key_in(
        &self,
        channel_id: &str,
        prefix: &str,
    ) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT key FROM posted_messages WHERE channel_id = $1 \
                 AND substr(key, 1, length($2)) = $2 \
                 ORDER BY key LIMIT 1",
            )
            .bind(channel_id)
            .bind(prefix)
            .fetch_optional(p)
            .await?
        });
        Ok(row.map(|(key,)| key))
    }
}
