//! The ioctl decoder (part of the file family, asked by [`super::file::lookup`]): the
//! command by strace's name for the terminal ('T') commands (`TCGETS`, `TIOCGWINSZ`,
//! `FIONREAD`...), as strace's `_IOC(_IOC_READ, 0x12, 0x34, 0x8)` for a command it does not
//! know; the terminal commands' arguments as strace 6.1's `term_ioctl` prints them (termios,
//! winsize, `[pgrp]`...), any other command's argument in hex.
//!
//! strace knows the names of some 2700 ioctls of every driver; this decoder knows the
//! terminal ones and prints the others in the `_IOC(...)` form.
#![forbid(unsafe_code)]

use super::file::flags_or;
use super::xlat::{self, Table};
use super::{Ctx, Decoder, Step, Value};

/// The decoder of syscall `name`: ioctl.
pub fn lookup(name: &str) -> Option<Decoder> {
    match name {
        "ioctl" => Some(ioctl),
        _ => None,
    }
}

macro_rules! codes {
    ($($c:ident),* $(,)?) => {
        &[$((libc::$c as u32 as u64, stringify!($c))),*]
    };
}

/// OSS's timer commands that share TCSETS's numbers (include/uapi/linux/soundcard.h:
/// `_SIO('T', 2..4)`): strace prints both names, `SNDCTL_TMR_START or TCSETS`.
const SNDCTL_TMR_START: u64 = 0x5402;
const SNDCTL_TMR_STOP: u64 = 0x5403;
const SNDCTL_TMR_CONTINUE: u64 = 0x5404;

/// Command names, sorted by code then name as strace's table is (all names of a code are
/// printed, joined by ` or `).
const NAMES: &Table = codes![
    TCGETS,
    TCSETS,
    TCSETSW,
    TCSETSF,
    TCGETA,
    TCSETA,
    TCSETAW,
    TCSETAF,
    TCSBRK,
    TCXONC,
    TCFLSH,
    TIOCEXCL,
    TIOCNXCL,
    TIOCSCTTY,
    TIOCGPGRP,
    TIOCSPGRP,
    TIOCOUTQ,
    TIOCSTI,
    TIOCGWINSZ,
    TIOCSWINSZ,
    TIOCMGET,
    TIOCMBIS,
    TIOCMBIC,
    TIOCMSET,
    TIOCGSOFTCAR,
    TIOCSSOFTCAR,
    FIONREAD,
    TIOCLINUX,
    TIOCCONS,
    TIOCGSERIAL,
    TIOCSSERIAL,
    TIOCPKT,
    FIONBIO,
    TIOCNOTTY,
    TIOCSETD,
    TIOCGETD,
    TCSBRKP,
    TIOCSBRK,
    TIOCCBRK,
    TIOCGSID,
    TCGETS2,
    TCSETS2,
    TCSETSW2,
    TCSETSF2,
    TIOCGRS485,
    TIOCSRS485,
    TIOCGPTN,
    TIOCSPTLCK,
    TIOCGDEV,
    TCGETX,
    TCSETX,
    TCSETXF,
    TCSETXW,
    TIOCSIG,
    TIOCVHANGUP,
    TIOCGPKT,
    TIOCGPTLCK,
    TIOCGEXCL,
    TIOCGPTPEER,
    FIONCLEX,
    FIOCLEX,
    FIOASYNC,
    TIOCSERCONFIG,
    TIOCSERGWILD,
    TIOCSERSWILD,
    TIOCGLCKTRMIOS,
    TIOCSLCKTRMIOS,
    TIOCSERGSTRUCT,
    TIOCSERGETLSR,
    TIOCSERGETMULTI,
    TIOCSERSETMULTI,
    TIOCMIWAIT,
    TIOCGICOUNT,
    FIOQSIZE,
];

