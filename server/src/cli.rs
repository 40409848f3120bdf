//! Command line: `serve` runs the server, `token` mints a development token.

use crate::auth::jwks::{JwksLocation, JwksSettings};
use crate::auth::{ClaimNames, JwtSettings, Role};
use crate::config::{Config, Limits, RetentionConfig};
use crate::quotas::{QuotaSettings, Rate};
use crate::serve::ConnectionLimits;
use clap::{Args, Parser, Subcommand, ValueEnum};
use jsonwebtoken::Algorithm;
use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::Duration;

/// Secret used by `--dev` when `JWT_SECRET` is empty. Refused otherwise.
pub const DEV_SECRET: &str = "urutibiz-dev-secret-not-for-production";

/// Secrets seen in sample configs; refused outside `--dev`.
const KNOWN_DEFAULT_SECRETS: &[&str] =
    &["your-jwt-secret-key", "secret", "changeme", "change-me", "jwt-secret", DEV_SECRET];

/// Shortest HS256 secret accepted outside `--dev` (RFC 7518 §3.2: key >= hash size).
const MIN_SECRET_BYTES: usize = 32;

/// UrutiBiz realtime server.
#[derive(Debug, Parser)]
#[command(name = "realtime-server", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve(Box<ServeArgs>),
    /// Print a signed HS256 token for trying the server.
    Token(TokenArgs),
    /// Move an SQLite database into an empty PostgreSQL database for
    /// clustered mode, keeping every position (stop the server first).
    Migrate(MigrateArgs),
}

/// `migrate` options.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The SQLite file the server used (`--db`).
    #[arg(long)]
    pub from: PathBuf,
    /// The cluster's PostgreSQL database; it must be empty.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: String,
    /// A PEM CA for the database's TLS certificate (as `serve`'s).
    #[arg(long, env = "DATABASE_CA")]
    pub database_ca: Option<PathBuf>,
}

/// Log line format.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Accepted signature algorithms.
#[derive(Debug, Clone, Copy, ValueEnum)]
#[value(rename_all = "UPPER")]
pub enum JwtAlgorithm {
    /// HMAC-SHA256 with `JWT_SECRET`.
    Hs256,
    /// RSA-SHA256 with a PEM public key.
    Rs256,
    /// ECDSA P-256 with a PEM public key.
    Es256,
}

/// Token settings shared by `serve` and `token`.
#[derive(Debug, Args)]
pub struct JwtArgs {
    /// HS256 secret.
    #[arg(long = "jwt-secret", env = "JWT_SECRET", default_value = "", hide_env_values = true)]
    pub secret: String,
    /// Claim that holds the user id.
    #[arg(long = "jwt-user-claim", env = "JWT_USER_CLAIM", default_value = "sub")]
    pub user_claim: String,
    /// Allow an empty or sample secret (uses a built-in development secret).
    #[arg(long, env = "REALTIME_DEV")]
    pub dev: bool,
}

