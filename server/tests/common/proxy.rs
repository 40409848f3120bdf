//! A TCP proxy for the cluster tests, on a thread and runtime of its own
//! (so a test that blocks its own runtime does not stall it): either a
//! round-robin balancer in front of several nodes, as a load balancer
//! without stickiness would be, or one node's link to PostgreSQL's Unix
//! socket, which a test can cut and mend.
//!
//! A cut behaves as a network partition: bytes stop arriving either way
//! and new links wait, but nothing is reset or dropped, so once the link
//! is mended the held bytes flow on (TCP retransmission would do the same).

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UnixStream};
use tokio::sync::watch;

/// Where the proxy sends a link.
#[derive(Clone, Debug)]
pub(crate) enum Target {
    Tcp(String),
    Unix(PathBuf),
}

pub(crate) struct Proxy {
    /// The address to connect to, `127.0.0.1:port`.
    pub addr: String,
    open: watch::Sender<bool>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Proxy {
    /// A balancer: link `n` goes to `targets[n % targets.len()]`.
    pub(crate) fn round_robin(targets: &[&str]) -> Proxy {
        Self::start(targets.iter().map(|t| Target::Tcp((*t).to_owned())).collect())
    }

    /// A loopback TCP port carried to PostgreSQL's socket in `socket_dir`.
    pub(crate) fn to_postgres(socket_dir: PathBuf) -> Proxy {
        Self::start(vec![Target::Unix(socket_dir.join(".s.PGSQL.5432"))])
    }

    fn start(targets: Vec<Target>) -> Proxy {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let (open, opened) = watch::channel(true);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async move {
                let listener = TcpListener::from_std(listener).unwrap();
                tokio::select! {
                    _ = stopped => {}
                    _ = accept(listener, targets, opened) => {}
                }
            });
            // Dropping the runtime drops every link.
        });
        Proxy { addr, open, stop: Some(stop), thread: Some(thread) }
    }

    /// Stops carrying bytes and holds new links, as a partition would.
    pub(crate) fn cut(&self) {
        self.open.send_replace(false);
    }

    /// Carries bytes again, the held ones first.
    pub(crate) fn mend(&self) {
        self.open.send_replace(true);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn accept(listener: TcpListener, targets: Vec<Target>, open: watch::Receiver<bool>) {
    let next = Arc::new(AtomicUsize::new(0));
    loop {
        let Ok((inbound, _)) = listener.accept().await else { continue };
        let target = targets[next.fetch_add(1, Ordering::Relaxed) % targets.len()].clone();
        let mut open = open.clone();
        tokio::spawn(async move {
            if open.wait_for(|open| *open).await.is_err() {
                return;
            }
            let (in_read, in_write) = inbound.into_split();
            match target {
                Target::Tcp(addr) => {
                    let Ok(outbound) = TcpStream::connect(&addr).await else { return };
                    let (out_read, out_write) = outbound.into_split();
                    both_ways(in_read, in_write, out_read, out_write, open).await;
                }
                Target::Unix(path) => {
                    let Ok(outbound) = UnixStream::connect(&path).await else { return };
                    let (out_read, out_write) = outbound.into_split();
                    both_ways(in_read, in_write, out_read, out_write, open).await;
                }
            }
        });
    }
}

async fn both_ways(
    in_read: impl AsyncRead + Unpin,
    in_write: impl AsyncWrite + Unpin,
    out_read: impl AsyncRead + Unpin,
    out_write: impl AsyncWrite + Unpin,
    open: watch::Receiver<bool>,
) {
    tokio::join!(carry(in_read, out_write, open.clone()), carry(out_read, in_write, open));
}

/// Copies one direction, holding what it read while the link is cut.
async fn carry(
    mut from: impl AsyncRead + Unpin,
    mut to: impl AsyncWrite + Unpin,
    mut open: watch::Receiver<bool>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if open.wait_for(|open| *open).await.is_err() || to.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}
