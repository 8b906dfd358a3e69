//! `ksec watch` on sendto, sendmsg, recvfrom and recvmsg (eBPF): the alerts of rules on
//! fd.name_changed are exactly the datagrams that changed a socket's peer, with the tuple, the
//! addresses and fd.l4proto; evt.buffer's `bcontains` matches the bytes a TCP client received
//! and a look-alike does not; Falco's own "Java Process Class File Download" rule fires; Falco's
//! stable and incubating rules no longer lack fd.name_changed or evt.buffer; the fallback
//! source skips rules that name them, saying why.
//!
//! Each program names its task (prctl PR_SET_NAME) with a tag unique to the test, and the rules
//! match only that name, so other tests' traffic on the node does not count. An absence is
//! checked only after a later positive alert (a sentinel) has been seen.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::util::{self, ksec, run, text};

fn available() -> Option<String> {
    if !util::is_root() {
        return Some("needs root for the eBPF source".into());
    }
    if !Path::new("/sys/kernel/btf/vmlinux").exists() {
        return Some("needs BTF (/sys/kernel/btf/vmlinux) for the eBPF source".into());
    }
    if util::which("python3").is_none() {
        return Some("needs python3 for the socket programs".into());
    }
    None
}

macro_rules! require_ebpf {
    () => {
        if let Some(why) = available() {
            util::skipped(why);
            return;
        }
    };
}

/// A task name (at most 15 bytes) unique to this test run.
fn comm(what: char) -> String {
    let ns = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("wn{what}{}{}", std::process::id() % 100_000, ns % 10_000)
}

/// `ksec watch --source SOURCE -r RULES` through tests/watch.rs's harness (`--json -o FILE`,
/// ready line, killed when dropped).
struct Watch {
    w: crate::watch::Watch,
    _rules: tempfile::TempDir,
}

impl Watch {
    /// Starts with `rules` (YAML text) after the files `before`, and waits for its ready line.
    fn start(before: &[&str], rules: &str) -> Watch {
        Watch::start_from("ebpf", before, rules)
    }

    fn start_from(source: &str, before: &[&str], rules: &str) -> Watch {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("rules.yaml");
        std::fs::write(&file, rules).unwrap();
        let file = file.to_str().unwrap().to_string();
        let mut args = vec!["--source", source];
        for f in before {
            args.extend(["-r", f]);
        }
        args.extend(["-r", &file]);
        Watch {
            w: crate::watch::Watch::start(&args),
            _rules: dir,
        }
    }

    fn stderr_text(&self) -> String {
        self.w.stderr_text()
    }

    /// The outputs of the alerts of `rule` (WARNING rules without their time and priority).
    fn outputs(&self, rule: &str) -> Vec<String> {
        self.w
            .alerts()
            .into_iter()
            .filter(|a| a["rule"] == rule)
            .map(|a| {
                // Without the time and priority in front (`HH:MM:SS.ns: Warning `).
                let o = a["output"].as_str().unwrap_or("");
                o.split_once(": Warning ")
                    .map_or(o, |(_, rest)| rest)
                    .to_string()
            })
            .collect()
    }

