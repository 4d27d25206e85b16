//! The latest interaction token of each platform user. A private notice
//! (Discord's ephemeral follow-up) can only be sent through the token of an
//! interaction of its reader; keeping it here lets any instance sharing the
//! database deliver it, and lets it survive a restart.

use chrono::{DateTime, Utc};

use super::{SqlStore, on_pool, on_writer};
use crate::store::StoreError;

impl SqlStore {
    /// Remembers `token`, received at `at`, as `user`'s latest interaction.
    pub async fn record_interaction(
        &self,
        user: &str,
        token: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        on_writer!(self, |p| {
            sqlx::query(
                "INSERT INTO interaction_tokens (user_id, token, received_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (user_id) DO UPDATE \
                 SET token = excluded.token, received_at = excluded.received_at \
                 WHERE interaction_tokens.received_at <= excluded.received_at",
            )
            .bind(user)
            .bind(token)
            .bind(at)
            .execute(p)
            .await?;
        });
        Ok(())
    }

    /// `user`'s latest interaction token if it was received at or after
    /// `since` (older ones have expired).
    pub async fn interaction_token(
        &self,
        user: &str,
        since: DateTime<Utc>,
    ) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT token FROM interaction_tokens WHERE user_id = $1 AND received_at >= $2",
            )
            .bind(user)
            .bind(since)
            .fetch_optional(p)
            .await?
        });
        Ok(row.map(|(token,)| token))
    }
}
