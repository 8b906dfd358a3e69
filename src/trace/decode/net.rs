//! Decoders of the net family (see [`super`] for how a decoder works).
#![forbid(unsafe_code)]

use super::Decoder;

/// The decoder of syscall `name`, if this family has one.
pub fn lookup(name: &str) -> Option<Decoder> {
    // The family's decoders go here: `"read" => Some(read),`.
    let _ = name;
    None
}

/// What `-yy` prints between the angle brackets for the socket with inode `inode` of task
/// `tid` (`TCP:[127.0.0.1:43826->127.0.0.1:2379]`); None when it cannot be told.
pub fn socket_target(
    proc_root: &crate::proc::root::ProcRoot,
    tid: i32,
    inode: u64,
) -> Option<String> {
    let _ = (proc_root, tid, inode);
    None
}