    /// The outputs of `rule` once one contains `sentinel` (waiting up to 20 s).
    fn outputs_until(&self, rule: &str, sentinel: &str) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let got = self.outputs(rule);
            if got.iter().any(|o| o.contains(sentinel)) {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "no {rule:?} alert with {sentinel:?} within 20 s; got {got:#?}\nstderr: {}",
                self.stderr_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Runs `script` with python3 (or `exe`, a python3 under another name) as task `name`; returns
/// its stdout's words.
fn python(exe: &Path, name: &str, script: &str) -> Vec<String> {
    let code = format!(
        "import ctypes, socket, sys\n\
         ctypes.CDLL(None).prctl(15, {name:?}.encode(), 0, 0, 0)\n{script}"
    );
    let out = run(Command::new(exe).args(["-c", &code]));
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    stdout.split_whitespace().map(str::to_string).collect()
}

/// The python3 interpreter itself (not a launcher such as pyenv's shim, which picks the
/// program by the name it is called under).
fn python3() -> PathBuf {
    let out = run(Command::new("python3").args([
        "-c",
        "import os, sys; print(os.path.realpath(sys.executable))",
    ]));
    assert!(out.status.success(), "{:?}", text(&out));
    PathBuf::from(text(&out).0.trim())
}

fn rule(name: &str, cond: &str, output: &str) -> String {
    format!(
        "- rule: {name}\n  desc: test\n  condition: {cond}\n  output: \"{output}\"\n  priority: WARNING\n"
    )
}

/// Falco's semantics: a socket's fd.name is empty until its first datagram, so the first
/// address counts as a change; the same address again does not; a connected socket's send()
/// (sendto without an address) never changes it.
#[test]
fn sendto_alerts_are_exactly_the_name_changes_of_an_unconnected_udp_socket() {
    require_ebpf!();
    let me = comm('s');
    let w = Watch::start(
        &[],
        &rule(
            "udp sendto name change",
            &format!("evt.type=sendto and fd.name_changed=true and proc.name={me}"),
            "%fd.name sip=%fd.sip sport=%fd.sport l4=%fd.l4proto connected=%fd.connected fd=%fd.num size=%evt.arg.size res=%evt.rawres",
        ),
    );
    let words = python(
        &python3(),
        &me,
        "r2 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); r2.bind(('127.0.0.2', 0))\n\
         r3 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); r3.bind(('127.0.0.3', 0))\n\
         s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n\
         s.sendto(b'one', r2.getsockname()); s.sendto(b'two', r2.getsockname())\n\
         s.sendto(b'three', r3.getsockname())\n\
         c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); c.connect(r2.getsockname())\n\
         c.send(b'c1'); c.send(b'c2')\n\
         e = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); e.sendto(b'end', ('127.0.0.4', 9))\n\
         print(s.fileno(), s.getsockname()[1], r2.getsockname()[1], r3.getsockname()[1], e.fileno(), e.getsockname()[1])\n",
    );
    let [fd, sport, p2, p3, efd, eport] = [0, 1, 2, 3, 4, 5].map(|i| words[i].clone());
    let got = w.outputs_until("udp sendto name change", "127.0.0.4:9 ");
    assert_eq!(
        got,
        vec![
            format!("0.0.0.0:{sport}->127.0.0.2:{p2} sip=127.0.0.2 sport={p2} l4=udp connected=false fd={fd} size=3 res=3"),
            format!("0.0.0.0:{sport}->127.0.0.3:{p3} sip=127.0.0.3 sport={p3} l4=udp connected=false fd={fd} size=5 res=5"),
            format!("0.0.0.0:{eport}->127.0.0.4:9 sip=127.0.0.4 sport=9 l4=udp connected=false fd={efd} size=3 res=3"),
        ],
        "the second datagram to 127.0.0.2 and the connected socket's sends are not changes"
    );
}

#[test]
fn sendmsg_recvfrom_and_recvmsg_name_changes() {
    require_ebpf!();
    let me = comm('m');
    let out = "%evt.type %fd.name cip=%fd.cip cport=%fd.cport sport=%fd.sport server=%fd.is_server l4=%fd.l4proto";
    let rules = ["sendmsg", "recvfrom", "recvmsg"]
        .map(|t| {
            rule(
                &format!("{t} name change"),
                &format!("evt.type={t} and fd.name_changed=true and proc.name={me}"),
                out,
            )
        })
        .concat();
    let w = Watch::start(&[], &rules);
    // r receives from a twice (recvfrom), then from b twice (recvmsg): r's peer changes
    // twice, whichever call saw it. a and b each send twice to r: one change each.
    let words = python(
        &python3(),
        &me,
        "r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); r.bind(('127.0.0.1', 0))\n\
         a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(('127.0.0.1', 0))\n\
         b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); b.bind(('127.0.0.1', 0))\n\
         a.sendmsg([b'a1'], [], 0, r.getsockname()); a.sendmsg([b'a', b'2'], [], 0, r.getsockname())\n\
         r.recvfrom(100); r.recvfrom(100)\n\
         b.sendmsg([b'b1'], [], 0, r.getsockname()); b.sendmsg([b'b2'], [], 0, r.getsockname())\n\
         r.recvmsg(100); r.recvmsg(100)\n\
         print(r.getsockname()[1], a.getsockname()[1], b.getsockname()[1])\n",
    );
    let [rp, ap, bp] = [0, 1, 2].map(|i| words[i].clone());
    let recvmsg = w.outputs_until("recvmsg name change", "recvmsg");
    assert_eq!(
        recvmsg,
        vec![format!(
            "recvmsg 127.0.0.1:{bp}->127.0.0.1:{rp} cip=127.0.0.1 cport={bp} sport={rp} server=true l4=udp"
        )]
    );
    assert_eq!(
        w.outputs("recvfrom name change"),
        vec![format!(
            "recvfrom 127.0.0.1:{ap}->127.0.0.1:{rp} cip=127.0.0.1 cport={ap} sport={rp} server=true l4=udp"
        )]
    );
    assert_eq!(
        w.outputs("sendmsg name change"),
        vec![
            format!("sendmsg 127.0.0.1:{ap}->127.0.0.1:{rp} cip=127.0.0.1 cport={ap} sport={rp} server=false l4=udp"),
            format!("sendmsg 127.0.0.1:{bp}->127.0.0.1:{rp} cip=127.0.0.1 cport={bp} sport={rp} server=false l4=udp"),
        ]
    );
}

/// A TCP server sends one client a class file's magic and another a look-alike (the magic as
/// text, and one byte off); only the first recvfrom matches.
#[test]
fn evt_buffer_bcontains_matches_the_bytes_a_tcp_client_received() {
    require_ebpf!();
    let me = comm('b');
    let w = Watch::start(
        &[],
        &rule(
            "class file magic",
            &format!("evt.type=recvfrom and evt.buffer bcontains cafebabe and proc.name={me}"),
            "%evt.buffer %fd.name server=%fd.is_server l4=%fd.l4proto connected=%fd.connected type=%fd.type res=%evt.rawres",
        ),
    );
    // The listening port and the clients' are all ephemeral (either may be the lower): which
    // end is the server comes from the connect and the accept the kernel saw.
    let words = python(
        &python3(),
        &me,
        "l = socket.socket(); l.bind(('127.0.0.1', 0)); l.listen(4)\n\
         def get(data):\n\
         \x20   c = socket.create_connection(l.getsockname()); s, _ = l.accept()\n\
         \x20   s.sendall(data); s.close(); got = c.recvfrom(100)[0]; p = c.getsockname()[1]\n\
         \x20   c.close(); return len(got), p\n\
         get(b'cafebabe as text'); get(b'\\xca\\xfe\\xba\\xbf one byte off')\n\
         n, cport = get(b'\\xca\\xfe\\xba\\xbe\\x00\\x00\\x004 class')\n\
         c = socket.create_connection(l.getsockname()); s, _ = l.accept(); c2 = c.getsockname()[1]\n\
         c.sendall(b'\\xca\\xfe\\xba\\xbe up'); c.close(); s.recvfrom(100)\n\
         print(n, cport, l.getsockname()[1], c2)\n",
    );
    let [n, cport, lport, c2] = [0, 1, 2, 3].map(|i| words[i].clone());
    assert_eq!(n, "14");
    let got = w.outputs_until("class file magic", " up ");
    assert_eq!(
        got,
        vec![
            format!(".......4 class 127.0.0.1:{cport}->127.0.0.1:{lport} server=false l4=tcp connected=true type=ipv4 res=14"),
            format!(".... up 127.0.0.1:{c2}->127.0.0.1:{lport} server=true l4=tcp connected=true type=ipv4 res=7"),
        ]
    );
}

/// Falco's sandbox rule (disabled there, enabled by an override file), run by a python3 named
/// java receiving a class file's header over TCP.
#[test]
fn falcos_java_process_class_file_download_rule_fires() {
    require_ebpf!();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/falco");
    let stable = format!("{dir}/falco_rules.yaml");
    let sandbox = format!("{dir}/falco-sandbox_rules.yaml");
    if !Path::new(&sandbox).exists() {
        util::skipped(format!("{sandbox} is not there"));
        return;
    }
    let w = Watch::start(
        &[&stable, &sandbox],
        "- rule: Java Process Class File Download\n  enabled: true\n  override:\n    enabled: replace\n",
    );
    let tmp = tempfile::tempdir().unwrap();
    let java = tmp.path().join("java");
    std::os::unix::fs::symlink(python3(), &java).unwrap();
    let me = comm('j');
    let words = python(
        &java,
        &me,
        "l = socket.socket(); l.bind(('127.0.0.1', 0)); l.listen(1)\n\
         c = socket.create_connection(l.getsockname()); s, _ = l.accept()\n\
         s.sendall(b'\\xca\\xfe\\xba\\xbe\\x00\\x00\\x00\\x37Exploit')\n\
         c.recvfrom(100)\n\
         print(l.getsockname()[1], c.getsockname()[1])\n",
    );
    let (sport, cport) = (&words[0], &words[1]);
    let rule = "Java Process Class File Download";
    let got: Vec<String> = w
        .outputs_until(rule, &format!("process={me} "))
        .into_iter()
        .filter(|o| o.contains(&format!("process={me} ")))
        .collect();
    assert_eq!(got.len(), 1, "{got:#?}");
    for want in [
        "Java process class file download | server_ip=127.0.0.1 ".to_string(),
        format!(" lport={cport} rport={sport} fd_type=ipv4 fd_proto=tcp evt_type=recvfrom "),
        format!(" process={me} "),
    ] {
        assert!(got[0].contains(&want), "{want:?} not in {}", got[0]);
    }
}

/// The rules of Falco's stable and incubating files that use fd.name_changed or evt.buffer
/// load: --validate lists neither as missing.
#[test]
fn falcos_rules_no_longer_lack_name_changed_or_buffer() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/falco");
    let stable = format!("{dir}/falco_rules.yaml");
    let incubating = format!("{dir}/falco-incubating_rules.yaml");
    if !Path::new(&incubating).exists() {
        util::skipped(format!("{incubating} is not there"));
        return;
    }
    let out = run(ksec(&[
        "watch",
        "--validate",
        "-r",
        &stable,
        "-r",
        &incubating,
    ]));
    let (stdout, stderr) = text(&out);
    let all = format!("{stdout}{stderr}");
    assert!(out.status.success(), "{all}");
    assert!(!all.contains("fd.name_changed"), "{all}");
    assert!(!all.contains("evt.buffer"), "{all}");
    for r in [
        "Disallowed SSH Connection Non Standard Port",
        "Contact EC2 Instance Metadata Service From Container",
        "Contact cloud metadata service from container",
        "Interpreted procs outbound network activity",
        "Interpreted procs inbound network activity",
    ] {
        assert!(
            !all.contains(&format!("rule '{r}' skipped")),
            "{r} skipped: {all}"
        );
    }
    let out = run(ksec(&["watch", "--list-fields"]));
    let (fields, _) = text(&out);
    for f in ["fd.name_changed", "evt.buffer", "fd.l4proto"] {
        assert!(fields.contains(f), "{f} not listed: {fields}");
    }
}

#[test]
fn the_fallback_source_skips_rules_on_datagrams_saying_why() {
    if !util::is_root() {
        util::skipped("the fallback source needs root (the proc connector, fanotify)");
        return;
    }
    let rules = format!(
        "{}{}",
        rule(
            "changes",
            "evt.type=sendto and fd.name_changed=true",
            "%fd.name"
        ),
        rule(
            "magic",
            "evt.type=recvfrom and evt.buffer bcontains cafebabe",
            "%proc.name"
        )
    );
    let w = Watch::start_from("fallback", &[], &rules);
    let seen = w.stderr_text();
    let why = "no sendto, sendmsg, recvfrom or recvmsg events without eBPF";
    assert!(
        seen.contains(&format!(
            "rule 'changes' skipped: ksec does not have field fd.name_changed ({why}"
        )),
        "{seen}"
    );
    assert!(
        seen.contains(&format!(
            "rule 'magic' skipped: ksec does not have field evt.buffer ({why}"
        )),
        "{seen}"
    );
    assert!(seen.contains("0 rules loaded"), "{seen}");
}

/// The eBPF source itself on IPv6 datagrams: the exact events, with sendmsg's and recvmsg's
/// data (the first iovec, of what the call moved) where the filter asks for data, and no
/// recvfrom at all where it asks for none.
#[test]
fn ipv6_datagrams_with_the_data_of_sendmsg_and_recvmsg_from_the_source() {
    use ksec::watch::ebpf::{EbpfSource, EbpfWatchConfig};
    use ksec::watch::event::{Addr, Kind, NetCall, NetNeed};
    require_ebpf!();
    let mut src = EbpfSource::start(&EbpfWatchConfig::default()).expect("start the eBPF source");
    // In NetCall::ALL order: sendto, sendmsg, recvfrom, recvmsg.
    src.apply_net_filter(&[
        NetNeed::NameChanged,
        NetNeed::Data,
        NetNeed::None,
        NetNeed::Data,
    ])
    .expect("set the datagram filter");
    let code = "import socket, os\n\
        r = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); r.bind(('::1', 0))\n\
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind(('::1', 0))\n\
        s.sendto(b'v6', r.getsockname()); s.sendto(b'v6', r.getsockname())\n\
        s.sendmsg([b'\\xca\\xfe', b'tail'], [], 0, r.getsockname())\n\
        r.recvfrom(100); r.recvfrom(100); r.recvmsg(100)\n\
        print(r.fileno(), r.getsockname()[1], s.fileno(), s.getsockname()[1])\n";
    let (pid, n) = util::python_numbers(python3(), code);
    let (rfd, rport, sfd, sport) = (n[0] as i32, n[1] as u16, n[2] as i32, n[3] as u16);
    let events = crate::watch_ebpf::collect(
        &mut src,
        |e| e.pid == pid,
        |ev| ev.iter().any(|e| matches!(e.kind, Kind::Exit { .. })),
    );
    let v6 = |p: u16| Some(Addr::Inet(format!("[::1]:{p}").parse().expect("addr")));
    let net: Vec<Kind> = events
        .into_iter()
        .filter(|e| matches!(e.kind, Kind::Net { .. }))
        .map(|e| e.kind)
        .collect();
    let dgram = libc::SOCK_DGRAM as u16;
    let udp = libc::IPPROTO_UDP as u16;
    assert_eq!(
        net,
        vec![
            // The first sendto changes the name; the second does not and is not sent.
            Kind::Net {
                call: NetCall::Sendto,
                fd: sfd,
                res: 2,
                size: 2,
                local: v6(sport),
                remote: v6(rport),
                connected: false,
                sock_type: dgram,
                protocol: udp,
                name_changed: true,
                server: false,
                data: None,
            },
            // Every sendmsg, with the first iovec's bytes; the same peer: no change.
            Kind::Net {
                call: NetCall::Sendmsg,
                fd: sfd,
                res: 6,
                size: 6,
                local: v6(sport),
                remote: v6(rport),
                connected: false,
                sock_type: dgram,
                protocol: udp,
                name_changed: false,
                server: false,
                data: Some(b"\xca\xfe".to_vec()),
            },
            // recvfrom is not followed, so r's first peer is the one recvmsg saw.
            Kind::Net {
                call: NetCall::Recvmsg,
                fd: rfd,
                res: 6,
                size: 100,
                local: v6(rport),
                remote: v6(sport),
                connected: false,
                sock_type: dgram,
                protocol: udp,
                name_changed: true,
                server: true,
                data: Some(b"\xca\xfetail".to_vec()),
            },
        ]
    );
}

/// Datagram records the ring has no room for are counted as lost like every other record:
/// 2,000 datagrams alternating between two peers (each a name change) into a 4 KiB ring.
#[test]
fn a_tiny_ring_counts_the_datagrams_it_drops() {
    use ksec::watch::ebpf::{EbpfSource, EbpfWatchConfig};
    use ksec::watch::event::{Kind, NetNeed, Source};
    require_ebpf!();
    let mut src = EbpfSource::start(&EbpfWatchConfig {
        ring_bytes: 4096,
        ..EbpfWatchConfig::default()
    })
    .expect("start the eBPF source");
    src.apply_net_filter(&[
        NetNeed::NameChanged,
        NetNeed::None,
        NetNeed::None,
        NetNeed::None,
    ])
    .expect("set the datagram filter");
    let child = Command::new(python3())
        .args([
            "-c",
            "import socket\n\
             a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(('127.0.0.2', 0))\n\
             b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); b.bind(('127.0.0.3', 0))\n\
             s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n\
             for i in range(1000):\n\
             \x20   s.sendto(b'x', a.getsockname()); s.sendto(b'y', b.getsockname())\n",
        ])
        .spawn()
        .expect("spawn python3");
    let pid = child.id() as i32;
    let out = child.wait_with_output().expect("wait python3");
    assert!(out.status.success(), "{out:?}");
    let mut events = Vec::new();
    src.poll(&mut events, Duration::from_millis(10))
        .expect("poll");
    let sent = events
        .iter()
        .filter(|e| {
            e.pid == pid
                && matches!(
                    e.kind,
                    Kind::Net {
                        name_changed: true,
                        ..
                    }
                )
        })
        .count() as u64;
    let lost = src.lost();
    assert!(lost.ring_full > 0, "nothing counted lost: {lost:?}");
    assert!(
        sent + lost.ring_full >= 2000,
        "{sent} datagrams seen and {} lost of 2000",
        lost.ring_full
    );
    assert!(sent < 2000, "a 4 KiB ring held {sent} records of 2000");
    assert_eq!(lost.in_flight, 0);
}