/// The names of `code`, sorted (`SNDCTL_TMR_START or TCSETS`).
fn names(code: u64) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = NAMES
        .iter()
        .filter(|(c, _)| *c == code)
        .map(|(_, n)| *n)
        .collect();
    for (c, n) in [
        (SNDCTL_TMR_START, "SNDCTL_TMR_START"),
        (SNDCTL_TMR_STOP, "SNDCTL_TMR_STOP"),
        (SNDCTL_TMR_CONTINUE, "SNDCTL_TMR_CONTINUE"),
    ] {
        if c == code {
            v.push(n);
        }
    }
    v.sort_unstable();
    v
}

/// `ioctl_dirs`.
const DIRS: &Table = &[(0, "_IOC_NONE"), (2, "_IOC_READ"), (1, "_IOC_WRITE")];

/// The command as strace prints it: its names, or `_IOC(dir, type, nr, size)`.
fn command(code: u64) -> Value {
    let n = names(code);
    if !n.is_empty() {
        return Value::sym(n.join(" or "));
    }
    // include/uapi/asm-generic/ioctl.h: nr 8 bits, type 8, size 14, dir 2.
    let nr = code & 0xff;
    let ty = (code >> 8) & 0xff;
    let size = (code >> 16) & 0x3fff;
    let dir = (code >> 30) & 3;
    Value::Call(
        "_IOC",
        vec![
            flags_or(dir, DIRS, "_IOC_???"),
            Value::Hex(ty),
            Value::Hex(nr),
            Value::Hex(size),
        ],
    )
}

// --- termios (include/uapi/asm-generic/termbits.h). ---

/// `struct termios` (kernel): four u32 flags, c_line, c_cc[19]; `struct termios2` adds the
/// two speeds; `struct termio`: four u16 flags, c_line, c_cc[8].
const TERMIOS_SIZE: usize = 36;
const TERMIOS2_SIZE: usize = 44;
const TERMIO_SIZE: usize = 18;
const NCCS: usize = 19;
const NCC: usize = 8;

const IFLAGS: &Table = crate::xlat![
    IGNBRK, BRKINT, IGNPAR, PARMRK, INPCK, ISTRIP, INLCR, IGNCR, ICRNL, IUCLC, IXON, IXANY, IXOFF,
    IMAXBEL, IUTF8,
];
const OFLAGS: &Table = crate::xlat![XTABS, OPOST, OLCUC, ONLCR, OCRNL, ONOCR, ONLRET, OFILL, OFDEL];
const NLDLY: &Table = crate::xlat![NL0, NL1];
const CRDLY: &Table = crate::xlat![CR0, CR1, CR2, CR3];
const TABDLY: &Table = crate::xlat![XTABS, TAB0, TAB1, TAB2, TAB3];
const BSDLY: &Table = crate::xlat![BS1, BS0];
const VTDLY: &Table = crate::xlat![VT0, VT1];
const FFDLY: &Table = crate::xlat![FF0, FF1];
const CFLAGS: &Table = crate::xlat![CSTOPB, CREAD, PARENB, PARODD, HUPCL, CLOCAL, CMSPAR, CRTSCTS];
const CSIZE: &Table = crate::xlat![CS5, CS6, CS7, CS8];
const LFLAGS: &Table = crate::xlat![
    ISIG, ICANON, XCASE, ECHO, ECHOE, ECHOK, ECHONL, NOFLSH, IEXTEN, ECHOCTL, ECHOPRT, ECHOKE,
    FLUSHO, PENDIN, TOSTOP, EXTPROC,
];
const BAUDS: &Table = crate::xlat![
    B0, B50, B75, B110, B134, B150, B200, B300, B600, B1200, B1800, B2400, B4800, B9600, B19200,
    B38400, B57600, B115200, B230400, B460800, B500000, B576000, B921600, B1000000, B1152000,
    B1500000, B2000000, B2500000, B3000000, B3500000, B4000000, BOTHER,
];
/// `termios_cc`: the c_cc indices by name.
const CC: &Table = crate::xlat![
    VINTR, VQUIT, VERASE, VKILL, VEOL2, VSWTC, VSTART, VSTOP, VSUSP, VREPRINT, VDISCARD, VWERASE,
    VLNEXT, VMIN, VTIME, VEOF, VEOL,
];
/// `term_line_discs` (include/uapi/linux/tty.h).
const LINE_DISCS: &Table = crate::xlat![
    (0, "N_TTY"),
    (1, "N_SLIP"),
    (2, "N_MOUSE"),
    (3, "N_PPP"),
    (4, "N_STRIP"),
    (5, "N_AX25"),
    (6, "N_X25"),
    (7, "N_6PACK"),
    (8, "N_MASC"),
    (9, "N_R3964"),
    (10, "N_PROFIBUS_FDL"),
    (11, "N_IRDA"),
    (12, "N_SMSBLOCK"),
    (13, "N_HDLC"),
    (14, "N_SYNC_PPP"),
    (15, "N_HCI"),
    (16, "N_GIGASET_M101"),
    (17, "N_SLCAN"),
    (18, "N_PPS"),
    (19, "N_V253"),
    (20, "N_CAIF"),
    (21, "N_GSM0710"),
    (22, "N_TI_WL"),
    (23, "N_TRACESINK"),
    (24, "N_TRACEROUTER"),
    (25, "N_NCI"),
    (26, "N_SPEAKUP"),
    (27, "N_NULL"),
];
const TCXONC_OPTS: &Table = crate::xlat![TCOOFF, TCOON, TCIOFF, TCION];
const TCFLSH_OPTS: &Table = crate::xlat![TCIFLUSH, TCOFLUSH, TCIOFLUSH];
/// `modem_flags` (TIOCM_OUT1/OUT2/LOOP: include/uapi/asm-generic/termios.h).
const MODEM: &Table = crate::xlat![
    TIOCM_LE,
    TIOCM_DTR,
    TIOCM_RTS,
    TIOCM_ST,
    TIOCM_SR,
    TIOCM_CTS,
    TIOCM_CAR,
    TIOCM_RNG,
    TIOCM_DSR,
    (0x2000, "TIOCM_OUT1"),
    (0x4000, "TIOCM_OUT2"),
    (0x8000, "TIOCM_LOOP"),
];

