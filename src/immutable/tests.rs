//! Unit tests of the checks on fixture mountinfo and status texts, and of the drift walk on a
//! temporary upper directory.

use super::*;
use crate::proc::mountinfo::parse_mountinfo;

const PODMAN_DEFAULT: &[u8] = b"600 500 0:80 / / rw,relatime - overlay overlay rw,lowerdir=/l/A,upperdir=/var/lib/containers/storage/overlay/abc/diff,workdir=/w\n\
601 600 0:81 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n\
602 600 0:82 / /dev rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755\n\
603 600 0:83 /containers/overlay-containers/abc/userdata/hosts /etc/hosts rw,nosuid,nodev,relatime - tmpfs tmpfs rw\n\
604 600 0:84 / /tmp rw,nosuid,nodev - tmpfs tmpfs rw\n\
605 600 8:1 /srv/data /data rw,relatime - ext4 /dev/sda1 rw\n\
606 600 0:85 /pods/u/volumes/kubernetes.io~empty-dir/cache /cache rw - ext4 /dev/sda1 rw\n\
607 600 0:86 / /sys ro,nosuid - sysfs sysfs ro\n";

const READ_ONLY: &[u8] = b"600 500 0:80 / / ro,relatime - overlay overlay rw,lowerdir=/l/A,upperdir=/u/diff,workdir=/w\n";

#[test]
fn root_read_only_is_the_per_mount_option() {
    let rw = check_root(&parse_mountinfo(PODMAN_DEFAULT));
    assert_eq!(rw.verdict, Verdict::Fail);
    assert_eq!(
        rw.evidence,
        "/ is overlay mounted rw,relatime (file system options rw)"
    );
    assert!(rw.fix.contains("readOnlyRootFilesystem: true"));
    let ro = check_root(&parse_mountinfo(READ_ONLY));
    assert_eq!(ro.verdict, Verdict::Pass);
    assert_eq!(ro.fix, "");
    assert_eq!(check_root(&[]).verdict, Verdict::Fail);
}

#[test]
fn writable_mounts_by_kind() {
    let w = writable_mounts(&parse_mountinfo(PODMAN_DEFAULT));
    let got: Vec<(&str, MountKind, bool)> = w
        .iter()
        .map(|w| (w.mount_point.as_str(), w.kind, w.expected))
        .collect();
    assert_eq!(
        got,
        vec![
            ("/proc", MountKind::Kernel, true),
            ("/dev", MountKind::Tmpfs, true),
            ("/etc/hosts", MountKind::Runtime, true),
            ("/tmp", MountKind::Tmpfs, false),
            ("/data", MountKind::HostPath, false),
            ("/cache", MountKind::EmptyDir, false),
        ]
    );
    assert_eq!(w[4].source, "/srv/data");
    let c = check_mounts(&w);
    assert_eq!(c.verdict, Verdict::Warn);
    assert_eq!(
        c.evidence,
        "writable: /tmp (tmpfs), /data (hostpath), /cache (emptydir)"
    );
    assert_eq!(check_mounts(&[]).verdict, Verdict::Pass);
}

fn status(text: &str) -> Status {
    parse_status(text.as_bytes())
}

#[test]
fn user_checks_with_and_without_user_namespace() {
    let root = status("Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t0 10\n");
    let identity = parse_id_map("         0          0 4294967295\n");
    assert!(is_identity(&identity));
    let c = check_user(&root, &identity);
    assert_eq!(c.verdict, Verdict::Fail);
    assert_eq!(c.evidence, "uid 0 gid 0 groups 0,10");

    let userns = parse_id_map("0 100000 65536\n");
    assert_eq!(host_id(&userns, 0), Some(100_000));
    assert_eq!(host_id(&userns, 65_536), None);
    let c = check_user(&root, &userns);
    assert_eq!(c.verdict, Verdict::Warn);
    assert_eq!(
        c.evidence,
        "uid 0 gid 0 groups 0,10; user namespace: uid 0 is host uid 100000"
    );

    let user = status("Uid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\nGroups:\t\n");
    let c = check_user(&user, &identity);
    assert_eq!(c.verdict, Verdict::Pass);
    assert_eq!(c.evidence, "uid 1000 gid 1000 groups -");
    assert_eq!(c.fix, "");
    assert_eq!(
        check_user(&status("Name:\tx\n"), &[]).verdict,
        Verdict::Fail
    );
    assert_eq!(parse_id_map("junk\n1 2\n"), vec![]);
}