/// `serve` options.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address for HTTP and WebSocket.
    #[arg(long, env = "REALTIME_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// SQLite database file.
    #[arg(long, env = "REALTIME_DB", default_value = "realtime.db")]
    pub db: PathBuf,
    /// Clustered mode: every node of the cluster is started with the same
    /// PostgreSQL URL (a Unix socket: `postgres://rt@localhost/rt?host=/run/postgresql`)
    /// and `--db` is not used.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// A PEM file with the CA that signed PostgreSQL's TLS certificate
    /// (besides the system's roots), for `sslmode=require` to a database
    /// with a private CA.
    #[arg(long, env = "DATABASE_CA")]
    pub database_ca: Option<PathBuf>,
    /// Skip fsync on commit (faster; a power cut may lose the last commits,
    /// a process crash loses nothing).
    #[arg(long, env = "REALTIME_NO_FSYNC")]
    pub no_fsync: bool,
    /// Threads serving connections [default: one per CPU but one, left to
    /// the SQLite writer; at least one].
    #[arg(long, env = "REALTIME_WORKER_THREADS")]
    pub worker_threads: Option<NonZeroUsize>,
    #[command(flatten)]
    pub jwt: JwtArgs,
    /// Signature algorithm tokens must use.
    #[arg(long = "jwt-algorithm", env = "JWT_ALGORITHM", value_enum, default_value = "HS256")]
    pub algorithm: JwtAlgorithm,
    /// PEM public key file for RS256/ES256.
    #[arg(long = "jwt-public-key", env = "JWT_PUBLIC_KEY")]
    pub public_key: Option<PathBuf>,
    /// Required `iss` claim; with `--jwks-discover`, also where the
    /// provider's OpenID configuration is read.
    #[arg(long = "jwt-issuer", env = "JWT_ISSUER")]
    pub issuer: Option<String>,
    /// Verify with the keys an OpenID provider publishes at this URL
    /// (RS256/ES256), chosen by the token's `kid`. A `JWT_SECRET` set as
    /// well still verifies HS256 tokens the backend mints itself.
    #[arg(long = "jwks-url", env = "JWT_JWKS_URL", conflicts_with = "public_key")]
    pub jwks_url: Option<String>,
    /// Find the JWKS through the issuer's `/.well-known/openid-configuration`.
    #[arg(long = "jwks-discover", env = "JWT_JWKS_DISCOVER", conflicts_with_all = ["jwks_url", "public_key"])]
    pub jwks_discover: bool,
    /// Least time between two key-set fetches caused by unknown `kid`s.
    #[arg(long = "jwks-min-refetch", env = "JWT_JWKS_MIN_REFETCH", default_value = "10s", value_parser = humantime::parse_duration)]
    pub jwks_min_refetch: Duration,
    /// Time between routine key-set refreshes (drops keys the provider removed).
    #[arg(long = "jwks-refresh", env = "JWT_JWKS_REFRESH", default_value = "10m", value_parser = humantime::parse_duration)]
    pub jwks_refresh: Duration,
    /// Claim that holds the role (host, renter, admin, service).
    #[arg(long = "jwt-role-claim", env = "JWT_ROLE_CLAIM", default_value = "role")]
    pub role_claim: String,
    /// Provider clients (`azp` or `client_id` claim) whose tokens may carry
    /// the `service` or `admin` role, comma-separated. Other provider tokens
    /// claiming them are refused: those roles come from the backend's own
    /// HS256 tokens.
    #[arg(long = "privileged-clients", env = "JWT_PRIVILEGED_CLIENTS", value_delimiter = ',')]
    pub privileged_clients: Vec<String>,
    /// Claim that holds the user's display name.
    #[arg(long = "jwt-name-claim", env = "JWT_NAME_CLAIM", default_value = "name")]
    pub name_claim: String,
    /// Required `aud` claim.
    #[arg(long = "jwt-audience", env = "JWT_AUDIENCE")]
    pub audience: Option<String>,
    /// Longest token lifetime accepted (`exp - iat`, or `exp - now`).
    #[arg(long = "jwt-max-lifetime", env = "JWT_MAX_LIFETIME", default_value = "7d", value_parser = humantime::parse_duration)]
    pub max_lifetime: Duration,
    /// Clock skew tolerated on `exp`/`nbf`.
    #[arg(long = "jwt-leeway", env = "JWT_LEEWAY", default_value = "30s", value_parser = humantime::parse_duration)]
    pub leeway: Duration,
    /// Largest accepted frame in bytes.
    #[arg(long, env = "REALTIME_MAX_FRAME_BYTES", default_value_t = 64 * 1024)]
    pub max_frame_bytes: usize,
    /// Frames queued per connection before it is closed as slow.
    #[arg(long, env = "REALTIME_OUTBOUND_QUEUE", default_value_t = 256)]
    pub outbound_queue: usize,
    /// Rooms per connection.
    #[arg(long, env = "REALTIME_MAX_ROOMS", default_value_t = 100)]
    pub max_rooms: usize,
    /// Sustained client frames per second per connection.
    #[arg(long = "rate", env = "REALTIME_RATE", default_value_t = 20)]
    pub rate_per_sec: u32,
    /// Burst above the sustained rate.
    #[arg(long = "burst", env = "REALTIME_BURST", default_value_t = 40)]
    pub rate_burst: u32,
    /// Rate-limited frames before closing with 1008, counted until the
    /// client has gone a second without one.
    #[arg(long, env = "REALTIME_ABUSE_STRIKES", default_value_t = 100)]
    pub abuse_strikes: u32,
    /// Chat messages per user, all connections together (`10/s`, `600/min`).
    #[arg(long, env = "REALTIME_USER_MESSAGES", default_value = "10/s")]
    pub user_messages: Rate,
    /// New chats a user may start.
    #[arg(long, env = "REALTIME_USER_NEW_CHATS", default_value = "30/h")]
    pub user_new_chats: Rate,
    /// Replays (`resume`, or connecting with `resumeAfter`) per user.
    #[arg(long, env = "REALTIME_USER_REPLAYS", default_value = "30/min")]
    pub user_replays: Rate,
    /// HTTP API requests per user (service tokens are not limited).
    #[arg(long, env = "REALTIME_USER_HTTP", default_value = "20/s")]
    pub user_http: Rate,
    /// Let users start chats with users they share no booking with (by
    /// default only booking participants, and chats the backend created).
    #[arg(long, env = "REALTIME_FIRST_CONTACT_CHATS")]
    pub first_contact_chats: bool,
    /// Offer only WebSocket on the Socket.IO endpoint (`/socket.io/`), no
    /// HTTP long-polling.
    #[arg(long, env = "REALTIME_NO_SOCKETIO_POLLING")]
    pub no_socketio_polling: bool,
    /// The load balancer in front of a cluster sends each client to one
    /// node. Socket.IO long-polling needs it (its requests must reach the
    /// node holding the session), so in clustered mode it is offered only
    /// with this flag.
    #[arg(long, env = "REALTIME_STICKY_SESSIONS")]
    pub sticky_sessions: bool,
    /// Comma-separated web origins (`https://urutibiz.example`) whose pages
    /// may call the HTTP API and Socket.IO long-polling from the browser.
    /// None by default: WebSocket needs no CORS, the HTTP API then only
    /// serves same-origin pages and non-browser clients.
    #[arg(long, env = "REALTIME_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// Time allowed for the first `authenticate` frame.
    #[arg(long, env = "REALTIME_AUTH_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub auth_timeout: Duration,
    /// Interval between server pings.
    #[arg(long, env = "REALTIME_PING_INTERVAL", default_value = "25s", value_parser = humantime::parse_duration)]
    pub ping_interval: Duration,
    /// Time allowed for a pong.
    #[arg(long, env = "REALTIME_PONG_TIMEOUT", default_value = "20s", value_parser = humantime::parse_duration)]
    pub pong_timeout: Duration,
    /// Time clients get to read their close frame on shutdown.
    #[arg(long, env = "REALTIME_SHUTDOWN_GRACE", default_value = "5s", value_parser = humantime::parse_duration)]
    pub shutdown_grace: Duration,
    /// Time allowed for a request head, and for an idle keep-alive
    /// connection to start its next request.
    #[arg(long, env = "REALTIME_HEADER_READ_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub header_read_timeout: Duration,
    /// Open connections in all (clamped below the process's file limit).
    #[arg(long, env = "REALTIME_MAX_CONNECTIONS", default_value_t = 20_000)]
    pub max_connections: usize,
    /// Open connections from one client IP (WebSocket sessions included,
    /// and every Socket.IO session, also several over one connection).
    #[arg(long, env = "REALTIME_MAX_CONNECTIONS_PER_IP", default_value_t = 1_000)]
    pub max_connections_per_ip: usize,
    /// Open authenticated sessions (`/ws` and Socket.IO) of one user.
    #[arg(long, env = "REALTIME_MAX_CONNECTIONS_PER_USER", default_value_t = 50)]
    pub max_connections_per_user: usize,
    /// Comma-separated addresses exempt from the per-IP cap: the reverse
    /// proxies or load balancers in front of the server. The default, this
    /// machine, covers a proxy on the same host (and local tools).
    #[arg(long, env = "REALTIME_TRUSTED_PROXIES", value_delimiter = ',', default_value = "127.0.0.1,::1")]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Longest wait for in-flight requests and sockets at shutdown.
    #[arg(long, env = "REALTIME_SHUTDOWN_DEADLINE", default_value = "10s", value_parser = humantime::parse_duration)]
    pub shutdown_deadline: Duration,
    /// TCP listen backlog; reconnect storms after a restart need a deep one.
    #[arg(long, env = "REALTIME_BACKLOG", default_value_t = 4096)]
    pub backlog: u32,
    /// Keep stored events this long (`0s`: forever).
    #[arg(long, env = "REALTIME_RETENTION_AGE", default_value = "90d", value_parser = humantime::parse_duration)]
    pub retention_age: Duration,
    /// Keep at most this many events per user room (0: no limit).
    #[arg(long, env = "REALTIME_RETENTION_PER_USER", default_value_t = 10_000)]
    pub retention_per_user: usize,
    /// Time between pruning runs.
    #[arg(long, env = "REALTIME_PRUNE_INTERVAL", default_value = "60s", value_parser = humantime::parse_duration)]
    pub prune_interval: Duration,
    /// Log format.
    #[arg(long, env = "REALTIME_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,
}

