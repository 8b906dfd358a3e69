//! `ksec trace` prints the net family's calls (socket, bind, connect, accept4, sendto,
//! recvfrom, sendmsg, recvmsg, [gs]etsockopt, ...) as strace 6.1 does, on a program that makes
//! them (fixtures/tracees/net_calls.c: TCP on loopback, unix socketpairs, odd addresses;
//! fixtures/tracees/mmsg.c: sendmmsg and recvmmsg; fixtures/tracees/socks.c: -yy's names of
//! sockets in every state).

use std::path::Path;
use std::process::{Command, Stdio};

use crate::require;
use crate::util::{self, run, text, tracee};

/// The lines of `TOOL FLAGS -o FILE PROG`, with what differs between runs masked: addresses,
/// ports, pids, and the padding before ` = `.
fn lines(mut cmd: Command, flags: &[&str], prog: &Path, args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out");
    let out = run(cmd
        .args(flags)
        .arg("-o")
        .arg(&file)
        .arg(prog)
        .args(args)
        .stdout(Stdio::null()));
    assert!(out.status.success(), "{:?}: {}", cmd, text(&out).1);
    let raw = std::fs::read_to_string(&file).unwrap();
    let masks = [
        (r"0x7f[0-9a-f]{6,}", "ADDR"),
        (r"htons\(\d+\)", "htons(PORT)"),
        (r"pid=\d+", "pid=PID"),
        (r"\) +=", ") ="),
        // recvmmsg's time left.
        (r"left \{tv_sec=\d+, tv_nsec=\d+\}", "left {TS}"),
        // -yy: socket inodes and the ports between the angle brackets.
        (r"\[\d{5,}", "[INODE"),
        (r"->\d{5,}", "->INODE"),
        (r"(\d|\]):\d+(\]|->)", "${1}:PORT${2}"),
        (r"(NETLINK:\[\w+):\d+\]", "${1}:PORTID]"),
    ];
    let mut s = raw;
    for (re, to) in masks {
        s = regex::Regex::new(re)
            .unwrap()
            .replace_all(&s, to)
            .into_owned();
    }
    s
}

fn compare(flags: &[&str]) {
    compare_prog("net_calls", &[], flags, 40);
}

/// `PROG ARGS` under ksec and strace with `-e trace=%network FLAGS` print the same lines (at
/// least `min` of them).
fn compare_prog(name: &str, args: &[&str], flags: &[&str], min: usize) {
    let prog = tracee(name);
    let mut k = util::ksec(&["trace"]);
    k.args(["-e", "trace=%network"]);
    let ours = lines(k, flags, &prog, args);
    let mut s = Command::new("strace");
    s.args(["-e", "trace=%network"]);
    let theirs = lines(s, flags, &prog, args);
    assert!(theirs.lines().count() >= min, "strace printed: {theirs}");
    for (a, b) in ours.lines().zip(theirs.lines()) {
        assert_eq!(a, b, "flags {flags:?}\nksec:\n{ours}\nstrace:\n{theirs}");
    }
    assert_eq!(
        ours.lines().count(),
        theirs.lines().count(),
        "{ours}\n{theirs}"
    );
}

#[test]
fn net_calls_print_as_strace() {
    require!(util::which("strace").is_some(), "strace is not installed");
    compare(&[]);
    compare(&["-s", "5"]);
    compare(&["-v", "-x"]);
}

/// sendmmsg and recvmmsg: vectors cut at -s messages, msg_len, names changed by the kernel,
/// timeouts (`left {...}`, `(Timeout)`), failing calls.
#[test]
fn mmsg_calls_print_as_strace() {
    require!(util::which("strace").is_some(), "strace is not installed");
    compare_prog("mmsg", &[], &[], 20);
    compare_prog("mmsg", &[], &["-s", "5"], 20);
    compare_prog("mmsg", &[], &["-v", "-x"], 20);
}

/// AF_PACKET addresses (`sockaddr_ll`): bind, getsockname and connect of a packet socket on lo.
#[test]
fn packet_addresses_print_as_strace() {
    require!(util::which("strace").is_some(), "strace is not installed");
    require!(
        util::is_root(),
        "a packet socket needs CAP_NET_RAW (run as root)"
    );
    compare_prog("mmsg", &["packet"], &[], 6);
    compare_prog("mmsg", &["packet"], &["-v", "-x"], 6);
}

