//! Notices published by staff: a row per notice, replaced when one with the
//! same id is published again; ending one moves its end to that moment, so
//! the row stays for `frontline notices` to list.

use chrono::{DateTime, Utc};

use super::tx::{SqlTx, on_tx};
use super::{SqlStore, on_pool};
use crate::knowledge::{Notice, NoticeKind, NoticeOrigin};
use crate::store::StoreError;

/// The columns read back, in the order of [`NoticeRow`].
const NOTICE_SELECT: &str = "SELECT id, kind, starts_at, ends_at, services, symptoms, \
                             text_en, text_de, published_by, published_at FROM notices";

/// A notice as stored.
type NoticeRow = (
    String,
    String,
    DateTime<Utc>,
    DateTime<Utc>,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    DateTime<Utc>,
);

fn notice_of(row: NoticeRow) -> Result<Notice, StoreError> {
    let (id, kind, start, end, services, symptoms, text_en, text_de, by, at) = row;
    let list = |json: &str| {
        serde_json::from_str::<Vec<String>>(json)
            .map_err(|e| StoreError::Corrupt(format!("notice {id}: {e}")))
    };
    Ok(Notice {
        kind: kind.parse::<NoticeKind>().map_err(StoreError::Corrupt)?,
        start,
        end,
        services: list(&services)?,
        symptoms: list(&symptoms)?,
        text_en,
        text_de,
        origin: NoticeOrigin::Staff { by, at },
        id,
    })
}

impl SqlStore {
    /// Every notice staff published, by start.
    pub(super) async fn read_notices(&self) -> Result<Vec<Notice>, StoreError> {
        let sql = format!("{NOTICE_SELECT} ORDER BY starts_at, id");
        let rows: Vec<NoticeRow> = on_pool!(self, |p| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .fetch_all(p)
                .await?
        });
        rows.into_iter().map(notice_of).collect()
    }
}

impl SqlTx {
    /// Stores `notice`, replacing one with its id.
    pub(super) async fn upsert_notice(&mut self, notice: &Notice) -> Result<(), StoreError> {
        let (by, at) = match &notice.origin {
            NoticeOrigin::Staff { by, at } => (by.clone(), *at),
            NoticeOrigin::File { path, .. } => (path.display().to_string(), notice.start),
        };
        let json = |list: &[String]| serde_json::to_string(list).unwrap_or_else(|_| "[]".into());
        let sql = "INSERT INTO notices (id, kind, starts_at, ends_at, services, symptoms, \
                   text_en, text_de, published_by, published_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                   ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, \
                   starts_at = excluded.starts_at, ends_at = excluded.ends_at, \
                   services = excluded.services, symptoms = excluded.symptoms, \
                   text_en = excluded.text_en, text_de = excluded.text_de, \
                   published_by = excluded.published_by, published_at = excluded.published_at";
        on_tx!(self, |c| {
            sqlx::query(sql)
                .bind(&notice.id)
                .bind(notice.kind.as_str())
                .bind(notice.start)
                .bind(notice.end)
                .bind(json(&notice.services))
                .bind(json(&notice.symptoms))
                .bind(&notice.text_en)
                .bind(&notice.text_de)
                .bind(by)
                .bind(at)
                .execute(c)
                .await?;
        });
        Ok(())
    }

    /// Records that `notice` was announced at `at`; `false` if it was
    /// announced before (by this instance or another).
    pub(super) async fn record_announcement(
        &mut self,
        notice: &Notice,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let sql = "INSERT INTO notice_announcements (notice_id, starts_at, announced_at) \
                   VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
        let added = on_tx!(self, |c| {
            sqlx::query(sql)
                .bind(&notice.id)
                .bind(notice.start)
                .bind(at)
                .execute(c)
                .await?
                .rows_affected()
        });
        Ok(added > 0)
    }

    /// Ends notice `id` at `at` if it holds later than that; `false` if
    /// there is no such notice or it ended already.
    pub(super) async fn end_notice_at(
        &mut self,
        id: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let sql = "UPDATE notices SET ends_at = $2, \
                   starts_at = CASE WHEN starts_at > $2 THEN $2 ELSE starts_at END \
                   WHERE id = $1 AND ends_at > $2";
        let changed = on_tx!(self, |c| {
            sqlx::query(sql)
                .bind(id)
                .bind(at)
                .execute(c)
                .await?
                .rows_affected()
        });
        Ok(changed > 0)
    }
}
