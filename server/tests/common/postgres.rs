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
        let pg = Postgres { bin, dir };
        pg.start_again();
        pg
    }

    /// A URL for database `name` of this cluster.
    pub(crate) fn url(&self, name: &str) -> String {
        format!("postgresql://postgres@localhost/{name}?host={}", self.dir.path().display())
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
            .arg(format!("-c listen_addresses='' -k {} -c fsync=off", self.dir.path().display()))
            .arg("start");
        run(start, "pg_ctl start");
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let mut stop = as_postgres(&self.bin.join("pg_ctl"));
        stop.arg("-D").arg(self.dir.path().join("data")).args(["-m", "immediate", "-w", "stop"]);
        let _ = stop.output();
    }
}
