//! Alerts and where they go: Falco's text line (`19:20:05.408091526: Warning Shell spawned ...`)
//! and JSON object (keys `hostname`, `output`, `output_fields`, `priority`, `rule`, `source`,
//! `tags`, `time`), written to stdout, appended to a file, piped to a program, or sent to the
//! system log (/dev/log, so journald and rsyslog's /var/log/syslog get them, tagged `ksec`).

use std::io::Write;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

use anyhow::Context as _;
use serde_json::{Map, Value as Json};

use super::fields::{iso_time, local_time};

/// One alert: a rule matched an event.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub time_ns: u64,
    pub rule: String,
    /// Falco's priority name (`Warning`).
    pub priority: String,
    /// The syslog severity of the priority (0 Emergency .. 7 Debug).
    pub severity: u8,
    pub source: String,
    pub hostname: String,
    /// The rule's output with its fields substituted.
    pub output: String,
    pub tags: Vec<String>,
    /// The fields the output names, with their values (None: `<NA>`, null in JSON).
    pub output_fields: Vec<(String, Option<String>)>,
}

/// How alert lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Format {
    pub json: bool,
    /// Times as ISO 8601 (Falco's time_format_iso_8601) rather than local HH:MM:SS.
    pub iso8601: bool,
}

impl Alert {
    /// `TIME: Priority output`, as Falco prints an alert.
    pub fn line(&self, iso8601: bool) -> String {
        let time = if iso8601 {
            iso_time(self.time_ns).replace('Z', "+0000")
        } else {
            local_time(self.time_ns)
        };
        format!("{time}: {} {}", self.priority, self.output)
    }

    /// Falco's JSON object; `output_fields` holds `evt.time` (ns) and the output's fields.
    pub fn json(&self, iso8601: bool) -> Json {
        let mut fields = Map::new();
        fields.insert("evt.time".into(), Json::from(self.time_ns));
        for (k, v) in &self.output_fields {
            let v = match v {
                None => Json::Null,
                Some(s) => s
                    .parse::<i64>()
                    .ok()
                    .filter(|n| n.to_string() == *s)
                    .map_or_else(|| Json::from(s.as_str()), Json::from),
            };
            fields.insert(k.clone(), v);
        }
        let mut o = Map::new();
        o.insert("hostname".into(), Json::from(self.hostname.as_str()));
        o.insert("output".into(), Json::from(self.line(iso8601)));
        o.insert("output_fields".into(), Json::Object(fields));
        o.insert("priority".into(), Json::from(self.priority.as_str()));
        o.insert("rule".into(), Json::from(self.rule.as_str()));
        o.insert("source".into(), Json::from(self.source.as_str()));
        o.insert("tags".into(), Json::from(self.tags.clone()));
        o.insert("time".into(), Json::from(iso_time(self.time_ns)));
        Json::Object(o)
    }

    /// The line in the chosen format, without a newline.
    pub fn render(&self, f: Format) -> String {
        if f.json {
            self.json(f.iso8601).to_string()
        } else {
            self.line(f.iso8601)
        }
    }
}

/// A program fed one alert per line on its stdin (Falco's program_output with keep_alive);
/// started again if it exits.
#[derive(Debug)]
pub struct Program {
    cmd: String,
    child: Option<(Child, ChildStdin)>,
}

impl Program {
    pub fn new(cmd: &str) -> Program {
        Program {
            cmd: cmd.to_string(),
            child: None,
        }
    }

    fn start(&mut self) -> anyhow::Result<&mut ChildStdin> {
        if self.child.is_none() {
            let mut child = Command::new("/bin/sh")
                .arg("-c")
                .arg(&self.cmd)
                .stdin(Stdio::piped())
                .spawn()
                .with_context(|| format!("--program {}: cannot start /bin/sh", self.cmd))?;
            let stdin = child.stdin.take().context("no stdin")?;
            self.child = Some((child, stdin));
        }
        Ok(&mut self.child.as_mut().expect("started").1)
    }

    /// Writes one line, starting the program (again) when needed.
    ///
    /// # Errors
    /// The program cannot be started, or fails twice in a row.
    pub fn write(&mut self, line: &str) -> anyhow::Result<()> {
        for attempt in 0..2 {
            let stdin = self.start()?;
            match writeln!(stdin, "{line}").and_then(|()| stdin.flush()) {
                Ok(()) => return Ok(()),
                Err(e) if attempt == 0 => {
                    let _ = e;
                    self.stop();
                }
                Err(e) => return Err(e).with_context(|| format!("--program {}", self.cmd)),
            }
        }
        Ok(())
    }

    /// Closes the program's stdin and waits for it.
    pub fn stop(&mut self) {
        if let Some((mut child, stdin)) = self.child.take() {
            drop(stdin);
            let _ = child.wait();
        }
    }
}

impl Drop for Program {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The system log: RFC 3164 datagrams to /dev/log (facility user), tagged `ksec[PID]`.
#[derive(Debug)]
pub struct Syslog {
    sock: UnixDatagram,
    path: PathBuf,
}

impl Syslog {
    /// Connects to the log socket (`/dev/log`).
    ///
    /// # Errors
    /// No syslog daemon or journald listens there.
    pub fn connect(path: &Path) -> anyhow::Result<Syslog> {
        let sock = UnixDatagram::unbound().context("--syslog: socket")?;
        sock.connect(path).with_context(|| {
            format!(
                "--syslog: cannot connect to {} (no journald or syslog daemon listening?)",
                path.display()
            )
        })?;
        Ok(Syslog {
            sock,
            path: path.to_path_buf(),
        })
    }

