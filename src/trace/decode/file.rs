//! Decoders of the file family (see [`super`] for how a decoder works): open, stat, fcntl,
//! ioctl and the other calls on paths and fds.
#![forbid(unsafe_code)]

use super::{Ctx, Decoder, Step};

/// The decoder of syscall `name`, if this family has one.
pub fn lookup(name: &str) -> Option<Decoder> {
    match name {
        "close" => Some(close),
        _ => None,
    }
}

/// `close(3)`.
fn close(c: &mut Ctx<'_>) -> Step {
    let fd = c.fd_arg(0);
    c.arg(fd);
    Step::Done
}

#[cfg(test)]
mod tests {
    use crate::trace::decode::testing::*;
    use crate::trace::decode::{FdDecode, FdTarget, Opts, Ret};

    #[test]
    fn close_prints_its_fd() {
        let mut fds = FakeFds::default();
        fds.0.insert(
            3,
            FdTarget::Path {
                path: b"/etc/passwd".to_vec(),
                deleted: false,
            },
        );
        let ok = Some(Ret {
            val: 0,
            is_error: false,
        });
        let opts = Opts::default();
        let mut mem = FakeMem::default();
        assert_eq!(
            line("close", [3, 0, 0, 0, 0, 0], ok, &opts, &mut mem, &mut fds),
            "close(3) = 0"
        );
        let opts = Opts {
            fds: FdDecode::Path,
            ..Default::default()
        };
        assert_eq!(
            line("close", [3, 0, 0, 0, 0, 0], ok, &opts, &mut mem, &mut fds),
            "close(3</etc/passwd>) = 0"
        );
    }
}