/// strace's `printflags(table, v, NULL)`: nothing at all for 0 when no name is 0.
fn flag_part(v: u64, table: &Table) -> Vec<String> {
    let n = xlat::flag_names(v, table);
    if n.is_empty() {
        vec![String::new()]
    } else {
        n
    }
}

/// strace's `printxval(table, v, dflt)` as a part of an `|` list.
fn xval_part(v: u64, table: &Table, dflt: &str) -> String {
    match xlat::name(v, table) {
        Some(n) => n.to_string(),
        None => format!("{v:#x} /* {dflt} */"),
    }
}

/// The four flag words, as strace's `decode_flags`.
fn term_flags(i: u64, o: u64, cf: u64, l: u64) -> Vec<(&'static str, Value)> {
    let iflag = Value::Flags(flag_part(i, IFLAGS));
    let mut op = Vec::new();
    let mut o = o;
    for (t, mask, d) in [
        (NLDLY, libc::NLDLY as u64, "NL?"),
        (CRDLY, libc::CRDLY as u64, "CR?"),
        (TABDLY, libc::TABDLY as u64, "TAB?"),
        (BSDLY, libc::BSDLY as u64, "BS?"),
        (VTDLY, libc::VTDLY as u64, "VT?"),
        (FFDLY, libc::FFDLY as u64, "FF?"),
    ] {
        op.push(xval_part(o & mask, t, d));
        o &= !mask;
    }
    op.extend(flag_part(o, OFLAGS));
    let mut cp = vec![xval_part(cf & libc::CBAUD as u64, BAUDS, "B???")];
    let cibaud = libc::CIBAUD as u64;
    if cf & cibaud != 0 {
        let ib = (cf & cibaud) >> libc::IBSHIFT;
        cp.push(format!("{}<<IBSHIFT", xval_part(ib, BAUDS, "B???")));
    }
    cp.push(xval_part(cf & libc::CSIZE as u64, CSIZE, "CS?"));
    cp.extend(flag_part(
        cf & !(libc::CBAUD as u64 | cibaud | libc::CSIZE as u64),
        CFLAGS,
    ));
    vec![
        ("c_iflag", iflag),
        ("c_oflag", Value::Flags(op)),
        ("c_cflag", Value::Flags(cp)),
        ("c_lflag", Value::Flags(flag_part(l, LFLAGS))),
    ]
}