/// -yy names sockets in no /proc/net table as strace does: by the fd's protocol name
/// (`UDP:[INODE]`, `TCPv6:[INODE]`, `NETLINK:[INODE]`; `socket:[INODE]` for a packet socket,
/// a protocol strace does not know), and bound TCP sockets that do not listen by their address
/// (`TCP:[127.0.0.1:PORT]`, sock_diag's TCP_CLOSE state).
#[test]
fn socket_names_print_as_strace() {
    require!(util::which("strace").is_some(), "strace is not installed");
    compare_prog("socks", &[], &["-yy"], 20);
    let prog = tracee("socks");
    let mut k = util::ksec(&["trace"]);
    k.args(["-e", "trace=%network"]);
    let ours = lines(k, &["-yy"], &prog, &[]);
    // The names the masks leave (the comparison with strace above holds them too).
    for want in [
        "getsockopt(3<UDP:[INODE]>, ",
        "getsockopt(3<TCP:[INODE]>, ",
        "getsockopt(3<TCPv6:[INODE]>, ",
        "getsockopt(3<UNIX-STREAM:[INODE]>, ",
        "bind(3<TCP:[INODE]>, ",
        "getsockopt(3<TCP:[127.0.0.1:PORT]>, ",
        "getsockopt(3<TCPv6:[[::1]:PORT]>, ",
        "getsockopt(3<UDP:[127.0.0.1:PORT->127.0.0.1:PORT]>, ",
        "getsockopt(3<NETLINK:[INODE]>, ",
        "getsockopt(3<NETLINK:[ROUTE:PORTID]>, ",
    ] {
        assert!(ours.contains(want), "no {want:?} in:\n{ours}");
    }
    if util::is_root() {
        assert!(ours.contains("getsockopt(3<socket:[INODE]>, "), "{ours}");
        assert!(ours.contains("getsockopt(3<RAW:[INODE]>, "), "{ours}");
    }
}

/// `ip ARGS` under both tracers (`-e trace=%network FLAGS`), with what differs between two runs
/// masked: netlink port ids, sequence numbers, the traffic counters of lo, address timestamps.
fn ip_lines(tracer: Command, flags: &[&str], args: &[&str]) -> String {
    let ip = util::which("ip").expect("ip is installed");
    let mut cmd = tracer;
    cmd.args(["-e", "trace=%network"]);
    let raw = lines(cmd, flags, &ip, args);
    let masks = [
        (r"(nl_pid|nlmsg_pid)=(PID|-?\d+)", "$1=PORTID"),
        (r"nlmsg_seq=\d+", "nlmsg_seq=SEQ"),
        (
            r"\b(rx_packets|tx_packets|rx_bytes|tx_bytes|multicast|rx_dropped|tx_dropped)=\d+",
            "$1=N",
        ),
        (r"\b(cstamp|tstamp)=\d+", "$1=T"),
    ];
    let mut s = raw;
    for (re, to) in masks {
        s = regex::Regex::new(re)
            .unwrap()
            .replace_all(&s, to)
            .into_owned();
    }
    s
}

/// The netlink messages `ip` sends and receives (NETLINK_ROUTE: RTM_GETLINK/RTM_NEWLINK with
/// ifinfomsg and IFLA attributes, RTM_GETADDR/RTM_NEWADDR with ifaddrmsg and IFA attributes,
/// RTM_GETROUTE/RTM_NEWROUTE with rtmsg and RTA attributes, NLMSG_ERROR with the message it
/// answers, NLMSG_DONE) print as strace prints them, every line identical, with the default
/// -s and with -s 8.
///
/// Not compared: `-v`, under which the link messages' attributes after the 32nd show, among
/// them IFLA_AF_SPEC (each family's configuration) and IFLA_XDP (nested attributes), which
/// strace decodes and ksec prints as bytes.
#[test]
fn ip_netlink_messages_print_as_strace() {
    require!(util::which("strace").is_some(), "strace is not installed");
    require!(
        util::which("ip").is_some(),
        "ip (iproute2) is not installed"
    );
    for args in [
        &["-o", "link", "show", "lo"][..],
        &["-o", "addr", "show", "lo"],
    ] {
        for flags in [&[][..], &["-s", "8"]] {
            let ours = ip_lines(util::ksec(&["trace"]), flags, args);
            let theirs = ip_lines(Command::new("strace"), flags, args);
            assert!(
                theirs.contains("nlmsg_type=RTM_NEW"),
                "strace decoded no netlink message:\n{theirs}"
            );
            for (a, b) in ours.lines().zip(theirs.lines()) {
                assert_eq!(
                    a, b,
                    "ip {args:?}, flags {flags:?}\nksec:\n{ours}\nstrace:\n{theirs}"
                );
            }
            assert_eq!(
                ours.lines().count(),
                theirs.lines().count(),
                "{ours}\n{theirs}"
            );
        }
    }
}

