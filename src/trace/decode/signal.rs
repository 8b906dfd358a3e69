//! Decoders of the signal family (see [`super`] for how a decoder works), signal names, and
//! the siginfo of a `--- SIGCHLD {si_signo=SIGCHLD, ...} ---` line.
#![forbid(unsafe_code)]

use super::{Decoder, Value};

/// The decoder of syscall `name`, if this family has one.
pub fn lookup(name: &str) -> Option<Decoder> {
    // The family's decoders go here: `"read" => Some(read),`.
    let _ = name;
    None
}

/// The kernel's first real-time signal (strace's ASM_SIGRTMIN: glibc's SIGRTMIN is 34).
const ASM_SIGRTMIN: i32 = 32;

/// A signal's name as strace prints it: `SIGCHLD`, `SIGRTMIN`, `SIGRT_2`; None for a number
/// that is no signal.
pub fn name(sig: i32) -> Option<String> {
    match sig {
        ASM_SIGRTMIN => Some("SIGRTMIN".to_string()),
        s if s > ASM_SIGRTMIN && s <= libc::SIGRTMAX() => {
            Some(format!("SIGRT_{}", s - ASM_SIGRTMIN))
        }
        s => nix::sys::signal::Signal::try_from(s)
            .ok()
            .map(|s| s.as_str().to_string()),
    }
}

/// A signal as an argument: its name, else the number.
pub fn value(sig: i32) -> Value {
    match name(sig) {
        Some(n) => Value::Sym(n),
        None => Value::Int(sig as i64),
    }
}

/// The siginfo of a signal-delivery stop (the kernel's 128 bytes) as strace prints it in
/// braces.
pub fn siginfo(raw: &[u8; 128]) -> Value {
    let signo = i32::from_ne_bytes(raw[0..4].try_into().unwrap_or_default());
    Value::fields(vec![("si_signo", value(signo))])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_strace() {
        assert_eq!(name(libc::SIGCHLD).as_deref(), Some("SIGCHLD"));
        assert_eq!(name(32).as_deref(), Some("SIGRTMIN"));
        assert_eq!(name(34).as_deref(), Some("SIGRT_2"));
        assert_eq!(name(0), None);
    }
}