/// `c_cc=[[VINTR]=0x3, ..., [17]=0]`.
fn term_cc(cc: &[u8]) -> Value {
    let items = cc
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            let idx = match xlat::name(i as u64, CC) {
                Some(n) => n.to_string(),
                None => i.to_string(),
            };
            Value::Raw(format!(
                "[{idx}]={}",
                Value::Hex(b as u64).text(Default::default())
            ))
        })
        .collect();
    Value::array(items)
}

/// What kind of terminal struct an ioctl takes.
#[derive(Clone, Copy)]
enum Term {
    Termios,
    Termios2,
    Termio,
}

fn termios(c: &mut Ctx<'_>, addr: u64, kind: Term) -> Value {
    if c.failed() {
        return Value::Ptr(addr);
    }
    let size = match kind {
        Term::Termios => TERMIOS_SIZE,
        Term::Termios2 => TERMIOS2_SIZE,
        Term::Termio => TERMIO_SIZE,
    };
    let Some(b) = c.read(addr, size) else {
        return Value::Ptr(addr);
    };
    let u32_at = |o: usize| u32::from_ne_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]) as u64;
    let u16_at = |o: usize| u16::from_ne_bytes([b[o], b[o + 1]]) as u64;
    let (flags, line_at) = match kind {
        Term::Termio => ([u16_at(0), u16_at(2), u16_at(4), u16_at(6)], 8),
        _ => ([u32_at(0), u32_at(4), u32_at(8), u32_at(12)], 16),
    };
    let mut fields = term_flags(flags[0], flags[1], flags[2], flags[3]);
    if !c.opts.verbose {
        return Value::Struct { fields, more: true };
    }
    fields.push((
        "c_line",
        xlat::enumerated(b[line_at] as u64, LINE_DISCS, "N_???"),
    ));
    let ncc = match kind {
        Term::Termio => NCC,
        _ => NCCS,
    };
    fields.push(("c_cc", term_cc(&b[line_at + 1..line_at + 1 + ncc])));
    if let Term::Termios2 = kind {
        fields.push(("c_ispeed", Value::Uint(u32_at(36))));
        fields.push(("c_ospeed", Value::Uint(u32_at(40))));
    }
    Value::fields(fields)
}

fn winsize(c: &mut Ctx<'_>, addr: u64) -> Value {
    if c.failed() {
        return Value::Ptr(addr);
    }
    match c.read(addr, 8) {
        None => Value::Ptr(addr),
        Some(b) => {
            let u = |i: usize| Value::Uint(u16::from_ne_bytes([b[i], b[i + 1]]) as u64);
            Value::fields(vec![
                ("ws_row", u(0)),
                ("ws_col", u(2)),
                ("ws_xpixel", u(4)),
                ("ws_ypixel", u(6)),
            ])
        }
    }
}

/// strace's `printnum_int`: `[5]`, or the address.
fn int_at(c: &mut Ctx<'_>, addr: u64) -> Value {
    if c.failed() {
        return Value::Ptr(addr);
    }
    match c.read_i32(addr) {
        Some(v) => Value::boxed(Value::Int(v as i64)),
        None => Value::Ptr(addr),
    }
}

fn modem(c: &mut Ctx<'_>, addr: u64) -> Value {
    if c.failed() {
        return Value::Ptr(addr);
    }
    match c.read_u32(addr) {
        Some(v) => Value::boxed(flags_or(v as u64, MODEM, "TIOCM_???")),
        None => Value::Ptr(addr),
    }
}

