//! Drift: what a container wrote to its root file system since it started, read from the
//! overlay upper directory on the host. The walk is bounded (entries and bytes read for magic
//! numbers); when a bound is hit the report says so. Whiteouts (char device 0/0) are deletions;
//! empty files and directories at the container's own mount points (runc creates them for
//! /etc/hosts, /etc/resolv.conf, /run/.containerenv and the like when the image lacks them) are
//! expected, and so is the /etc/mtab -> /proc/mounts link podman makes at start (a fresh podman
//! container's upper layer holds only that link and the directories above the mount points). Directories are not listed, only what is in them.

use std::io::Read;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

use anyhow::Context;
use serde::Serialize;

use crate::proc::mountinfo::Mount;

/// Bounds of the walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DriftLimits {
    /// Entries looked at (directories included).
    pub max_entries: usize,
    /// Bytes read in all (4 per regular file, for ELF and `#!` magic).
    pub max_bytes: u64,
}

impl Default for DriftLimits {
    fn default() -> Self {
        DriftLimits {
            max_entries: 100_000,
            max_bytes: 4 << 20,
        }
    }
}

/// What happened to a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    /// A file created or changed (the upper layer holds a copy).
    Written,
    /// A whiteout: the path was deleted.
    Deleted,
    /// A symlink created or changed.
    Symlink,
    /// A device node, FIFO or socket.
    Special,
}

/// One path in the upper layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DriftEntry {
    /// The path inside the container (`/tmp/x`).
    pub path: String,
    pub change: Change,
    pub size: u64,
    pub mode: u32,
    /// Mode has an x bit, or starts with ELF or `#!` magic.
    pub executable: bool,
    /// An empty mount point made by the runtime: not drift.
    pub expected: bool,
    /// Modification time, seconds since the epoch.
    pub mtime: i64,
}

/// The upper layer's contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Drift {
    /// The upper directory as mountinfo names it.
    pub upperdir: String,
    /// Executables first, then by path.
    pub entries: Vec<DriftEntry>,
    /// Which bound stopped the walk, if one did.
    pub limit_hit: Option<String>,
}

fn magic_exec(path: &Path, budget: &mut u64) -> bool {
    if *budget < 4 {
        return false;
    }
    let mut buf = [0u8; 4];
    let Ok(mut f) = std::fs::File::open(path) else {
        return false;
    };
    let n = f.read(&mut buf).unwrap_or(0);
    *budget -= 4;
    buf[..n].starts_with(b"\x7fELF") || buf[..n].starts_with(b"#!")
}

/// Walks the upper directory `host_dir` (shown as `upperdir`); `mounts` are the container's, for
/// the mount points the runtime made.
///
/// # Errors
/// The upper directory itself cannot be read (names it).
pub fn walk_upper(
    host_dir: &Path,
    upperdir: &str,
    mounts: &[Mount],
    limits: DriftLimits,
) -> anyhow::Result<Drift> {
    std::fs::read_dir(host_dir)
        .with_context(|| format!("read the overlay upper directory {}", host_dir.display()))?;
    let points: Vec<String> = mounts
        .iter()
        .map(|m| String::from_utf8_lossy(&m.mount_point).into_owned())
        .collect();
    let mut entries = Vec::new();
    let mut seen = 0usize;
    let mut budget = limits.max_bytes;
    let mut limit_hit = None;
    let mut stack = vec![(host_dir.to_path_buf(), String::new())];
    'walk: while let Some((dir, inside)) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut children: Vec<_> = rd.filter_map(Result::ok).collect();
        children.sort_by_key(|e| e.file_name());
        for child in children {
            seen += 1;
            if seen > limits.max_entries {
                limit_hit = Some(format!("more than {} entries", limits.max_entries));
                break 'walk;
            }
            let name = child.file_name();
            let path = format!("{inside}/{}", name.to_string_lossy());
            let Ok(md) = child.path().symlink_metadata() else {
                continue;
            };
            let ft = md.file_type();
            if ft.is_dir() {
                stack.push((child.path(), path));
                continue;
            }
            let change = if ft.is_char_device() && md.rdev() == 0 {
                Change::Deleted
            } else if ft.is_symlink() {
                Change::Symlink
            } else if ft.is_file() {
                Change::Written
            } else {
                Change::Special
            };
            let executable = change == Change::Written
                && (md.mode() & 0o111 != 0 || {
                    let before = budget;
                    let e = magic_exec(&child.path(), &mut budget);
                    if before < 4 && limit_hit.is_none() {
                        limit_hit = Some(format!("{} bytes read", limits.max_bytes));
                    }
                    e
                });
            // podman links /etc/mtab to /proc/mounts when it starts a container.
            let mtab = change == Change::Symlink
                && path == "/etc/mtab"
                && std::fs::read_link(child.path()).is_ok_and(|l| l == Path::new("/proc/mounts"));
            let expected =
                mtab || (change == Change::Written && md.len() == 0 && points.contains(&path));
            entries.push(DriftEntry {
                path,
                change,
                size: md.len(),
                mode: md.mode(),
                executable,
                expected,
                mtime: md.mtime(),
            });
        }
    }
    entries.sort_by(|a, b| {
        b.executable
            .cmp(&a.executable)
            .then_with(|| a.path.cmp(&b.path))
    });
    Ok(Drift {
        upperdir: upperdir.to_string(),
        entries,
        limit_hit,
    })
}
