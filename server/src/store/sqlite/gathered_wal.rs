//! A VFS that writes each commit's WAL frames with one system call.
//!
//! SQLite appends a WAL frame with two `pwrite`s (its 24-byte header, then
//! the page), so a commit of 20 pages makes 40 small unaligned writes before
//! its sync. Measured on this project's VM, those writes cost more CPU than
//! the sync itself (36 writes + fsync: ~270 µs; the same bytes in one write +
//! fsync: ~130 µs), and the writer thread pays them on every commit.
//!
//! This VFS is SQLite's own `unix` VFS with one difference: writes to a WAL
//! file that follow each other are gathered in memory and passed on as one
//! write when SQLite next syncs, reads, sizes, truncates, controls or closes
//! that file, or writes somewhere else in it. Every other file (the database,
//! its shared-memory index) is opened by `unix` itself and never sees this
//! code.
//!
//! Sound only when every commit syncs the WAL (`synchronous=FULL`): SQLite
//! publishes a commit to other connections (in the WAL index) after that
//! sync, and the sync passes the gathered frames on first. Under
//! `synchronous=NORMAL` nothing would pass them on at commit, so the store
//! uses this VFS only with fsync on.

use rusqlite::ffi;
use std::ffi::{c_int, c_void, CStr};
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::OnceLock;

/// The name connections open this VFS by.
pub(super) const NAME: &CStr = c"urutibiz-gathered-wal";

/// Most bytes gathered before they are written anyway (a large transaction
/// need not be held in memory whole).
const MAX_GATHERED: usize = 4 << 20;

/// Most bytes `unix` writes in one call: it masks the length to 17 bits
/// (`seekAndWriteFd`), so a longer write would come back short (and SQLite
/// would report the disk full).
const MAX_WRITE: usize = 0x1ffff;

/// SQLite's `unix` VFS, which does the work.
static UNIX: AtomicPtr<ffi::sqlite3_vfs> = AtomicPtr::new(ptr::null_mut());
/// Outcome of registering, once per process.
static REGISTERED: OnceLock<c_int> = OnceLock::new();

/// Registers the VFS with SQLite (once per process; later calls return the
/// first outcome). Fails only if SQLite has no `unix` VFS.
pub(super) fn register() -> Result<(), rusqlite::Error> {
    let code = *REGISTERED.get_or_init(|| {
        // SAFETY: registration runs once; the VFS struct is leaked, so it
        // outlives every connection that uses it.
        unsafe { register_once() }
    });
    if code == ffi::SQLITE_OK {
        Ok(())
    } else {
        Err(rusqlite::Error::SqliteFailure(
            ffi::Error::new(code),
            Some("registering the gathered-WAL VFS".into()),
        ))
    }
}

unsafe fn register_once() -> c_int {
    let code = ffi::sqlite3_initialize();
    if code != ffi::SQLITE_OK {
        return code;
    }
    let unix = ffi::sqlite3_vfs_find(c"unix".as_ptr());
    if unix.is_null() {
        return ffi::SQLITE_ERROR;
    }
    UNIX.store(unix, Ordering::Release);
    // A copy of `unix`: its functions, its `pAppData` (they read it), and a
    // file object big enough for ours with `unix`'s inside.
    let mut vfs = *unix;
    vfs.szOsFile = (std::mem::size_of::<GatheringFile>() as c_int) + (*unix).szOsFile;
    vfs.pNext = ptr::null_mut();
    vfs.zName = NAME.as_ptr();
    vfs.xOpen = Some(open);
    ffi::sqlite3_vfs_register(Box::leak(Box::new(vfs)), 0)
}

/// A WAL file: `unix`'s file object (`inner`, in the bytes after this
/// struct) plus the writes not yet passed on to it.
#[repr(C)]
struct GatheringFile {
    /// What SQLite sees: points at [`METHODS`].
    base: ffi::sqlite3_file,
    inner: *mut ffi::sqlite3_file,
    /// Contiguous bytes for offset `start`, not yet written.
    gathered: Vec<u8>,
    start: i64,
}

impl GatheringFile {
    /// `unix`'s methods for the inner file.
    unsafe fn methods(&self) -> &ffi::sqlite3_io_methods {
        &*(*self.inner).pMethods
    }

    /// Writes what was gathered, in as few calls as `unix` allows.
    unsafe fn pass_on(&mut self) -> c_int {
        let Some(write) = self.methods().xWrite else { return ffi::SQLITE_IOERR_WRITE };
        let mut code = ffi::SQLITE_OK;
        let mut offset = self.start;
        for chunk in self.gathered.chunks(MAX_WRITE) {
            code = write(self.inner, chunk.as_ptr().cast(), chunk.len() as c_int, offset);
            if code != ffi::SQLITE_OK {
                break;
            }
            offset += chunk.len() as i64;
        }
        // On failure the frames are dropped with the transaction that wrote
        // them: SQLite sees the error from this sync (or read) and rolls back.
        self.gathered.clear();
        code
    }
}