/// How a terminal command's argument is printed: at entry, at exit, not at all, or (an
/// unknown command) in hex.
enum Arg {
    Entry,
    Exit,
    None,
    Hex,
}

fn when(code: u64) -> Arg {
    let is = |set: &[libc::Ioctl]| set.iter().any(|&x| x as u32 as u64 == code);
    if is(&[
        libc::TCGETS,
        libc::TIOCGLCKTRMIOS,
        libc::TCGETS2,
        libc::TCGETA,
        libc::TIOCGWINSZ,
        libc::TIOCMGET,
        libc::TIOCGPGRP,
        libc::TIOCGSID,
        libc::TIOCGETD,
        libc::TIOCGSOFTCAR,
        libc::TIOCGPTN,
        libc::FIONREAD,
        libc::TIOCOUTQ,
        libc::TIOCGEXCL,
        libc::TIOCGDEV,
    ]) {
        Arg::Exit
    } else if is(&[
        libc::TCSETS,
        libc::TCSETSW,
        libc::TCSETSF,
        libc::TIOCSLCKTRMIOS,
        libc::TCSETS2,
        libc::TCSETSW2,
        libc::TCSETSF2,
        libc::TCSETA,
        libc::TCSETAW,
        libc::TCSETAF,
        libc::TIOCSWINSZ,
        libc::TCXONC,
        libc::TCFLSH,
        libc::TCSBRK,
        libc::TCSBRKP,
        libc::TIOCSCTTY,
        libc::TIOCMBIS,
        libc::TIOCMBIC,
        libc::TIOCMSET,
        libc::TIOCSPGRP,
        libc::TIOCSETD,
        libc::FIONBIO,
        libc::FIOASYNC,
        libc::TIOCPKT,
        libc::TIOCSSOFTCAR,
        libc::TIOCSPTLCK,
        libc::TIOCSTI,
    ]) {
        Arg::Entry
    } else if is(&[
        libc::TIOCSBRK,
        libc::TIOCCBRK,
        libc::TIOCCONS,
        libc::TIOCNOTTY,
        libc::TIOCEXCL,
        libc::TIOCNXCL,
        libc::FIOCLEX,
        libc::FIONCLEX,
        libc::TIOCVHANGUP,
        libc::TIOCSSERIAL,
    ]) {
        Arg::None
    } else {
        Arg::Hex
    }
}

/// The argument of terminal command `code` (known to need printing now).
fn term_arg(c: &mut Ctx<'_>, code: u64) -> Value {
    let arg = c.args[2];
    let is = |x: libc::Ioctl| x as u32 as u64 == code;
    if is(libc::TCGETS)
        || is(libc::TIOCGLCKTRMIOS)
        || is(libc::TCSETS)
        || is(libc::TCSETSW)
        || is(libc::TCSETSF)
        || is(libc::TIOCSLCKTRMIOS)
    {
        termios(c, arg, Term::Termios)
    } else if is(libc::TCGETS2) || is(libc::TCSETS2) || is(libc::TCSETSW2) || is(libc::TCSETSF2) {
        termios(c, arg, Term::Termios2)
    } else if is(libc::TCGETA) || is(libc::TCSETA) || is(libc::TCSETAW) || is(libc::TCSETAF) {
        termios(c, arg, Term::Termio)
    } else if is(libc::TIOCGWINSZ) || is(libc::TIOCSWINSZ) {
        winsize(c, arg)
    } else if is(libc::TCXONC) {
        xlat::enumerated(arg, TCXONC_OPTS, "TC???")
    } else if is(libc::TCFLSH) {
        xlat::enumerated(arg, TCFLSH_OPTS, "TC???")
    } else if is(libc::TCSBRK) || is(libc::TCSBRKP) || is(libc::TIOCSCTTY) {
        Value::Int(arg as i32 as i64)
    } else if is(libc::TIOCMGET) || is(libc::TIOCMBIS) || is(libc::TIOCMBIC) || is(libc::TIOCMSET) {
        modem(c, arg)
    } else if is(libc::TIOCSTI) {
        c.buf(arg, 1)
    } else {
        int_at(c, arg)
    }
}

