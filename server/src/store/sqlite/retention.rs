//! Retention: events older than the configured age, and events of a
//! `user-` room past the configured count, are removed in steps of at most
//! [`STEP`] rows. Each removed room's highest removed `seq` is remembered,
//! so a client resuming from before it is told to resync instead of
//! silently missing events.

use super::super::*;
use rusqlite::{params, Connection};
use std::collections::HashMap;

/// Most rows removed by one step (one short transaction).
pub(super) const STEP: usize = 1000;

pub(super) fn prune_step(conn: &Connection, retention: Retention) -> Result<usize, StoreError> {
    let mut removed: Vec<(String, i64)> = Vec::new();
    if let Some(cutoff) = retention.older_than_ms {
        // Events are stored in creation order, so the old ones are the
        // oldest positions: walk from the start and stop at the first event
        // young enough to keep (no time index to maintain on every insert).
        let mut oldest = conn.prepare_cached("SELECT seq, created_at FROM events ORDER BY seq LIMIT ?1")?;
        let mut upto = None;
        for row in oldest.query_map([STEP as i64], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))? {
            let (seq, created_at) = row?;
            if created_at >= cutoff {
                break;
            }
            upto = Some(seq);
        }
        if let Some(upto) = upto {
            let mut delete =
                conn.prepare_cached("DELETE FROM events WHERE seq <= ?1 RETURNING audience, seq")?;
            let rows = delete.query_map([upto], |r| Ok((r.get(0)?, r.get(1)?)))?;
            removed = rows.collect::<Result<_, _>>()?;
        }
    }
    if let (Some(keep), true) = (retention.per_user, removed.len() < STEP) {
        let over: Vec<(String, i64)> = conn
            .prepare_cached(
                "SELECT audience, COUNT(*) - ?1 FROM events
                 WHERE audience >= 'user-' AND audience < 'user.'
                 GROUP BY audience HAVING COUNT(*) > ?1 LIMIT 20",
            )?
            .query_map([keep as i64], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut delete = conn.prepare_cached(
            "DELETE FROM events WHERE seq IN (
                SELECT seq FROM events WHERE audience = ?1 ORDER BY seq LIMIT ?2)
             RETURNING audience, seq",
        )?;
        for (audience, excess) in over {
            let budget = (STEP - removed.len()) as i64;
            if budget == 0 {
                break;
            }
            let rows =
                delete.query_map(params![audience, excess.min(budget)], |r| Ok((r.get(0)?, r.get(1)?)))?;
            for row in rows {
                removed.push(row?);
            }
        }
    }
    let mut highest: HashMap<&str, i64> = HashMap::new();
    for (audience, seq) in &removed {
        let entry = highest.entry(audience).or_insert(*seq);
        *entry = (*entry).max(*seq);
    }
    let mut mark = conn.prepare_cached(
        "INSERT INTO pruned (audience, upto_seq) VALUES (?1, ?2)
         ON CONFLICT (audience) DO UPDATE SET upto_seq = MAX(upto_seq, ?2)",
    )?;
    for (audience, seq) in highest {
        mark.execute(params![audience, seq])?;
    }
    let mut forget = conn.prepare_cached("DELETE FROM notification_reads WHERE seq = ?1")?;
    for (_, seq) in &removed {
        forget.execute([seq])?;
    }
    Ok(removed.len())
}
