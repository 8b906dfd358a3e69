//! /proc/PID/ns/*: the namespaces a process is in, by inode number (`mnt:[4026531841]`). A
//! mount namespace names a container for as long as one of its processes lives, which is
//! how `ksec trace --container` counts `podman exec`'d processes and how `ksec watch` places
//! a process that was gone before its event was read.

use super::root::ProcRoot;

/// The inode number of process `pid`'s mount namespace (/proc/PID/ns/mnt is `mnt:[N]`); None
/// when the process is gone or the link cannot be read.
pub fn mount_ns(root: &ProcRoot, pid: i32) -> Option<u32> {
    let link = std::fs::read_link(root.pid_path(pid, "ns/mnt")).ok()?;
    parse_ns_link(link.to_str()?, "mnt")
}

/// `KIND:[N]` -> N.
fn parse_ns_link(link: &str, kind: &str) -> Option<u32> {
    link.strip_prefix(kind)?
        .strip_prefix(":[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

/// A live process in mount namespace `ns`, the lowest pid first; None when no process is left
/// in it (or /proc cannot be listed).
pub fn process_in_mount_ns(root: &ProcRoot, ns: u32) -> Option<i32> {
    let mut pids = root.pids().ok()?;
    pids.sort_unstable();
    pids.into_iter()
        .find(|&pid| mount_ns(root, pid) == Some(ns))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links() {
        assert_eq!(parse_ns_link("mnt:[4026531841]", "mnt"), Some(4026531841));
        assert_eq!(parse_ns_link("net:[4026531840]", "mnt"), None);
        assert_eq!(parse_ns_link("mnt:[x]", "mnt"), None);
        assert_eq!(parse_ns_link("mnt:4026531841", "mnt"), None);
    }

    #[test]
    fn this_process_is_found_in_its_namespace() {
        let root = ProcRoot::default();
        let me = std::process::id() as i32;
        let ns = mount_ns(&root, me).expect("own mount namespace");
        let found = process_in_mount_ns(&root, ns).expect("a process in it");
        assert_eq!(mount_ns(&root, found), Some(ns));
        assert!(found <= me);
    }
}
