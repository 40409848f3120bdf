//! Display names of users, as in SQLite: a token's name never replaces
//! one the backend set.

use crate::store::{NameSource, RecordedName, StoreError};
use deadpool_postgres::{GenericClient, Transaction};

pub(super) async fn set_display_name(
    tx: &Transaction<'_>,
    user_id: &str,
    name: &str,
    source: NameSource,
    now_ms: i64,
) -> Result<RecordedName, StoreError> {
    let by_backend = source == NameSource::Backend;
    tx.execute(
        &tx.prepare_cached(
            "INSERT INTO users (user_id, display_name, updated_at, set_by_backend) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id) DO UPDATE
         SET display_name = EXCLUDED.display_name, updated_at = EXCLUDED.updated_at,
             set_by_backend = EXCLUDED.set_by_backend
         WHERE (EXCLUDED.set_by_backend OR NOT users.set_by_backend)
           AND (users.display_name IS DISTINCT FROM EXCLUDED.display_name
                OR users.set_by_backend IS DISTINCT FROM EXCLUDED.set_by_backend)",
        )
        .await?,
        &[&user_id, &name, &now_ms, &by_backend],
    )
    .await?;
    display_name(tx, user_id).await?.ok_or(StoreError::Inconsistent("a recorded name vanished"))
}

pub(super) async fn display_name(
    client: &impl GenericClient,
    user_id: &str,
) -> Result<Option<RecordedName>, StoreError> {
    let row = client
        .query_opt(
            &client
                .prepare_cached("SELECT display_name, set_by_backend FROM users WHERE user_id = $1")
                .await?,
            &[&user_id],
        )
        .await?;
    row.map(|row| {
        let by_backend: bool = row.try_get(1)?;
        Ok(RecordedName {
            name: row.try_get(0)?,
            source: if by_backend { NameSource::Backend } else { NameSource::Token },
        })
    })
    .transpose()
}