/// Makes sockets of every kind ss lists (a TCP listener and a connection on it, a bound UDPv6
/// socket, an abstract unix listener) in the fresh network namespace it runs in, then runs ss
/// on them.
const SS_SCRIPT: &str = r#"
import socket, subprocess
subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
t = socket.socket(); t.bind(("127.0.0.1", 0)); t.listen(5)
c = socket.create_connection(t.getsockname()); a, _ = t.accept()
u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u.bind(("::1", 0))
x = socket.socket(socket.AF_UNIX); x.bind("\0ksec-ss-test"); x.listen(1)
for args in (["-tna"], ["-uan"], ["-xa"], ["-tlnm"], ["-f", "netlink", "-a"]):
    subprocess.run(["ss"] + args, check=True, stdout=subprocess.DEVNULL)
"#;

/// NETLINK_SOCK_DIAG, as `ss` uses it: the inet, unix and netlink requests (inet_diag_req_v2,
/// unix_diag_req, netlink_diag_req) and answers (inet_diag_msg with INET_DIAG attributes,
/// unix_diag_msg, netlink_diag_msg, SK_MEMINFO arrays) print as strace prints them, with and
/// without -v, once what differs between two runs is masked (ports, inodes, cookies, port ids).
/// The answer to the netlink dump is left out: it lists the namespace's kernel sockets and
/// ss's in the order of their port ids, which change from run to run.
/// Each tracer runs in a network namespace of its own (`unshare -n TRACER ...`), so that the
/// dumps hold only the script's sockets and both tracers ask the namespace the tracee is in
/// (strace's sock_diag queries go to its own).
///
/// Not covered: packet and smc sockets (`ss -0`, `ss -a`), whose diag messages ksec prints as
/// strace's generic `{family=AF_PACKET, data=...}` where strace decodes them.
#[test]
fn ss_sock_diag_messages_print_as_strace() {
    use crate::util::lines::normalise;
    require!(util::which("strace").is_some(), "strace is not installed");
    require!(
        util::which("ss").is_some() && util::which("ip").is_some(),
        "ss and ip (iproute2) are not installed"
    );
    require!(util::which("python3").is_some(), "python3 is not installed");
    require!(util::is_root(), "unshare -n needs root");
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("ss.py");
    std::fs::write(&script, SS_SCRIPT).unwrap();
    let masks: Vec<(regex::Regex, &str)> = [
        (r"htons\(\d+\)", "htons(PORT)"),
        (
            r"\b(idiag_inode|udiag_ino|ndiag_ino|ndiag_portid|nl_pid|nlmsg_pid)=-?\d+",
            "$1=N",
        ),
        (r"nlmsg_seq=\d+", "nlmsg_seq=SEQ"),
        (r"cookie=\[\d+, \d+\]", "cookie=[C]"),
    ]
    .into_iter()
    .map(|(re, to)| (regex::Regex::new(re).unwrap(), to))
    .collect();
    let trace = |tracer: &std::path::Path, flags: &[&str]| -> Vec<String> {
        let out_file = dir.path().join("lines");
        let _ = std::fs::remove_file(&out_file);
        let mut cmd = Command::new("unshare");
        cmd.arg("-n").arg(tracer);
        if tracer.ends_with("ksec") {
            cmd.arg("trace");
        }
        cmd.args(flags)
            .args(["-f", "-e", "trace=%network", "-o"])
            .arg(&out_file)
            .args(["--", "python3"])
            .arg(&script);
        let out = run(&mut cmd);
        assert!(out.status.success(), "{cmd:?}: {}", text(&out).1);
        let text = std::fs::read_to_string(&out_file).unwrap();
        let mut v: Vec<String> = normalise(&text)
            .into_iter()
            .filter(|l| {
                l.contains("nlmsg_type=SOCK_DIAG_BY_FAMILY") && !l.contains("{ndiag_family=")
            })
            .map(|l| {
                masks
                    .iter()
                    .fold(l, |l, (re, to)| re.replace_all(&l, *to).into_owned())
            })
            .collect();
        v.sort();
        v
    };
    let ksec = std::path::PathBuf::from(env!("CARGO_BIN_EXE_ksec"));
    let strace = util::which("strace").unwrap();
    for flags in [&[][..], &["-v"]] {
        let theirs = trace(&strace, flags);
        for want in [
            "idiag_state=TCP_LISTEN",
            "idiag_state=TCP_ESTABLISHED",
            "sdiag_family=AF_INET6",
            "udiag_state=TCP_LISTEN",
            "sdiag_protocol=NDIAG_PROTO_ALL",
            "SK_MEMINFO_RCVBUF",
        ] {
            assert!(
                theirs.iter().any(|l| l.contains(want)),
                "strace printed no {want}:\n{}",
                theirs.join("\n")
            );
        }
        let ours = trace(&ksec, flags);
        assert_eq!(ours, theirs, "flags {flags:?}");
    }
}
