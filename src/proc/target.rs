//! Turning what the user typed (pids, process names, a container id, `--all`) into pids.
//!
//! Shared by every subcommand that looks at processes. Nothing here prints: per-item failures
//! are returned for the command layer to report.

use anyhow::{bail, Context};

use super::cgroup::container_of;
use super::cmdline::read_cmdline;
use super::root::ProcRoot;
use super::stat::read_stat;
use crate::output::bytes::Bytes;

/// What to select.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    /// Pids or process names as typed.
    pub specs: Vec<String>,
    /// A container id or unique prefix.
    pub container: Option<String>,
    /// Every process.
    pub all: bool,
}

/// Resolves a selector to pids, ascending and without duplicates.
///
/// A number is a pid (it must exist); anything else is a process name (comm, or the basename of
/// argv\[0\]) that must match exactly one process. A container id (or unique prefix) adds every
/// process of that container (see [`container_pids`]).
///
/// # Errors
/// A pid that does not exist, a name matching no process or several, an unknown container.
pub fn resolve(root: &ProcRoot, sel: &Selector) -> anyhow::Result<Vec<i32>> {
    let mut pids = Vec::new();
    if sel.all {
        pids = root
            .pids()
            .with_context(|| format!("read {}", root.path().display()))?;
    }
    for spec in &sel.specs {
        if let Ok(pid) = spec.parse::<i32>() {
            if pid <= 0 || !root.pid_dir(pid).exists() {
                bail!("pid {pid}: no such process");
            }
            pids.push(pid);
        } else {
            pids.push(resolve_name(root, spec)?);
        }
    }
    if let Some(id) = &sel.container {
        pids.extend(container_pids(root, id)?.1);
    }
    pids.sort_unstable();
    pids.dedup();
    Ok(pids)
}

/// Resolves each pid or name (and the container) on its own, so that one that does not exist
/// can be reported and the others still shown: returns the pids, ascending and without
/// duplicates, and the failures in the order of the selector (the container's last).
pub fn resolve_each(root: &ProcRoot, sel: &Selector) -> (Vec<i32>, Vec<anyhow::Error>) {
    let mut pids = Vec::new();
    let mut failed = Vec::new();
    let one = |spec: Option<&String>| Selector {
        specs: spec.into_iter().cloned().collect(),
        container: if spec.is_none() {
            sel.container.clone()
        } else {
            None
        },
        all: false,
    };
    let mut parts: Vec<Selector> = sel.specs.iter().map(|s| one(Some(s))).collect();
    if sel.container.is_some() {
        parts.push(one(None));
    }
    for part in parts {
        match resolve(root, &part) {
            Ok(p) => pids.extend(p),
            Err(e) => failed.push(e),
        }
    }
    pids.sort_unstable();
    pids.dedup();
    (pids, failed)
}