/// `token` options.
#[derive(Debug, Args)]
pub struct TokenArgs {
    #[command(flatten)]
    pub jwt: JwtArgs,
    /// User id.
    #[arg(long)]
    pub sub: String,
    /// host, renter, admin or service.
    #[arg(long, value_parser = parse_role)]
    pub role: Role,
    /// Lifetime, e.g. `15m`, `1h`, `7d`.
    #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
    pub ttl: Duration,
    /// Display name (`name` claim).
    #[arg(long)]
    pub name: Option<String>,
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| format!("unknown role `{s}`: use host, renter, admin or service"))
}

impl JwtArgs {
    /// The HS256 secret, refusing empty and sample secrets outside `--dev`.
    pub fn hs256_secret(&self) -> Result<Vec<u8>, String> {
        if self.dev && self.secret.is_empty() {
            return Ok(DEV_SECRET.as_bytes().to_vec());
        }
        if self.dev {
            return Ok(self.secret.as_bytes().to_vec());
        }
        if self.secret.is_empty() {
            return Err("JWT_SECRET is empty; set it, or pass --dev for local development".into());
        }
        if KNOWN_DEFAULT_SECRETS.iter().any(|s| s.eq_ignore_ascii_case(&self.secret)) {
            return Err("JWT_SECRET is a sample value; set a real secret, or pass --dev".into());
        }
        if self.secret.len() < MIN_SECRET_BYTES {
            return Err(format!(
                "JWT_SECRET is shorter than {MIN_SECRET_BYTES} bytes; set a longer one, or pass --dev"
            ));
        }
        Ok(self.secret.as_bytes().to_vec())
    }
}

