//! The last position (`seq`) seen, kept across restarts so the client
//! resumes where it stopped.

use std::path::PathBuf;
use std::sync::Mutex;

/// Where the position lives. The desktop app keeps it in its settings store.
pub trait PositionStore: Send + Sync + 'static {
    /// The saved position, if any.
    fn load(&self) -> Option<i64>;
    /// Saves the position.
    fn save(&self, seq: i64);
}

/// Kept in memory only.
#[derive(Debug, Default)]
pub struct MemoryPosition(Mutex<Option<i64>>);

impl PositionStore for MemoryPosition {
    fn load(&self) -> Option<i64> {
        *self.0.lock().expect("position lock")
    }

    fn save(&self, seq: i64) {
        *self.0.lock().expect("position lock") = Some(seq);
    }
}

/// A small text file holding the number, replaced atomically.
#[derive(Debug)]
pub struct FilePosition {
    path: PathBuf,
}

impl FilePosition {
    /// Uses `path`, creating its directory on first save.
    pub fn new(path: impl Into<PathBuf>) -> FilePosition {
        FilePosition { path: path.into() }
    }
}

impl PositionStore for FilePosition {
    fn load(&self) -> Option<i64> {
        std::fs::read_to_string(&self.path).ok()?.trim().parse().ok()
    }

    fn save(&self, seq: i64) {
        if let Some(dir) = self.path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let tmp = self.path.with_extension("tmp");
        let written = std::fs::write(&tmp, seq.to_string()).and_then(|()| std::fs::rename(&tmp, &self.path));
        if let Err(e) = written {
            tracing::warn!(error = %e, path = %self.path.display(), "could not save the position");
        }
    }
}
