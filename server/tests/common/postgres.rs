//! A throwaway PostgreSQL for tests, from Debian's `postgresql` package
//! (as `scripts/postgres.sh` does for the shell): owned by the `postgres`
//! user (initdb and pg_ctl refuse root), listening only on a Unix socket in
//! its own temporary directory, stopped and removed on drop.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A running PostgreSQL cluster.
pub(crate) struct Postgres {
    bin: PathBuf,
    dir: tempfile::TempDir,
    /// With TLS: the loopback port it also listens on.
    tls_port: Option<u16>,
}

/// Runs a PostgreSQL program as the `postgres` user when we are root.
fn as_postgres(program: &Path) -> Command {
    let root = Command::new("id").arg("-u").output().map(|o| o.stdout == b"0\n").unwrap_or(false);
    if root {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn run(mut command: Command, what: &str) {
    let output = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

impl Postgres {
    /// Initialises and starts a cluster; panics with the reason if
    /// PostgreSQL is not installed (`scripts/test.sh` installs it).
    pub(crate) fn start() -> Postgres {
        Self::init(false)
    }

    /// Also listens on a loopback TCP port that accepts TLS only, with a
    /// certificate for `localhost` from a throwaway CA ([`Postgres::ca`]).
    pub(crate) fn start_tls() -> Postgres {
        Self::init(true)
    }

    fn init(tls: bool) -> Postgres {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL is not installed (Debian package: postgresql)")
            .filter_map(|entry| entry.ok().map(|e| e.path().join("bin")))
            .filter(|bin| bin.join("initdb").exists())
            .max()
            .expect("no PostgreSQL server binaries under /usr/lib/postgresql");
        let dir = tempfile::Builder::new().prefix("rt-pg").tempdir().unwrap();
        let _ = Command::new("chown").arg("postgres:").arg(dir.path()).status();
        let data = dir.path().join("data");
        let mut initdb = as_postgres(&bin.join("initdb"));
        initdb.arg("-D").arg(&data).args(["-U", "postgres", "-A", "trust", "--no-sync"]);
        run(initdb, "initdb");
        let tls_port = tls.then(|| {
            throwaway_certificates(dir.path());
            let mut hba = std::fs::OpenOptions::new().append(true).open(data.join("pg_hba.conf")).unwrap();
            std::io::Write::write_all(
                &mut hba,
                b"hostnossl all all 127.0.0.1/32 reject\nhostssl all all 127.0.0.1/32 trust\n",
            )
            .unwrap();
            let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            free.local_addr().unwrap().port()
        });
        let pg = Postgres { bin, dir, tls_port };
        pg.start_again();
        pg
    }

    /// A URL for database `name` of this cluster, over its Unix socket.
    pub(crate) fn url(&self, name: &str) -> String {
        // The socket file is named after the port.
        let port = self.tls_port.map_or(String::new(), |port| format!(":{port}"));
        format!("postgresql://postgres@localhost{port}/{name}?host={}", self.dir.path().display())
    }

    /// The directory of its Unix socket.
    pub(crate) fn socket_dir(&self) -> PathBuf {
        self.dir.path().to_owned()
    }

    /// The URL of database `name` over TCP at `addr` (a proxy in front of
    /// the socket), without TLS.
    pub(crate) fn url_through(&self, addr: &str, name: &str) -> String {
        format!("postgresql://postgres@{addr}/{name}?sslmode=disable")
    }

    /// Creates an empty database and returns its URL.
    pub(crate) fn create_database(&self, name: &str) -> String {
        let mut psql = Command::new(self.bin.join("psql"));
        psql.arg(self.url("postgres")).args(["-q", "-c", &format!("CREATE DATABASE \"{name}\"")]);
        run(psql, "CREATE DATABASE");
        self.url(name)
    }

    /// Stops the server at once, as a crash would.
    pub(crate) fn crash(&self) {
        let mut stop = as_postgres(&self.bin.join("pg_ctl"));
        stop.arg("-D").arg(self.dir.path().join("data")).args(["-m", "immediate", "-w", "stop"]);
        run(stop, "pg_ctl stop");
    }

    /// Starts the server again on the same data.
    pub(crate) fn start_again(&self) {
        let mut start = as_postgres(&self.bin.join("pg_ctl"));
        start
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .arg("-l")
            .arg(self.dir.path().join("log"))
            .args(["-w", "-o"])
            .arg(self.server_options())
            .arg("start");
        run(start, "pg_ctl start");
    }

    fn server_options(&self) -> String {
        let dir = self.dir.path().display();
        match self.tls_port {
            None => format!("-c listen_addresses='' -k {dir} -c fsync=off"),
            Some(port) => format!(
                "-c listen_addresses=127.0.0.1 -p {port} -k {dir} -c fsync=off -c ssl=on \
                 -c ssl_cert_file={dir}/server.pem -c ssl_key_file={dir}/server.key"
            ),
        }
    }

    /// The URL of database `name` over TLS (`start_tls` only).
    pub(crate) fn tls_url(&self, name: &str) -> String {
        let port = self.tls_port.expect("started with start_tls");
        format!("postgresql://postgres@localhost:{port}/{name}?sslmode=require")
    }

    /// The throwaway CA's certificate (`start_tls` only).
    pub(crate) fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }
}

/// A CA and a server certificate for `localhost` / 127.0.0.1 signed by it,
/// made with the `openssl` command, readable by the `postgres` user.
fn throwaway_certificates(dir: &Path) {
    let openssl = |args: &[&str]| {
        let mut command = Command::new("openssl");
        command.current_dir(dir).args(args);
        run(command, "openssl");
    };
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=realtime test CA",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
    ]);
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "server.ext",
    ]);
    for file in ["server.pem", "server.key"] {
        let _ = Command::new("chown").arg("postgres:").arg(dir.join(file)).status();
    }
    let _ = Command::new("chmod").arg("600").arg(dir.join("server.key")).status();
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let mut stop = as_postgres(&self.bin.join("pg_ctl"));
        stop.arg("-D").arg(self.dir.path().join("data")).args(["-m", "immediate", "-w", "stop"]);
        let _ = stop.output();
    }
}