/// The `GatheringFile` behind a file pointer SQLite hands back.
unsafe fn gathering<'a>(file: *mut ffi::sqlite3_file) -> &'a mut GatheringFile {
    &mut *file.cast::<GatheringFile>()
}

unsafe extern "C" fn open(
    _vfs: *mut ffi::sqlite3_vfs,
    name: ffi::sqlite3_filename,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    let unix = UNIX.load(Ordering::Acquire);
    let Some(unix_open) = (*unix).xOpen else { return ffi::SQLITE_CANTOPEN };
    if flags & ffi::SQLITE_OPEN_WAL == 0 {
        // Not a WAL: `unix`'s file object, with `unix`'s methods.
        return unix_open(unix, name, file, flags, out_flags);
    }
    let inner = file.cast::<u8>().add(std::mem::size_of::<GatheringFile>()).cast::<ffi::sqlite3_file>();
    let code = unix_open(unix, name, inner, flags, out_flags);
    if code != ffi::SQLITE_OK {
        // Tells SQLite there is nothing to close.
        (*file).pMethods = ptr::null();
        return code;
    }
    ptr::write(
        file.cast::<GatheringFile>(),
        GatheringFile {
            base: ffi::sqlite3_file { pMethods: &METHODS },
            inner,
            gathered: Vec::new(),
            start: 0,
        },
    );
    ffi::SQLITE_OK
}

static METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 3,
    xClose: Some(close),
    xRead: Some(read),
    xWrite: Some(write),
    xTruncate: Some(truncate),
    xSync: Some(sync),
    xFileSize: Some(file_size),
    xLock: Some(lock),
    xUnlock: Some(unlock),
    xCheckReservedLock: Some(check_reserved_lock),
    xFileControl: Some(file_control),
    xSectorSize: Some(sector_size),
    xDeviceCharacteristics: Some(device_characteristics),
    xShmMap: Some(shm_map),
    xShmLock: Some(shm_lock),
    xShmBarrier: Some(shm_barrier),
    xShmUnmap: Some(shm_unmap),
    xFetch: Some(fetch),
    xUnfetch: Some(unfetch),
};

/// Calls `unix`'s method `$method` on the inner file, after passing on what
/// was gathered when `$pass_on` says the method may look at the file's bytes.
macro_rules! delegate {
    ($file:expr, $method:ident, pass_on, $($arg:expr),*) => {{
        let wal = gathering($file);
        let code = wal.pass_on();
        if code != ffi::SQLITE_OK {
            return code;
        }
        match wal.methods().$method {
            Some(method) => method(wal.inner, $($arg),*),
            None => ffi::SQLITE_IOERR,
        }
    }};
    ($file:expr, $method:ident, $($arg:expr),*) => {{
        let wal = gathering($file);
        match wal.methods().$method {
            Some(method) => method(wal.inner, $($arg),*),
            None => ffi::SQLITE_IOERR,
        }
    }};
}

unsafe extern "C" fn write(
    file: *mut ffi::sqlite3_file,
    data: *const c_void,
    amount: c_int,
    offset: i64,
) -> c_int {
    let wal = gathering(file);
    let Ok(len) = usize::try_from(amount) else { return ffi::SQLITE_IOERR_WRITE };
    let follows = offset == wal.start + wal.gathered.len() as i64;
    if !wal.gathered.is_empty() && (!follows || wal.gathered.len() + len > MAX_GATHERED) {
        let code = wal.pass_on();
        if code != ffi::SQLITE_OK {
            return code;
        }
    }
    if wal.gathered.is_empty() {
        wal.start = offset;
    }
    wal.gathered.extend_from_slice(std::slice::from_raw_parts(data.cast::<u8>(), len));
    ffi::SQLITE_OK
}

unsafe extern "C" fn close(file: *mut ffi::sqlite3_file) -> c_int {
    let wal = gathering(file);
    let passed = wal.pass_on();
    let closed = match wal.methods().xClose {
        Some(close) => close(wal.inner),
        None => ffi::SQLITE_OK,
    };
    ptr::drop_in_place(&mut wal.gathered);
    (*file).pMethods = ptr::null();
    if passed != ffi::SQLITE_OK {
        passed
    } else {
        closed
    }
}

unsafe extern "C" fn read(
    file: *mut ffi::sqlite3_file,
    out: *mut c_void,
    amount: c_int,
    offset: i64,
) -> c_int {
    delegate!(file, xRead, pass_on, out, amount, offset)
}

unsafe extern "C" fn truncate(file: *mut ffi::sqlite3_file, size: i64) -> c_int {
    delegate!(file, xTruncate, pass_on, size)
}

unsafe extern "C" fn sync(file: *mut ffi::sqlite3_file, flags: c_int) -> c_int {
    delegate!(file, xSync, pass_on, flags)
}

unsafe extern "C" fn file_size(file: *mut ffi::sqlite3_file, size: *mut i64) -> c_int {
    delegate!(file, xFileSize, pass_on, size)
}

unsafe extern "C" fn file_control(file: *mut ffi::sqlite3_file, op: c_int, arg: *mut c_void) -> c_int {
    delegate!(file, xFileControl, pass_on, op, arg)
}