fn ioctl(c: &mut Ctx<'_>) -> Step {
    let code = c.uint(1) as u64;
    if c.exiting() {
        let v = term_arg(c, code);
        c.arg(v);
        return Step::Done;
    }
    let fd = c.fd_arg(0);
    c.arg(fd);
    c.arg(command(code));
    // Only the 'T' commands are decoded (strace's term_ioctl); others print in hex.
    let term = (code >> 8) & 0xff == b'T' as u64;
    match if term { when(code) } else { Arg::Hex } {
        Arg::Entry => {
            let v = term_arg(c, code);
            c.arg(v);
        }
        Arg::Exit => return Step::Exit,
        Arg::None => {}
        Arg::Hex => c.arg(Value::Hex(c.args[2])),
    }
    Step::Done
}

#[cfg(test)]
mod tests {
    use crate::trace::decode::testing::*;
    use crate::trace::decode::{NoFdNames, Opts, Ret};

    fn ok(v: i64) -> Option<Ret> {
        Some(Ret {
            val: v,
            is_error: false,
        })
    }

    fn enotty() -> Option<Ret> {
        Some(Ret {
            val: -(libc::ENOTTY as i64),
            is_error: true,
        })
    }

    fn run(args: [u64; 6], ret: Option<Ret>, o: &Opts, mem: &mut FakeMem) -> String {
        line("ioctl", args, ret, o, mem, &mut NoFdNames)
    }

    /// The termios of a pty as stty left it (checked against strace on this machine).
    fn pty_termios() -> Vec<u8> {
        let mut b = Vec::new();
        for w in [0x500u32, 0x5, 0xbf, 0x8a3b] {
            b.extend_from_slice(&w.to_ne_bytes());
        }
        b.push(0);
        b.extend_from_slice(&[
            0x3, 0x1c, 0x7f, 0x15, 0x4, 0, 0x1, 0, 0x11, 0x13, 0x1a, 0, 0x12, 0xf, 0x17, 0x16, 0,
            0, 0,
        ]);
        b
    }

    #[test]
    fn tcgets_abbreviated_verbose_and_failed() {
        let mut mem = FakeMem::default();
        mem.put(0x1000, &pty_termios());
        let o = Opts::default();
        let code = libc::TCGETS as u32 as u64;
        assert_eq!(
            run([0, code, 0x1000, 0, 0, 0], ok(0), &o, &mut mem),
            "ioctl(0, TCGETS, {c_iflag=ICRNL|IXON, c_oflag=NL0|CR0|TAB0|BS0|VT0|FF0|OPOST|ONLCR, c_cflag=B38400|CS8|CREAD, c_lflag=ISIG|ICANON|ECHO|ECHOE|ECHOK|IEXTEN|ECHOCTL|ECHOKE, ...}) = 0"
        );
        let v = Opts {
            verbose: true,
            ..Default::default()
        };
        assert_eq!(
            run([0, code, 0x1000, 0, 0, 0], ok(0), &v, &mut mem),
            "ioctl(0, TCGETS, {c_iflag=ICRNL|IXON, c_oflag=NL0|CR0|TAB0|BS0|VT0|FF0|OPOST|ONLCR, c_cflag=B38400|CS8|CREAD, c_lflag=ISIG|ICANON|ECHO|ECHOE|ECHOK|IEXTEN|ECHOCTL|ECHOKE, c_line=N_TTY, c_cc=[[VINTR]=0x3, [VQUIT]=0x1c, [VERASE]=0x7f, [VKILL]=0x15, [VEOF]=0x4, [VTIME]=0, [VMIN]=0x1, [VSWTC]=0, [VSTART]=0x11, [VSTOP]=0x13, [VSUSP]=0x1a, [VEOL]=0, [VREPRINT]=0x12, [VDISCARD]=0xf, [VWERASE]=0x17, [VLNEXT]=0x16, [VEOL2]=0, [17]=0, [18]=0]}) = 0"
        );
        assert_eq!(
            run([1, code, 0x7ffd0000, 0, 0, 0], enotty(), &o, &mut mem),
            "ioctl(1, TCGETS, 0x7ffd0000) = -1 ENOTTY (Inappropriate ioctl for device)"
        );
        assert_eq!(
            run([0, libc::TCSETSW as u32 as u64, 0x1000, 0, 0, 0], ok(0), &o, &mut mem),
            "ioctl(0, SNDCTL_TMR_STOP or TCSETSW, {c_iflag=ICRNL|IXON, c_oflag=NL0|CR0|TAB0|BS0|VT0|FF0|OPOST|ONLCR, c_cflag=B38400|CS8|CREAD, c_lflag=ISIG|ICANON|ECHO|ECHOE|ECHOK|IEXTEN|ECHOCTL|ECHOKE, ...}) = 0"
        );
    }