/// The processes of the one container whose id starts with `prefix`: its full id and its pids,
/// ascending.
///
/// # Errors
/// An empty or non-hex prefix, no container with that prefix, or several.
pub fn container_pids(root: &ProcRoot, prefix: &str) -> anyhow::Result<(String, Vec<i32>)> {
    let want = prefix.to_ascii_lowercase();
    if want.is_empty() || !want.bytes().all(|b| b.is_ascii_hexdigit()) || want.len() > 64 {
        bail!("container {prefix:?}: a container id is 1 to 64 hex digits");
    }
    let all = root
        .pids()
        .with_context(|| format!("read {}", root.path().display()))?;
    let mut ids: Vec<String> = Vec::new();
    let mut pids = Vec::new();
    for pid in all {
        let Some(c) = container_of(root, pid) else {
            continue;
        };
        if c.id.starts_with(&want) {
            if !ids.contains(&c.id) {
                ids.push(c.id);
            }
            pids.push(pid);
        }
    }
    match ids.as_slice() {
        [] => bail!("container {prefix}: no running process belongs to a container with this id"),
        [id] => Ok((id.clone(), pids)),
        many => bail!(
            "container {prefix}: ambiguous prefix, it matches {}",
            many.iter()
                .map(|id| id[..12].to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The one process a single-process subcommand (environ, root) looks at: a pid or name, or the
/// main process of a container (the one whose parent is outside the container; the lowest pid
/// when several are).
///
/// # Errors
/// Nothing or too much selected, or what [`resolve`] and [`container_pids`] refuse.
pub fn resolve_one(
    root: &ProcRoot,
    spec: Option<&str>,
    container: Option<&str>,
) -> anyhow::Result<i32> {
    match (spec, container) {
        (Some(_), Some(_)) => bail!("give a PID|NAME or --container ID, not both"),
        (None, None) => bail!("give a PID|NAME or --container ID"),
        (Some(spec), None) => {
            let pids = resolve(
                root,
                &Selector {
                    specs: vec![spec.to_string()],
                    ..Selector::default()
                },
            )?;
            Ok(pids[0])
        }
        (None, Some(prefix)) => {
            let (_, pids) = container_pids(root, prefix)?;
            let main = pids
                .iter()
                .copied()
                .find(|&pid| read_stat(root, pid).is_ok_and(|st| !pids.contains(&st.ppid)));
            Ok(main.unwrap_or(pids[0]))
        }
    }
}

/// The one process whose comm or argv[0] basename is `name`.
fn resolve_name(root: &ProcRoot, name: &str) -> anyhow::Result<i32> {
    let all = root
        .pids()
        .with_context(|| format!("read {}", root.path().display()))?;
    let me = std::process::id() as i32;
    let matches: Vec<i32> = all
        .into_iter()
        .filter(|&pid| pid != me && process_is_named(root, pid, name))
        .collect();
    match matches.as_slice() {
        [] => bail!("no process named {name:?}"),
        [pid] => Ok(*pid),
        many => bail!(
            "process name {name:?} is ambiguous: pids {}",
            many.iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Whether a process is named `name`: its comm, or the basename of its argv\[0\], is `name`
/// exactly (as `pgrep -x`; comm is cut at 15 bytes by the kernel, argv\[0\] is not). The one
/// rule for selecting a process by name, in [`resolve`] and in `ksec ps NAME`. An empty name
/// matches nothing.
pub fn is_named(comm: &[u8], argv: &[Bytes], name: &[u8]) -> bool {
    if name.is_empty() {
        return false;
    }
    if comm == name {
        return true;
    }
    let argv0 = argv.first().map(Bytes::as_slice).unwrap_or_default();
    let base = argv0.rsplit(|&b| b == b'/').next().unwrap_or_default();
    !base.is_empty() && base == name
}

/// [`is_named`] for `pid`, reading its comm and cmdline (a file that cannot be read counts as
/// empty).
fn process_is_named(root: &ProcRoot, pid: i32, name: &str) -> bool {
    let comm = root.comm(pid).unwrap_or_default();
    if is_named(&comm, &[], name.as_bytes()) {
        return true; // without reading up to 1 MiB of cmdline
    }
    let argv = read_cmdline(root, pid).map(|(a, _)| a).unwrap_or_default();
    is_named(&comm, &argv, name.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "aaaa000000000000000000000000000000000000000000000000000000000001";
    const B: &str = "aaab000000000000000000000000000000000000000000000000000000000002";

    /// A fake /proc: (pid, ppid, comm, argv0, cgroup path).
    fn fake(procs: &[(i32, i32, &str, &str, &str)]) -> (tempfile::TempDir, ProcRoot) {
        let dir = tempfile::tempdir().unwrap();
        for (pid, ppid, comm, argv0, cgroup) in procs {
            let d = dir.path().join(pid.to_string());
            std::fs::create_dir(&d).unwrap();
            let stat = format!("{pid} ({comm}) S {ppid} {pid} {pid} 0 -1 4194560 0 0\n");
            std::fs::write(d.join("stat"), stat).unwrap();
            std::fs::write(d.join("comm"), format!("{comm}\n")).unwrap();
            std::fs::write(d.join("cmdline"), format!("{argv0}\0--flag\0")).unwrap();
            std::fs::write(d.join("cgroup"), format!("0::{cgroup}\n")).unwrap();
        }
        let root = ProcRoot::new(dir.path());
        (dir, root)
    }

    fn sel(specs: &[&str], container: Option<&str>) -> Selector {
        Selector {
            specs: specs.iter().map(|s| s.to_string()).collect(),
            container: container.map(String::from),
            all: false,
        }
    }

    #[test]
    fn a_name_is_comm_or_argv0s_basename_exactly() {
        let argv =
            |a: &[&str]| -> Vec<Bytes> { a.iter().map(|s| Bytes(s.as_bytes().into())).collect() };
        let etcd = argv(&["/usr/local/bin/etcd", "--data-dir=/var/lib/etcd"]);
        assert!(is_named(b"etcd", &etcd, b"etcd"));
        assert!(is_named(b"other", &etcd, b"etcd"), "argv[0]'s basename");
        assert!(!is_named(b"etcd", &etcd, b"etc"), "no prefix");
        assert!(!is_named(b"etcd", &etcd, b"/usr/local/bin/etcd"), "no path");
        let api = argv(&["kube-apiserver", "--etcd-servers=https://127.0.0.1:2379"]);
        assert!(
            !is_named(b"kube-apiserver", &api, b"etcd"),
            "never an argument"
        );
        // comm is cut at 15 bytes; argv[0] carries the whole name.
        assert!(is_named(b"kube-apiserver", &api, b"kube-apiserver"));
        let ctl = argv(&["/usr/bin/kube-controller-manager"]);
        assert!(is_named(
            b"kube-controller",
            &ctl,
            b"kube-controller-manager"
        ));
        assert!(is_named(b"kube-controller", &ctl, b"kube-controller"));
        // A kernel thread (no argv), an argv[0] ending in '/', nothing at all.
        assert!(is_named(b"kworker/0:1", &[], b"kworker/0:1"));
        assert!(!is_named(b"x", &argv(&["/usr/bin/"]), b""));
        assert!(!is_named(b"", &[], b""));
    }

    #[test]
    fn pids_names_and_containers() {
        let a = format!("/kubepods.slice/cri-containerd-{A}.scope");
        let b = format!("/system.slice/crio-{B}.scope");
        let (_d, root) = fake(&[
            (10, 1, "etcd", "/usr/bin/etcd", &a),
            (11, 10, "sh", "/bin/sh", &a),
            (20, 1, "sleep", "sleep", &b),
            (21, 1, "sleep", "/bin/sleep", "/"),
            (
                30,
                1,
                "kube-apiserver",
                "/usr/local/bin/kube-apiserver",
                "/",
            ),
        ]);
        assert_eq!(
            resolve(&root, &sel(&["11", "10", "11"], None)).unwrap(),
            [10, 11]
        );
        assert_eq!(resolve(&root, &sel(&["etcd"], None)).unwrap(), [10]);
        // argv[0]'s basename counts too (comm is cut at 15 bytes).
        assert_eq!(
            resolve(&root, &sel(&["kube-apiserver"], None)).unwrap(),
            [30]
        );
        let err = resolve(&root, &sel(&["sleep"], None)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "process name \"sleep\" is ambiguous: pids 20, 21"
        );
        let err = resolve(&root, &sel(&["99"], None)).unwrap_err();
        assert_eq!(err.to_string(), "pid 99: no such process");
        assert_eq!(resolve(&root, &sel(&[], Some("aaaa"))).unwrap(), [10, 11]);
        assert_eq!(resolve(&root, &sel(&[], Some("AAAB"))).unwrap(), [20]);
        let err = resolve(&root, &sel(&[], Some("aaa"))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "container aaa: ambiguous prefix, it matches aaaa00000000, aaab00000000"
        );
        assert!(resolve(&root, &sel(&[], Some("ffff"))).is_err());
        assert!(resolve(&root, &sel(&[], Some("not-hex"))).is_err());
        // The container's main process: the one whose parent is outside it.
        assert_eq!(resolve_one(&root, None, Some("aaaa")).unwrap(), 10);
        assert_eq!(resolve_one(&root, Some("sh"), None).unwrap(), 11);
        assert!(resolve_one(&root, None, None).is_err());
        assert!(resolve_one(&root, Some("10"), Some("aaaa")).is_err());
        // resolve_each returns a bad spec's error and keeps the others.
        let (pids, failed) = resolve_each(&root, &sel(&["10", "99", "sleep"], Some("aaab")));
        assert_eq!(pids, [10, 20]);
        let failed: Vec<String> = failed.iter().map(|e| format!("{e:#}")).collect();
        assert_eq!(
            failed,
            [
                "pid 99: no such process",
                "process name \"sleep\" is ambiguous: pids 20, 21"
            ]
        );
        let (pids, failed) = resolve_each(&root, &sel(&["11"], Some("ffff")));
        assert_eq!((pids, failed.len()), (vec![11], 1));
    }
}