unsafe extern "C" fn fetch(
    file: *mut ffi::sqlite3_file,
    offset: i64,
    amount: c_int,
    out: *mut *mut c_void,
) -> c_int {
    delegate!(file, xFetch, pass_on, offset, amount, out)
}

unsafe extern "C" fn unfetch(file: *mut ffi::sqlite3_file, offset: i64, page: *mut c_void) -> c_int {
    delegate!(file, xUnfetch, offset, page)
}

unsafe extern "C" fn lock(file: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    delegate!(file, xLock, level)
}

unsafe extern "C" fn unlock(file: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    delegate!(file, xUnlock, level)
}

unsafe extern "C" fn check_reserved_lock(file: *mut ffi::sqlite3_file, out: *mut c_int) -> c_int {
    delegate!(file, xCheckReservedLock, out)
}

unsafe extern "C" fn sector_size(file: *mut ffi::sqlite3_file) -> c_int {
    let wal = gathering(file);
    wal.methods().xSectorSize.map_or(4096, |method| method(wal.inner))
}

unsafe extern "C" fn device_characteristics(file: *mut ffi::sqlite3_file) -> c_int {
    let wal = gathering(file);
    wal.methods().xDeviceCharacteristics.map_or(0, |method| method(wal.inner))
}

unsafe extern "C" fn shm_map(
    file: *mut ffi::sqlite3_file,
    region: c_int,
    size: c_int,
    extend: c_int,
    out: *mut *mut c_void,
) -> c_int {
    delegate!(file, xShmMap, region, size, extend, out)
}

unsafe extern "C" fn shm_lock(file: *mut ffi::sqlite3_file, offset: c_int, n: c_int, flags: c_int) -> c_int {
    delegate!(file, xShmLock, offset, n, flags)
}

unsafe extern "C" fn shm_barrier(file: *mut ffi::sqlite3_file) {
    let wal = gathering(file);
    if let Some(method) = wal.methods().xShmBarrier {
        method(wal.inner);
    }
}

unsafe extern "C" fn shm_unmap(file: *mut ffi::sqlite3_file, delete: c_int) -> c_int {
    delegate!(file, xShmUnmap, delete)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::{Connection, OpenFlags};

    fn writer(path: &std::path::Path) -> Connection {
        register().unwrap();
        let conn = Connection::open_with_flags_and_vfs(path, OpenFlags::default(), NAME).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA wal_autocheckpoint=0;
             CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v BLOB NOT NULL);",
        )
        .unwrap();
        conn
    }

    /// Write system calls made by this thread so far.
    #[cfg(target_os = "linux")]
    fn writes_by_this_thread() -> u64 {
        let io = std::fs::read_to_string("/proc/thread-self/io").unwrap();
        io.lines().find_map(|l| l.strip_prefix("syscw: ")).unwrap().trim().parse().unwrap()
    }

    fn commit_rows(conn: &Connection, first: i64, rows: i64) {
        let tx = conn.unchecked_transaction().unwrap();
        for k in first..first + rows {
            // 3,000 bytes: about a page each, so a commit spans many frames.
            tx.execute("INSERT INTO t (k, v) VALUES (?1, zeroblob(3000))", [k]).unwrap();
        }
        tx.commit().unwrap();
    }

    #[test]
    fn each_commit_is_visible_to_other_connections_and_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let conn = writer(&path);
        let other = Connection::open(&path).unwrap();
        for round in 0..40 {
            commit_rows(&conn, round * 25, 25);
            let seen: i64 = other.query_row("SELECT count(*) FROM t", [], |r| r.get(0)).unwrap();
            assert_eq!(seen, (round + 1) * 25, "a commit was not in the WAL when it became visible");
        }
        // A checkpoint copies the frames to the database; the WAL restarts at
        // its beginning (its header rewritten) on the next commit.
        other.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())).unwrap();
        commit_rows(&conn, 1000, 25);
        // A commit far larger than one write of `unix` (~1.5 MB of frames).
        commit_rows(&conn, 2000, 500);
        let seen: i64 = other.query_row("SELECT count(*) FROM t", [], |r| r.get(0)).unwrap();
        assert_eq!(seen, 1525);
        drop(conn);
        drop(other);
        let reopened = Connection::open(&path).unwrap();
        let check: String = reopened.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(check, "ok");
        let rows: i64 = reopened.query_row("SELECT count(*) FROM t", [], |r| r.get(0)).unwrap();
        assert_eq!(rows, 1525);
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn a_commit_writes_its_frames_with_one_call() {
        let dir = tempfile::tempdir().unwrap();
        let conn = writer(&dir.path().join("db"));
        commit_rows(&conn, 0, 1);
        let before = writes_by_this_thread();
        for round in 0..10 {
            commit_rows(&conn, 1 + round * 20, 20);
        }
        let writes = writes_by_this_thread() - before;
        // Each commit writes 20+ frames; `unix` alone makes two writes per
        // frame (over 400 here).
        assert!(writes <= 20, "{writes} write calls for 10 commits");
    }
}