    #[test]
    fn ints_winsize_and_unknown_commands() {
        let mut mem = FakeMem::default();
        mem.put(0x1000, &5i32.to_ne_bytes());
        mem.put(0x2000, &[24, 0, 80, 0, 0, 0, 0, 0]);
        let o = Opts::default();
        assert_eq!(
            run(
                [3, libc::FIONREAD as u32 as u64, 0x1000, 0, 0, 0],
                ok(0),
                &o,
                &mut mem
            ),
            "ioctl(3, FIONREAD, [5]) = 0"
        );
        assert_eq!(
            run(
                [3, libc::FIONBIO as u32 as u64, 0x1000, 0, 0, 0],
                ok(0),
                &o,
                &mut mem
            ),
            "ioctl(3, FIONBIO, [5]) = 0"
        );
        assert_eq!(
            run(
                [3, libc::FIOCLEX as u32 as u64, 0, 0, 0, 0],
                ok(0),
                &o,
                &mut mem
            ),
            "ioctl(3, FIOCLEX) = 0"
        );
        assert_eq!(
            run(
                [1, libc::TIOCGWINSZ as u32 as u64, 0x2000, 0, 0, 0],
                ok(0),
                &o,
                &mut mem
            ),
            "ioctl(1, TIOCGWINSZ, {ws_row=24, ws_col=80, ws_xpixel=0, ws_ypixel=0}) = 0"
        );
        assert_eq!(
            run(
                [3, libc::TIOCSWINSZ as u32 as u64, 0, 0, 0, 0],
                enotty(),
                &o,
                &mut mem
            ),
            "ioctl(3, TIOCSWINSZ, NULL) = -1 ENOTTY (Inappropriate ioctl for device)"
        );
        assert_eq!(
            run(
                [3, libc::TCFLSH as u32 as u64, 0, 0, 0, 0],
                enotty(),
                &o,
                &mut mem
            ),
            "ioctl(3, TCFLSH, TCIFLUSH) = -1 ENOTTY (Inappropriate ioctl for device)"
        );
        assert_eq!(
            run([3, 0x1234, 0, 0, 0, 0], enotty(), &o, &mut mem),
            "ioctl(3, _IOC(_IOC_NONE, 0x12, 0x34, 0), 0) = -1 ENOTTY (Inappropriate ioctl for device)"
        );
        assert_eq!(
            run([3, 0xc0105512, 0x7f00, 0, 0, 0], enotty(), &o, &mut mem),
            "ioctl(3, _IOC(_IOC_READ|_IOC_WRITE, 0x55, 0x12, 0x10), 0x7f00) = -1 ENOTTY (Inappropriate ioctl for device)"
        );
        assert_eq!(
            run([3, 0x5426, 0, 0, 0, 0], enotty(), &o, &mut mem),
            "ioctl(3, _IOC(_IOC_NONE, 0x54, 0x26, 0), 0) = -1 ENOTTY (Inappropriate ioctl for device)"
        );
    }
}
