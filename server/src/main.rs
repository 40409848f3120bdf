//! `realtime-server`: thin entry point; everything lives in the library.

use clap::Parser;
use std::io::IsTerminal;
use std::process::ExitCode;
use tokio::net::TcpSocket;
use tracing_subscriber::EnvFilter;
use urutibiz_realtime_server::auth::mint_hs256;
use urutibiz_realtime_server::cli::{Cli, Command, LogFormat, MigrateArgs, ServeArgs, TokenArgs};

// Thousands of connection tasks allocate and free small buffers on every
// worker thread: jemalloc spends less CPU on that than glibc's allocator
// (arena locks, consolidation) and keeps idle connections smaller than
// glibc or mimalloc (numbers in bench/RESULTS.md).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve(*args),
        Command::Token(args) => token(args),
        Command::Migrate(args) => migrate(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("realtime-server: {e}");
            ExitCode::FAILURE
        }
    }
}

fn token(args: TokenArgs) -> Result<(), String> {
    let secret = args.jwt.hs256_secret()?;
    let ttl = i64::try_from(args.ttl.as_secs()).map_err(|_| "--ttl is too long")?;
    println!(
        "{}",
        mint_hs256(&secret, &args.jwt.user_claim, &args.sub, args.role, ttl, args.name.as_deref())
    );
    Ok(())
}

/// An error with what caused it, down to the root: "database: … creating
/// a new object: db error: FATAL: role \"rt\" does not exist" says what to
/// fix where the top line alone would not.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        let said = inner.to_string();
        if !text.contains(&said) {
            text = format!("{text}: {said}");
        }
        cause = inner.source();
    }
    text
}

fn migrate(args: MigrateArgs) -> Result<(), String> {
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    let imported = runtime
        .block_on(urutibiz_realtime_server::import_sqlite(
            &args.from,
            &args.database_url,
            args.database_ca.as_deref(),
        ))
        .map_err(|e| with_causes(&e))?;
    println!(
        "moved {} bookings, {} chats, {} events, read state of {} users ({} single reads), {} names; \
         positions go on from {}",
        imported.bookings,
        imported.chats,
        imported.events,
        imported.read_marks,
        imported.reads,
        imported.names,
        imported.head
    );
    Ok(())
}

fn serve(args: ServeArgs) -> Result<(), String> {
    let filter = EnvFilter::try_from_env("RUST_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match args.log_format {
        LogFormat::Json => logs.json().init(),
        LogFormat::Text => logs.init(),
    }
    let mut config = args.to_config()?;
    config.connections.max_connections = within_file_limit(config.connections.max_connections);
    if args.jwt.dev {
        tracing::warn!("development mode: sample or built-in JWT secrets are accepted");
    }
    let workers = args.worker_threads();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let socket = if args.bind.is_ipv4() { TcpSocket::new_v4() } else { TcpSocket::new_v6() }
            .map_err(|e| e.to_string())?;
        socket.set_reuseaddr(true).map_err(|e| e.to_string())?;
        socket.bind(args.bind).map_err(|e| format!("binding {}: {e}", args.bind))?;
        let listener = socket.listen(args.backlog).map_err(|e| e.to_string())?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let db = config.db_path.display().to_string();
        let ready = move || {
            tracing::info!(%addr, db, workers, "listening");
            // Machine-readable, for scripts and tests that bind port 0.
            println!("listening on http://{addr}");
        };
        urutibiz_realtime_server::run(listener, config, ready, shutdown_signal())
            .await
            .map_err(|e| with_causes(&e))
    })
}

/// File descriptors kept for the database, logs and outgoing requests.
const FD_HEADROOM: u64 = 64;

/// Raises the soft open-file limit to the hard one, and keeps the connection
/// cap below it: past the limit `accept` fails for everyone, health checks
/// included, while a cap refuses only the newest connections.
fn within_file_limit(max_connections: usize) -> usize {
    let limit = match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the open-file limit; keeping --max-connections as given");
            return max_connections;
        }
    };
    let room = usize::try_from(limit.saturating_sub(FD_HEADROOM).max(16)).unwrap_or(usize::MAX);
    if max_connections > room {
        tracing::warn!(limit, max_connections = room, "--max-connections lowered to fit the open-file limit");
        return room;
    }
    max_connections
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("installing the SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
