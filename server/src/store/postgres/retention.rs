//! Retention, as in SQLite, in steps of at most [`STEP`] rows; in a
//! cluster one node prunes at a time (the others skip the step).

use super::super::*;
use deadpool_postgres::{GenericClient, Transaction};
use std::collections::HashMap;

/// Most rows removed by one step (one short transaction).
const STEP: usize = 1000;

/// Held for a step's transaction by the node pruning.
const PRUNE_LOCK: i64 = 0x7274_5f70_7275_6e65; // "rt_prune"

pub(super) async fn prune_step(tx: &Transaction<'_>, retention: Retention) -> Result<usize, StoreError> {
    let mine: bool = tx
        .query_one(&tx.prepare_cached("SELECT pg_try_advisory_xact_lock($1)").await?, &[&PRUNE_LOCK])
        .await?
        .try_get(0)?;
    if !mine {
        return Ok(0);
    }
    let mut removed: Vec<(String, i64)> = Vec::new();
    if let Some(cutoff) = retention.older_than_ms {
        // Positions follow creation time: walk from the oldest and stop at
        // the first event young enough to keep.
        let mut upto = None;
        for row in tx
            .query(
                &tx.prepare_cached("SELECT seq, created_at FROM events ORDER BY seq LIMIT $1").await?,
                &[&(STEP as i64)],
            )
            .await?
        {
            let (seq, created_at): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
            if created_at >= cutoff {
                break;
            }
            upto = Some(seq);
        }
        if let Some(upto) = upto {
            for row in tx
                .query(
                    &tx.prepare_cached("DELETE FROM events WHERE seq <= $1 RETURNING audience, seq").await?,
                    &[&upto],
                )
                .await?
            {
                removed.push((row.try_get(0)?, row.try_get(1)?));
            }
        }
    }
    if let (Some(keep), true) = (retention.per_user, removed.len() < STEP) {
        let keep = keep as i64;
        let over = tx
            .query(
                &tx.prepare_cached(
                    "SELECT audience, COUNT(*) - $1 FROM events WHERE starts_with(audience, 'user-')
                 GROUP BY audience HAVING COUNT(*) > $1 LIMIT 20",
                )
                .await?,
                &[&keep],
            )
            .await?;
        for row in over {
            let (audience, excess): (String, i64) = (row.try_get(0)?, row.try_get(1)?);
            let budget = (STEP - removed.len()) as i64;
            if budget == 0 {
                break;
            }
            let deleted = tx
                .query(
                    &tx.prepare_cached(
                        "DELETE FROM events WHERE seq IN (
                        SELECT seq FROM events WHERE audience = $1 ORDER BY seq LIMIT $2)
                     RETURNING audience, seq",
                    )
                    .await?,
                    &[&audience, &excess.min(budget)],
                )
                .await?;
            for row in deleted {
                removed.push((row.try_get(0)?, row.try_get(1)?));
            }
        }
    }
    let mut highest: HashMap<&str, i64> = HashMap::new();
    for (audience, seq) in &removed {
        let entry = highest.entry(audience).or_insert(*seq);
        *entry = (*entry).max(*seq);
    }
    for (audience, seq) in highest {
        tx.execute(
            &tx.prepare_cached(
                "INSERT INTO pruned (audience, upto_seq) VALUES ($1, $2)
             ON CONFLICT (audience) DO UPDATE SET upto_seq = GREATEST(pruned.upto_seq, $2)",
            )
            .await?,
            &[&audience, &seq],
        )
        .await?;
    }
    let seqs: Vec<i64> = removed.iter().map(|(_, seq)| *seq).collect();
    tx.execute(&tx.prepare_cached("DELETE FROM notification_reads WHERE seq = ANY($1)").await?, &[&seqs])
        .await?;
    Ok(removed.len())
}