    /// The datagram for one message at a severity (facility user = 1).
    pub fn datagram(severity: u8, msg: &str) -> String {
        format!(
            "<{}>ksec[{}]: {msg}",
            8 + u32::from(severity.min(7)),
            std::process::id()
        )
    }

    /// Sends one message.
    ///
    /// # Errors
    /// The socket fails (the daemon went away).
    pub fn send(&self, severity: u8, msg: &str) -> anyhow::Result<()> {
        self.sock
            .send(Self::datagram(severity, msg).as_bytes())
            .with_context(|| format!("--syslog: {}", self.path.display()))?;
        Ok(())
    }
}

/// Every place alerts go.
#[derive(Debug, Default)]
pub struct Outputs {
    pub format: Format,
    pub stdout: bool,
    pub file: Option<(PathBuf, std::fs::File)>,
    pub program: Option<Program>,
    pub syslog: Option<Syslog>,
}

impl Outputs {
    /// Opens `-o FILE` for appending.
    ///
    /// # Errors
    /// The file cannot be opened.
    pub fn open_file(path: &Path) -> anyhow::Result<(PathBuf, std::fs::File)> {
        let f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("-o {}", path.display()))?;
        Ok((path.to_path_buf(), f))
    }

    /// Sends an alert everywhere; an output that fails is reported in the result, the others
    /// still get the alert.
    ///
    /// # Errors
    /// The first output that failed.
    pub fn send(&mut self, alert: &Alert) -> anyhow::Result<()> {
        let line = alert.render(self.format);
        let mut first_err = None;
        if self.stdout {
            let mut out = std::io::stdout().lock();
            if let Err(e) = writeln!(out, "{line}").and_then(|()| out.flush()) {
                first_err.get_or_insert(anyhow::Error::from(e).context("stdout"));
            }
        }
        if let Some((path, f)) = &mut self.file {
            if let Err(e) = writeln!(f, "{line}") {
                first_err.get_or_insert(
                    anyhow::Error::from(e).context(format!("-o {}", path.display())),
                );
            }
        }
        if let Some(p) = &mut self.program {
            if let Err(e) = p.write(&line) {
                first_err.get_or_insert(e);
            }
        }
        if let Some(s) = &self.syslog {
            // The log has its own time stamp: the message without ours (as Falco sends it).
            let msg = if self.format.json {
                line.clone()
            } else {
                format!("{} {}", alert.priority, alert.output)
            };
            if let Err(e) = s.send(alert.severity, &msg) {
                first_err.get_or_insert(e);
            }
        }
        first_err.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert() -> Alert {
        Alert {
            time_ns: 1_470_327_477_881_781_397,
            rule: "open_from_cat".into(),
            priority: "Warning".into(),
            severity: 4,
            source: "syscall".into(),
            hostname: "test-falco-hostname".into(),
            output: "An open was seen (command=cat /dev/null)".into(),
            tags: vec!["filesystem".into(), "process".into(), "testing".into()],
            output_fields: vec![
                ("proc.cmdline".into(), Some("cat /dev/null".into())),
                ("user.loginuid".into(), Some("-1".into())),
                ("container.name".into(), None),
            ],
        }
    }

    #[test]
    fn falco_json_shape() {
        let j = alert().json(true);
        assert_eq!(
            j["output"],
            "2016-08-04T16:17:57.881781397+0000: Warning An open was seen (command=cat /dev/null)"
        );
        assert_eq!(j["time"], "2016-08-04T16:17:57.881781397Z");
        assert_eq!(j["output_fields"]["evt.time"], 1_470_327_477_881_781_397u64);
        assert_eq!(j["output_fields"]["proc.cmdline"], "cat /dev/null");
        assert_eq!(j["output_fields"]["user.loginuid"], -1);
        assert_eq!(j["output_fields"]["container.name"], Json::Null);
        assert_eq!(j["tags"][2], "testing");
        let keys: Vec<&String> = j.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "hostname",
                "output",
                "output_fields",
                "priority",
                "rule",
                "source",
                "tags",
                "time"
            ]
        );
    }

    #[test]
    fn text_line() {
        let l = alert().line(false);
        let (time, rest) = l.split_once(": ").unwrap();
        assert_eq!(time.len(), "16:17:57.881781397".len());
        assert!(time.ends_with(".881781397"));
        assert_eq!(rest, "Warning An open was seen (command=cat /dev/null)");
    }

    #[test]
    fn syslog_datagram() {
        let d = Syslog::datagram(4, "Warning x");
        assert!(d.starts_with("<12>ksec["), "{d}");
        assert!(d.ends_with("]: Warning x"));
    }

    #[test]
    fn file_and_program() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("alerts.log");
        std::fs::write(&path, "before\n").unwrap();
        let got = dir.path().join("got.txt");
        let mut outs = Outputs {
            format: Format {
                json: true,
                iso8601: false,
            },
            file: Some(Outputs::open_file(&path).unwrap()),
            program: Some(Program::new(&format!("cat >> {}", got.display()))),
            ..Outputs::default()
        };
        outs.send(&alert()).unwrap();
        outs.send(&alert()).unwrap();
        drop(outs);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 3, "appended: {text}");
        let piped = std::fs::read_to_string(&got).unwrap();
        assert_eq!(piped.lines().count(), 2);
        let j: Json = serde_json::from_str(piped.lines().next().unwrap()).unwrap();
        assert_eq!(j["rule"], "open_from_cat");
    }
}
