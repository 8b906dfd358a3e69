//! Runs the fallback source of `ksec watch` for SECS seconds and prints what it saw, for
//! bench/fallback.sh: `fallback_count SECS DIR EXE_NAME` counts every exec, the execs whose
//! exe ends in `/EXE_NAME` (argv read) and the partial ones (gone before /proc was read), and
//! the write and read events of files under DIR.

use std::time::{Duration, Instant};

use ksec::watch::event::{Kind, Source};
use ksec::watch::fallback::{FallbackConfig, FallbackSource};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, secs, dir, name] = &args[..] else {
        anyhow::bail!("usage: fallback_count SECS DIR EXE_NAME");
    };
    let secs: u64 = secs.parse()?;
    let suffix = format!("/{name}");
    let under = format!("{}/", dir.trim_end_matches('/'));
    let mut src = FallbackSource::start(&FallbackConfig::default())?;
    println!("ready");
    let (mut execs, mut named, mut partial, mut writes, mut reads) = (0, 0, 0, 0, 0);
    let end = Instant::now() + Duration::from_secs(secs);
    let mut out = Vec::new();
    while let Some(left) = end.checked_duration_since(Instant::now()) {
        src.poll(&mut out, left.min(Duration::from_millis(200)))?;
        for e in out.drain(..) {
            match &e.kind {
                Kind::Exec { exe, argv, .. } => {
                    execs += 1;
                    if exe.ends_with(suffix.as_bytes()) {
                        named += 1;
                    }
                    if argv.is_empty() {
                        partial += 1;
                    }
                }
                Kind::Open {
                    resolved: Some(r),
                    write: Some(w),
                    ..
                } if r.starts_with(under.as_bytes()) => {
                    if *w {
                        writes += 1
                    } else {
                        reads += 1
                    }
                }
                _ => {}
            }
        }
    }
    println!(
        "execs {execs} named {named} partial {partial} writes {writes} reads {reads} lost {}",
        src.lost().total()
    );
    Ok(())
}
