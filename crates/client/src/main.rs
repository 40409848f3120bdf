//! `realtime-client listen`: prints connection states and events, one JSON
//! object per line. A small tool over the same core the desktop app uses.

use clap::{Parser, Subcommand};
use std::io::Write;
use std::sync::Arc;
use urutibiz_client::{spawn, ClientConfig, FilePosition, MemoryPosition, PositionStore, Update};

/// Command-line client for the UrutiBiz realtime server.
#[derive(Parser)]
#[command(name = "realtime-client", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Commands,
}

#[derive(Subcommand)]
enum Commands {
    /// Connect and print every state change and event.
    Listen {
        /// Server base URL.
        #[arg(long, env = "REALTIME_URL", default_value = "http://127.0.0.1:8080")]
        url: String,
        /// The user's JWT.
        #[arg(long, env = "REALTIME_TOKEN", hide_env_values = true)]
        token: String,
        /// File keeping the last position, so a restart resumes.
        #[arg(long)]
        position_file: Option<std::path::PathBuf>,
    },
}

#[tokio::main]
async fn main() {
    let Commands::Listen { url, token, position_file } = Cli::parse().command;
    let position: Arc<dyn PositionStore> = match position_file {
        Some(path) => Arc::new(FilePosition::new(path)),
        None => Arc::new(MemoryPosition::default()),
    };
    let (handle, mut updates) = spawn(ClientConfig::new(url, token), position);
    let mut out = std::io::stdout().lock();
    loop {
        tokio::select! {
            update = updates.recv() => {
                let line = match update {
                    Some(Update::State(state)) => serde_json::json!({"state": state}),
                    Some(Update::Event(frame)) => frame.to_json(),
                    None => break,
                };
                // Whoever reads the output went away (a closed pipe): stop
                // quietly rather than panic in `println!`.
                if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
                    handle.send(urutibiz_client::Command::Shutdown);
                    break;
                }
            }
            _ = tokio::signal::ctrl_c() => {
                handle.send(urutibiz_client::Command::Shutdown);
                break;
            }
        }
    }
}