impl ServeArgs {
    /// Threads for the connections' runtime: one per CPU but one. Every
    /// commit wakes the writer thread and it wakes connection tasks back;
    /// with a worker per CPU the writer competes with them for a core
    /// (measured in bench/RESULTS.md).
    pub fn worker_threads(&self) -> usize {
        self.worker_threads.map_or_else(
            || std::thread::available_parallelism().map_or(1, |cpus| cpus.get().saturating_sub(1).max(1)),
            NonZeroUsize::get,
        )
    }

    /// Validates the options into a [`Config`].
    pub fn to_config(&self) -> Result<Config, String> {
        let jwks = match (&self.jwks_url, self.jwks_discover, &self.issuer) {
            (Some(url), _, _) => Some(JwksLocation::Url(require_https(url, "--jwks-url")?)),
            (None, true, Some(issuer)) => {
                Some(JwksLocation::Discover(require_https(issuer, "--jwt-issuer (with --jwks-discover)")?))
            }
            (None, true, None) => return Err("--jwks-discover needs --jwt-issuer".into()),
            (None, false, _) => None,
        };
        if jwks.is_some() && self.audience.is_none() && !self.jwt.dev {
            return Err(
                "--jwt-audience is required with a JWKS (outside --dev): without it, tokens the provider \
                        issued for its other applications would be accepted here"
                    .into(),
            );
        }
        let (algorithm, key) = match self.algorithm {
            JwtAlgorithm::Hs256 if jwks.is_some() => {
                return Err("a JWKS holds public keys: pass --jwt-algorithm RS256 or ES256 with it".into())
            }
            JwtAlgorithm::Hs256 => (Algorithm::HS256, self.jwt.hs256_secret()?),
            JwtAlgorithm::Rs256 if jwks.is_some() => (Algorithm::RS256, Vec::new()),
            JwtAlgorithm::Es256 if jwks.is_some() => (Algorithm::ES256, Vec::new()),
            JwtAlgorithm::Rs256 | JwtAlgorithm::Es256 => {
                let path = self
                    .public_key
                    .as_ref()
                    .ok_or("RS256/ES256 need --jwt-public-key, --jwks-url or --jwks-discover")?;
                let pem = std::fs::read(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
                let alg = if matches!(self.algorithm, JwtAlgorithm::Rs256) {
                    Algorithm::RS256
                } else {
                    Algorithm::ES256
                };
                (alg, pem)
            }
        };
        if let Some(bad) = self.cors_origins.iter().find(|o| !crate::http::is_web_origin(o)) {
            return Err(format!("--cors-origins: `{bad}` is not an origin like https://urutibiz.example"));
        }
        if self.max_frame_bytes < 1024 {
            return Err("--max-frame-bytes must be at least 1024".into());
        }
        if self.max_connections == 0 || self.max_connections_per_ip == 0 || self.max_connections_per_user == 0
        {
            return Err(
                "--max-connections, --max-connections-per-ip and --max-connections-per-user must be positive"
                    .into(),
            );
        }
        if self.header_read_timeout.is_zero() {
            return Err("--header-read-timeout must be positive".into());
        }
        if self.outbound_queue == 0 || self.max_rooms < 2 || self.rate_per_sec == 0 {
            return Err("--outbound-queue, --rate must be positive and --max-rooms at least 2".into());
        }
        if let Some(url) = &self.database_url {
            crate::store::postgres::connection_config(url).map_err(|e| format!("--database-url: {e}"))?;
            crate::store::postgres::tls(self.database_ca.as_deref())
                .map_err(|e| format!("--database-ca: {e}"))?;
        }
        Ok(Config {
            db_path: self.db.clone(),
            database_url: self.database_url.clone(),
            database_ca: self.database_ca.clone(),
            fsync: !self.no_fsync,
            jwt: JwtSettings {
                algorithm,
                key,
                // Beside a provider, a configured secret still verifies the
                // backend's own HS256 tokens.
                backend_secret: match &jwks {
                    Some(_) if self.jwt.dev || !self.jwt.secret.is_empty() => Some(self.jwt.hs256_secret()?),
                    _ => None,
                },
                jwks: jwks.map(|location| JwksSettings {
                    location,
                    min_refetch: self.jwks_min_refetch,
                    refresh_every: self.jwks_refresh.max(Duration::from_secs(1)),
                    timeout: Duration::from_secs(5),
                }),
                claims: ClaimNames {
                    user: self.jwt.user_claim.clone(),
                    role: self.role_claim.clone(),
                    name: self.name_claim.clone(),
                },
                issuer: self.issuer.clone(),
                audience: self.audience.clone(),
                leeway_secs: self.leeway.as_secs(),
                max_lifetime_secs: self.max_lifetime.as_secs(),
                privileged_clients: self
                    .privileged_clients
                    .iter()
                    .map(|c| c.trim().to_owned())
                    .filter(|c| !c.is_empty())
                    .collect(),
            },
            limits: Limits {
                max_frame_bytes: self.max_frame_bytes,
                outbound_queue: self.outbound_queue,
                max_rooms: self.max_rooms,
                rate_per_sec: self.rate_per_sec,
                rate_burst: self.rate_burst.max(1),
                abuse_strikes: self.abuse_strikes.max(1),
                auth_timeout: self.auth_timeout,
                ping_interval: self.ping_interval,
                pong_timeout: self.pong_timeout,
                shutdown_grace: self.shutdown_grace,
            },
            connections: ConnectionLimits {
                header_read_timeout: self.header_read_timeout,
                max_connections: self.max_connections,
                max_per_ip: self.max_connections_per_ip,
                max_per_user: self.max_connections_per_user,
                trusted_proxies: self.trusted_proxies.clone(),
                shutdown_deadline: self.shutdown_deadline,
            },
            quotas: QuotaSettings {
                messages: self.user_messages,
                new_chats: self.user_new_chats,
                replays: self.user_replays,
                http: self.user_http,
            },
            first_contact_chats: self.first_contact_chats,
            socketio_polling: !self.no_socketio_polling
                && (self.database_url.is_none() || self.sticky_sessions),
            cors_origins: self.cors_origins.clone(),
            retention: RetentionConfig {
                max_age: (!self.retention_age.is_zero()).then_some(self.retention_age),
                per_user: (self.retention_per_user > 0).then_some(self.retention_per_user),
                interval: self.prune_interval.max(Duration::from_millis(100)),
            },
        })
    }
}

/// Keys are fetched over https, or plain http only on this machine (a
/// provider in development): over a network, whoever sits on the path
/// could hand the server keys of their own.
fn require_https(url: &str, flag: &str) -> Result<String, String> {
    crate::auth::jwks::check_key_url(url).map_err(|why| format!("{flag}: {why}"))?;
    Ok(url.to_owned())
}