#[test]
fn no_new_privs_and_seccomp() {
    let s = status("NoNewPrivs:\t1\nSeccomp:\t2\n");
    assert_eq!(s.no_new_privs, Some(true));
    assert_eq!(s.seccomp, Some(2));
    assert_eq!(check_no_new_privs(&s).verdict, Verdict::Pass);
    assert_eq!(check_seccomp(&s).verdict, Verdict::Pass);
    let s = status("NoNewPrivs:\t0\nSeccomp:\t0\n");
    assert_eq!(check_no_new_privs(&s).verdict, Verdict::Fail);
    let c = check_seccomp(&s);
    assert_eq!(c.verdict, Verdict::Fail);
    assert_eq!(c.fix, "securityContext.seccompProfile.type: RuntimeDefault");
    assert_eq!(check_seccomp(&status("")).verdict, Verdict::Fail);
}

#[test]
fn capabilities_against_the_default_sets() {
    // podman's default set as /proc shows it.
    let podman = status("CapEff:\t00000000800405fb\n");
    assert_eq!(podman.cap_eff, Some(PODMAN_DEFAULT_CAPS));
    let c = check_caps(&podman);
    assert_eq!(c.verdict, Verdict::Warn);
    assert!(c.evidence.ends_with(
        "CHOWN,DAC_OVERRIDE,FOWNER,FSETID,KILL,SETGID,SETUID,SETPCAP,NET_BIND_SERVICE,\
         SYS_CHROOT,SETFCAP"
    ));
    // docker's default set: still WARN.
    assert_eq!(
        check_caps(&status("CapEff:\t00000000a80425fb\n")).verdict,
        Verdict::Warn
    );
    // SYS_ADMIN added.
    let c = check_caps(&status("CapEff:\t00000000a82425fb\n"));
    assert_eq!(c.verdict, Verdict::Fail);
    assert_eq!(
        c.evidence,
        "CapEff 00000000a82425fb: beyond the runtime's default set: SYS_ADMIN"
    );
    assert_eq!(
        check_caps(&status("CapEff:\t0000000000000000\n")).verdict,
        Verdict::Pass
    );
    let all = status("CapEff:\t000001ffffffffff\n");
    assert_eq!(check_privileged(&all, None).verdict, Verdict::Fail);
    assert_eq!(check_privileged(&all, Some(false)).verdict, Verdict::Pass);
    assert_eq!(check_privileged(&podman, None).verdict, Verdict::Pass);
    assert_eq!(check_privileged(&podman, Some(true)).verdict, Verdict::Fail);
    assert_eq!(cap_names(1 << 63), vec!["cap_63"]);
}

#[test]
fn drift_walk_of_an_upper_dir() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let up = dir.path();
    std::fs::create_dir_all(up.join("etc")).unwrap();
    std::fs::create_dir_all(up.join("usr/bin")).unwrap();
    std::fs::write(up.join("etc/hosts"), b"").unwrap();
    std::fs::write(up.join("etc/passwd"), b"root:x:0:0\n").unwrap();
    std::fs::write(up.join("usr/bin/script"), b"#!/bin/sh\necho\n").unwrap();
    std::fs::write(up.join("x"), b"\x7fELF....").unwrap();
    std::fs::write(up.join("run.sh"), b"echo").unwrap();
    std::fs::set_permissions(up.join("run.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let mounts = parse_mountinfo(PODMAN_DEFAULT);
    let d = walk_upper(up, "/u", &mounts, DriftLimits::default()).unwrap();
    let got: Vec<(&str, bool, bool)> = d
        .entries
        .iter()
        .map(|e| (e.path.as_str(), e.executable, e.expected))
        .collect();
    assert_eq!(
        got,
        vec![
            ("/run.sh", true, false),
            ("/usr/bin/script", true, false),
            ("/x", true, false),
            ("/etc/hosts", false, true),
            ("/etc/passwd", false, false),
        ]
    );
    assert_eq!(d.limit_hit, None);
    let c = check_drift(Some(&d), "");
    assert_eq!(c.verdict, Verdict::Fail);
    assert_eq!(
        c.evidence,
        "4 changed (3 executable): /run.sh /usr/bin/script /x /etc/passwd"
    );

    let small = DriftLimits {
        max_entries: 3,
        max_bytes: 1 << 20,
    };
    let d = walk_upper(up, "/u", &mounts, small).unwrap();
    assert_eq!(d.limit_hit.as_deref(), Some("more than 3 entries"));
    assert!(walk_upper(&up.join("missing"), "/u", &mounts, small)
        .unwrap_err()
        .to_string()
        .contains("missing"));
    assert_eq!(check_drift(None, "no overlay").verdict, Verdict::Warn);
}
