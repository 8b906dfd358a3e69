//! The names behind Falco's `fd.sip.name`, `fd.cip.name`, `fd.lip.name` and `fd.rip.name`: the
//! host names the loaded rules compare those fields with (`fd.sip.name =
//! "kubernetes.default.svc.cluster.local"`), resolved with the system resolver (getaddrinfo:
//! /etc/hosts, DNS), and an address's value is the name (or names) whose addresses hold it.
//!
//! Falco resolves such a name the first time an event is compared with it, in the event path,
//! and refreshes it every 10 s, doubling the interval up to 320 s while the answer does not
//! change. ksec keeps the same refresh schedule but resolves on a thread of its own, so a slow or
//! unreachable DNS server never holds events up: until a name's first answer arrives, no address
//! has that name. `ksec watch` waits briefly for the first answers before it says it is ready,
//! and names the ones still unresolved.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::net::{IpAddr, ToSocketAddrs};
use std::sync::mpsc::{channel, RecvTimeoutError, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// The first refresh interval, and the longest (Falco's).
const BASE_REFRESH: Duration = Duration::from_secs(10);
const MAX_REFRESH: Duration = Duration::from_secs(320);

/// The fields whose values are names of addresses.
pub const NAME_FIELDS: &[&str] = &["fd.sip.name", "fd.cip.name", "fd.lip.name", "fd.rip.name"];

#[derive(Debug, Default)]
struct Entry {
    addrs: HashSet<IpAddr>,
    /// None until the first answer (or failure).
    resolved: Option<Instant>,
    next: Option<Instant>,
    interval: Duration,
}

#[derive(Debug, Default)]
struct Cache {
    names: BTreeMap<String, Entry>,
}

/// The shared cache and its resolver thread (started with the first names).
#[derive(Debug, Default)]
pub struct HostNames {
    cache: Arc<(Mutex<Cache>, Condvar)>,
    /// Wakes the resolver when the names change; dropped (so the thread ends) with `self`.
    wake: Option<Sender<()>>,
}

/// The addresses of `name`, from the system resolver; empty when it has none or fails.
fn resolve(name: &str) -> HashSet<IpAddr> {
    (name, 0)
        .to_socket_addrs()
        .map(|it| it.map(|a| a.ip()).collect())
        .unwrap_or_default()
}

fn resolver(cache: Arc<(Mutex<Cache>, Condvar)>, wake: std::sync::mpsc::Receiver<()>) {
    loop {
        let now = Instant::now();
        let (due, next): (Vec<String>, Option<Instant>) = {
            let c = cache.0.lock().unwrap_or_else(|e| e.into_inner());
            let due = c
                .names
                .iter()
                .filter(|(_, e)| e.next.is_none_or(|t| t <= now))
                .map(|(n, _)| n.clone())
                .collect();
            let next = c.names.values().filter_map(|e| e.next).min();
            (due, next)
        };
        for name in due {
            let addrs = resolve(&name);
            let (lock, done) = &*cache;
            let mut c = lock.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(e) = c.names.get_mut(&name) {
                e.interval = if e.resolved.is_none() || e.addrs != addrs {
                    BASE_REFRESH
                } else {
                    (e.interval * 2).min(MAX_REFRESH)
                };
                e.addrs = addrs;
                let t = Instant::now();
                e.resolved = Some(t);
                e.next = Some(t + e.interval);
            }
            done.notify_all();
        }
        let wait = next.map_or(MAX_REFRESH, |t| t.saturating_duration_since(Instant::now()));
        match wake.recv_timeout(wait) {
            Ok(()) | Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

impl HostNames {
    pub fn new() -> HostNames {
        HostNames::default()
    }

    /// Makes `names` the ones resolved (a reload's names replace the old ones; those kept keep
    /// their answers).
    pub fn set_names(&mut self, names: BTreeSet<String>) {
        {
            let mut c = self.cache.0.lock().unwrap_or_else(|e| e.into_inner());
            c.names.retain(|n, _| names.contains(n));
            for n in names {
                c.names.entry(n).or_default();
            }
            if c.names.is_empty() {
                return;
            }
        }
        match &self.wake {
            Some(w) => {
                let _ = w.send(());
            }
            None => {
                let (tx, rx) = channel();
                let cache = Arc::clone(&self.cache);
                // Not joined: a resolver stuck in getaddrinfo must not hold ksec's exit up.
                let spawned = std::thread::Builder::new()
                    .name("ksec-dns".into())
                    .spawn(move || resolver(cache, rx));
                if spawned.is_ok() {
                    self.wake = Some(tx);
                }
            }
        }
    }

    /// Waits up to `max` for every name's first answer; returns the names still waiting.
    pub fn wait_resolved(&self, max: Duration) -> Vec<String> {
        let deadline = Instant::now() + max;
        let (lock, done) = &*self.cache;
        let mut c = lock.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let waiting: Vec<String> = c
                .names
                .iter()
                .filter(|(_, e)| e.resolved.is_none())
                .map(|(n, _)| n.clone())
                .collect();
            let left = deadline.saturating_duration_since(Instant::now());
            if waiting.is_empty() || left.is_zero() || self.wake.is_none() {
                return waiting;
            }
            c = done
                .wait_timeout(c, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// The names (in order) whose last answer held `ip`.
    pub fn names_of(&self, ip: IpAddr) -> Vec<String> {
        let c = self.cache.0.lock().unwrap_or_else(|e| e.into_inner());
        c.names
            .iter()
            .filter(|(_, e)| e.addrs.contains(&ip))
            .map(|(n, _)| n.clone())
            .collect()
    }

    /// The names resolved so far, and how many addresses each has.
    pub fn answers(&self) -> Vec<(String, Option<usize>)> {
        let c = self.cache.0.lock().unwrap_or_else(|e| e.into_inner());
        c.names
            .iter()
            .map(|(n, e)| (n.clone(), e.resolved.map(|_| e.addrs.len())))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_the_hosts_file_and_a_name_that_does_not_resolve() {
        let mut h = HostNames::new();
        assert!(h.names_of("127.0.0.1".parse().unwrap()).is_empty());
        h.set_names(BTreeSet::from([
            "localhost".to_string(),
            "ksec-no-such-host.invalid".to_string(),
        ]));
        // .invalid never resolves (RFC 6761), and fails at once.
        assert!(h.wait_resolved(Duration::from_secs(20)).is_empty());
        assert_eq!(
            h.names_of("127.0.0.1".parse().unwrap()),
            ["localhost".to_string()]
        );
        assert!(h.names_of("192.0.2.1".parse().unwrap()).is_empty());
        let answers = h.answers();
        assert_eq!(
            answers[0],
            ("ksec-no-such-host.invalid".to_string(), Some(0))
        );
        assert_eq!(answers[1].0, "localhost");
        // A reload that drops a name forgets it.
        h.set_names(BTreeSet::from(["ksec-no-such-host.invalid".to_string()]));
        assert!(h.names_of("127.0.0.1".parse().unwrap()).is_empty());
        assert_eq!(h.answers().len(), 1);
    }
}
