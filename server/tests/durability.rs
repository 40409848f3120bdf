//! `kill -9` at random moments: every event that got a 202 comes back
//! exactly once, in order, after a restart on the same database.

mod common;

use common::*;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;

const PUBLISHERS: usize = 4;
const ROUNDS: usize = 4;

/// A small deterministic generator, so a failing seed can be replayed.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

/// Publishes numbered events until the server dies; returns (n, id, seq)
/// of every one acknowledged with 202.
async fn publish_until_killed(
    http: reqwest::Client,
    url: String,
    publisher: usize,
    round: usize,
) -> Vec<(u64, String, i64)> {
    let mut acked = Vec::new();
    let service = token("backend", "service", 3600);
    for n in 0.. {
        let body =
            json!({"room": "user-u1", "event": "tick", "data": {"p": publisher, "round": round, "n": n}});
        let sent =
            http.post(&url).bearer_auth(&service).json(&body).timeout(Duration::from_secs(5)).send().await;
        let Ok(response) = sent else { break };
        if response.status() != 202 {
            break;
        }
        let Ok(ack) = response.json::<Value>().await else { break };
        acked.push((n, ack["id"].as_str().unwrap().to_owned(), ack["seq"].as_i64().unwrap()));
    }
    acked
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_events_survive_kill_9() {
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
    println!("seed {seed}");
    let mut rng = Lcg(seed);
    let mut dir = tempfile::tempdir().unwrap();
    let mut acked: Vec<(usize, usize, u64, String, i64)> = Vec::new();
    for round in 0..ROUNDS {
        let server = Server::start_durable(dir, &[]);
        let tasks: Vec<_> = (0..PUBLISHERS)
            .map(|p| {
                tokio::spawn(publish_until_killed(
                    server.http.clone(),
                    server.url("/api/v1/publish"),
                    p,
                    round,
                ))
            })
            .collect();
        let wait = 150 + rng.next(500);
        tokio::time::sleep(Duration::from_millis(wait)).await;
        dir = server.kill9();
        let mut in_round = 0;
        for (p, task) in tasks.into_iter().enumerate() {
            for (n, id, seq) in task.await.unwrap() {
                acked.push((p, round, n, id, seq));
                in_round += 1;
            }
        }
        println!("round {round}: killed after {wait} ms, {in_round} acknowledged");
        assert!(in_round > 0, "nothing was acknowledged before the kill");
    }

    let server = Server::start_durable(dir, &[]);
    let mut client = server.connect("u1", "renter").await;
    let frames = client.resume(0).await;
    assert_eq!(frames.last().unwrap()["event"], "resumed");
    let ticks: Vec<&Value> = frames.iter().filter(|f| f["event"] == "tick").collect();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for f in &ticks {
        *seen.entry(f["id"].as_str().unwrap()).or_default() += 1;
    }
    assert!(seen.values().all(|&c| c == 1), "duplicates in replay");
    for (p, round, n, id, seq) in &acked {
        assert_eq!(seen.get(id.as_str()), Some(&1), "acknowledged event p{p} r{round} n{n} seq {seq} lost");
    }
    let seqs: Vec<i64> = ticks.iter().map(|f| f["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "replay out of order");
    // Each publisher's events, which it sent one after another, keep their order.
    for p in 0..PUBLISHERS {
        for round in 0..ROUNDS {
            let ns: Vec<i64> = ticks
                .iter()
                .filter(|f| f["data"]["p"] == p && f["data"]["round"] == round)
                .map(|f| f["data"]["n"].as_i64().unwrap())
                .collect();
            assert!(
                ns.windows(2).all(|w| w[0] + 1 == w[1]),
                "gap or reorder for publisher {p} round {round}: {ns:?}"
            );
        }
    }
    println!("{} acknowledged, {} replayed", acked.len(), ticks.len());
}
