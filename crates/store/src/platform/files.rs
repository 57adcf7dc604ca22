//! The data directory's files are private to the account that runs the platform: the
//! SQLite database, the master key and meeting attachments hold personal data (or the
//! key to it). Directories are 0700 and files 0600, both when they are created and at
//! every start, so a data directory created by an older version (or copied with the
//! umask's 0755/0644) is tightened. On other systems than Unix these are no-ops.

use std::io;
use std::path::Path;

/// Mode of the platform's directories: only the owner may list or enter them.
pub const DIR_MODE: u32 = 0o700;
/// Mode of the platform's files: only the owner may read or write them.
pub const FILE_MODE: u32 = 0o600;

/// The names of the SQLite database in the data directory and its companion files.
pub const SQLITE_FILE: &str = "vanguard.sqlite3";
/// The master key in the data directory.
pub const KEY_FILE: &str = "vanguard.key";
/// The audit chain's checkpoints (keyed MAC), outside the database.
pub const ANCHOR_FILE: &str = "audit.anchor";
/// Archived audit segments under the data directory.
pub const AUDIT_ARCHIVE_DIR: &str = "audit-archive";
/// Meeting attachments under the data directory.
pub const ATTACHMENTS_DIR: &str = "attachments";

/// Sets a path's permission bits.
pub fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        Ok(())
    }
}

/// The permission bits of a path.
pub fn mode_of(path: &Path) -> io::Result<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Ok(std::fs::metadata(path)?.permissions().mode() & 0o7777)
    }
    #[cfg(not(unix))]
    {
        std::fs::metadata(path).map(|_| FILE_MODE)
    }
}

/// Creates a directory that is missing (and its missing parents) as 0700; an existing
/// one is left as it is (it may be shared, like the folder a database file was put in).
pub fn ensure_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(DIR_MODE);
    }
    b.create(dir)
}

/// A directory of the platform's own: created as 0700, or made 0700 if it exists.
pub fn private_dir(dir: &Path) -> io::Result<()> {
    ensure_dir(dir)?;
    set_mode(dir, DIR_MODE)
}

/// Makes an existing file 0600; a missing one is fine.
pub fn private_file(path: &Path) -> io::Result<()> {
    match set_mode(path, FILE_MODE) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Creates a new file as 0600 (failing if it exists), writes `bytes` and syncs them.
pub fn write_new_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(FILE_MODE);
    }
    let mut f = opts.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// A SQLite database file and its companions (`-wal`, `-shm`, `-journal`), made 0600.
/// SQLite creates the companions with the database file's mode, so a private database
/// keeps private journals.
pub fn private_sqlite(db_file: &Path) -> io::Result<()> {
    private_file(db_file)?;
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut name = db_file.as_os_str().to_owned();
        name.push(suffix);
        private_file(Path::new(&name))?;
    }
    Ok(())
}

/// Every directory below `dir` (and itself) 0700, every file 0600; returns how many
/// entries were changed. A missing `dir` is fine.
pub fn private_tree(dir: &Path) -> io::Result<usize> {
    if !dir.is_dir() {
        return Ok(0);
    }
    let mut changed = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        if mode_of(&d)? != DIR_MODE {
            set_mode(&d, DIR_MODE)?;
            changed += 1;
        }
        for entry in std::fs::read_dir(&d)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file() && mode_of(&entry.path())? != FILE_MODE {
                set_mode(&entry.path(), FILE_MODE)?;
                changed += 1;
            }
        }
    }
    Ok(changed)
}

/// Makes the platform's data directory private at start: the directory itself, the
/// SQLite database and its journals, the key file and the attachments (only these: the
/// directory may have been pointed at a folder that holds other things too).
pub fn secure_data_dir(dir: &Path) -> io::Result<()> {
    private_dir(dir)?;
    private_file(&dir.join(KEY_FILE))?;
    private_sqlite(&dir.join(SQLITE_FILE))?;
    private_tree(&dir.join(ATTACHMENTS_DIR))?;
    Ok(())
}

/// Copies every file under `src` to the same place under `dst` (created private; files
/// 0600, never overwriting one); returns how many files were copied.
pub fn copy_tree_private(src: &Path, dst: &Path) -> io::Result<u64> {
    let mut copied = 0;
    let mut stack = vec![(src.to_path_buf(), dst.to_path_buf())];
    while let Some((from, to)) = stack.pop() {
        private_dir(&to)?;
        for entry in std::fs::read_dir(&from)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            let target = to.join(entry.file_name());
            if kind.is_dir() {
                stack.push((entry.path(), target));
            } else if kind.is_file() {
                write_new_private(&target, &std::fs::read(entry.path())?)?;
                copied += 1;
            }
        }
    }
    Ok(copied)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn scratch(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("vanguard-files-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn a_data_dir_made_by_the_umask_is_tightened_at_start() {
        let d = scratch("umask");
        std::fs::create_dir_all(d.join("attachments/7")).expect("dirs");
        for f in ["vanguard.key", "vanguard.sqlite3", "vanguard.sqlite3-wal", "attachments/7/a.jpg", "notes.txt"] {
            std::fs::write(d.join(f), b"x").expect("file");
            set_mode(&d.join(f), 0o644).expect("chmod");
        }
        set_mode(&d, 0o755).expect("chmod");
        set_mode(&d.join("attachments/7"), 0o755).expect("chmod");
        secure_data_dir(&d).expect("secure");
        assert_eq!(mode_of(&d).expect("mode"), 0o700);
        assert_eq!(mode_of(&d.join("attachments/7")).expect("mode"), 0o700);
        for f in ["vanguard.key", "vanguard.sqlite3", "vanguard.sqlite3-wal", "attachments/7/a.jpg"] {
            assert_eq!(mode_of(&d.join(f)).expect("mode"), 0o600, "{f}");
        }
        assert_eq!(mode_of(&d.join("notes.txt")).expect("mode"), 0o644, "a file that is not the platform's was changed");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn new_files_and_directories_are_private() {
        let d = scratch("new");
        private_dir(&d.join("a/b")).expect("dir");
        assert_eq!(mode_of(&d.join("a/b")).expect("mode"), 0o700);
        write_new_private(&d.join("a/b/f"), b"secret").expect("write");
        assert_eq!(mode_of(&d.join("a/b/f")).expect("mode"), 0o600);
        assert!(write_new_private(&d.join("a/b/f"), b"again").is_err(), "an existing file was overwritten");
        let _ = std::fs::remove_dir_all(&d);
    }
}
