//! /proc/PID/mountinfo: the mounts a process sees ([`parse_mountinfo`], from bytes;
//! [`read_mountinfo`]), with the per-mount options (`ro` of a read-only bind) apart from the
//! filesystem's own (an overlay's `upperdir=`), as proc(5) lays them out.

use super::error::{read_pid_file, ProcError};
use super::root::ProcRoot;

/// One line of mountinfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub id: u32,
    pub parent: u32,
    /// The directory of the filesystem mounted here (`/` for a whole filesystem).
    pub root: Vec<u8>,
    /// Where, in the process's view (octal escapes undone).
    pub mount_point: Vec<u8>,
    /// The per-mount options (`rw`/`ro`, `nosuid`...).
    pub mount_options: Vec<String>,
    pub fstype: String,
    pub source: Vec<u8>,
    /// The filesystem's own options (`rw`, `lowerdir=...`, `upperdir=...`).
    pub super_options: Vec<String>,
    /// The propagation the optional fields give: `shared` (`shared:N`), `slave` (`master:N`
    /// only), `unbindable`, or `private` (none).
    pub propagation: &'static str,
}

impl Mount {
    /// Mounted read-only (the per-mount `ro`, whatever the filesystem says).
    pub fn read_only(&self) -> bool {
        self.mount_options.iter().any(|o| o == "ro")
    }

    /// The value of a filesystem option (`upperdir` of an overlay).
    pub fn super_option(&self, key: &str) -> Option<&str> {
        self.super_options
            .iter()
            .find_map(|o| o.strip_prefix(key)?.strip_prefix('='))
    }
}

/// Undoes mountinfo's octal escapes (`\040` for a space, `\011`, `\012`, `\134`).
fn unescape(field: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(field.len());
    let mut i = 0;
    while i < field.len() {
        if field[i] == b'\\' {
            let oct = &field[i + 1..(i + 4).min(field.len())];
            if oct.len() == 3 && oct.iter().all(|b| (b'0'..=b'7').contains(b)) {
                let v = oct.iter().fold(0u32, |a, b| a * 8 + u32::from(b - b'0'));
                if let Ok(b) = u8::try_from(v) {
                    out.push(b);
                    i += 4;
                    continue;
                }
            }
        }
        out.push(field[i]);
        i += 1;
    }
    out
}

fn options(field: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(field)
        .split(',')
        .filter(|o| !o.is_empty())
        .map(str::to_string)
        .collect()
}

fn propagation(optional: &[&[u8]]) -> &'static str {
    let has = |p: &[u8]| optional.iter().any(|f| f.starts_with(p));
    if has(b"shared:") {
        "shared"
    } else if has(b"master:") {
        "slave"
    } else if has(b"unbindable") {
        "unbindable"
    } else {
        "private"
    }
}

/// Parses one line; None when it does not have mountinfo's shape.
pub fn parse_line(line: &[u8]) -> Option<Mount> {
    let fields: Vec<&[u8]> = line.split(|&b| b == b' ').collect();
    let sep = fields.iter().position(|f| *f == b"-")?;
    if sep < 6 || fields.len() < sep + 4 {
        return None;
    }
    let num = |f: &[u8]| std::str::from_utf8(f).ok()?.parse::<u32>().ok();
    Some(Mount {
        id: num(fields[0])?,
        parent: num(fields[1])?,
        root: unescape(fields[3]),
        mount_point: unescape(fields[4]),
        mount_options: options(fields[5]),
        fstype: String::from_utf8_lossy(fields[sep + 1]).into_owned(),
        source: unescape(fields[sep + 2]),
        super_options: options(fields[sep + 3]),
        propagation: propagation(&fields[6..sep]),
    })
}

/// Parses mountinfo; lines that do not parse are skipped.
pub fn parse_mountinfo(bytes: &[u8]) -> Vec<Mount> {
    bytes
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .filter_map(parse_line)
        .collect()
}

/// Reads `<root>/<pid>/mountinfo`.
///
/// # Errors
/// No such process, or the file cannot be read.
pub fn read_mountinfo(root: &ProcRoot, pid: i32) -> Result<Vec<Mount>, ProcError> {
    read_pid_file(root, pid, "mountinfo").map(|b| parse_mountinfo(&b))
}

/// The mount at `/` as the process sees it (the last one mounted there wins).
pub fn root_mount(mounts: &[Mount]) -> Option<&Mount> {
    mounts.iter().rev().find(|m| m.mount_point == b"/")
}

#[cfg(test)]
mod tests {
    use super::*;

    const OVERLAY: &[u8] = b"80 53 0:41 / / ro,relatime - overlay overlay rw,lowerdir=/var/lib/containers/storage/overlay/l/D7G6,upperdir=/var/lib/containers/storage/overlay/ae07/diff,workdir=/var/lib/containers/storage/overlay/ae07/work,uuid=on\n\
81 80 0:44 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n\
90 80 0:50 /userdata/hosts /etc/hosts rw,relatime master:1 - tmpfs tmpfs rw,size=10m\n\
91 80 8:1 /a\\040b /mnt/with\\040space rw shared:5 master:7 - ext4 /dev/sda1 rw\n";

    #[test]
    fn overlay_root_with_ro_bind() {
        let m = parse_mountinfo(OVERLAY);
        assert_eq!(m.len(), 4);
        let root = root_mount(&m).unwrap();
        assert_eq!(root.fstype, "overlay");
        assert!(root.read_only(), "per-mount ro, though the overlay says rw");
        assert_eq!(
            root.super_option("upperdir"),
            Some("/var/lib/containers/storage/overlay/ae07/diff")
        );
        assert_eq!(root.super_option("upper"), None);
        assert_eq!(m[2].root, b"/userdata/hosts");
        assert_eq!(m[2].mount_point, b"/etc/hosts");
        assert!(!m[2].read_only());
    }

    #[test]
    fn escapes_and_optional_fields() {
        let m = parse_mountinfo(OVERLAY);
        assert_eq!(m[3].root, b"/a b");
        assert_eq!(m[3].mount_point, b"/mnt/with space");
        assert_eq!(m[3].source, b"/dev/sda1");
        assert_eq!(m[3].fstype, "ext4");
        let props: Vec<_> = m.iter().map(|m| m.propagation).collect();
        assert_eq!(props, ["private", "private", "slave", "shared"]);
        assert_eq!(unescape(b"x\\134y\\"), b"x\\y\\");
        assert_eq!(unescape(b"\\999"), b"\\999");
    }

    #[test]
    fn bad_lines_are_skipped() {
        assert!(parse_line(b"").is_none());
        assert!(parse_line(b"1 2 3 / / rw").is_none());
        assert!(parse_line(b"x 2 0:1 / / rw - ext4 /dev/x rw").is_none());
        assert_eq!(
            parse_mountinfo(b"junk\n1 0 0:1 / / rw - ext4 /dev/x rw\n").len(),
            1
        );
    }

    #[test]
    fn this_process() {
        let m = read_mountinfo(&ProcRoot::new("/proc"), std::process::id() as i32).unwrap();
        assert!(root_mount(&m).is_some());
    }
}
