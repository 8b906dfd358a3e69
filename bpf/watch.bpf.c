// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// ksec watch's eBPF event source: what every task on the node but ksec itself does that
// Falco's rules look at, as variable-size records in one ring buffer.
//
// Attached to raw tracepoints (no tracefs mount needed):
// - sys_enter keeps the arguments of the watched syscalls per tid (`inflight`); for every other
//   syscall the program is a switch on the number and returns;
// - sys_exit reads what the call passed (paths, socket addresses, open_how) from the saved
//   pointers, where the call has just paged them in, and sends the result: open, openat,
//   openat2, creat, connect, accept, accept4, ptrace, the set*id calls, and failed execs;
//   sendto, sendmsg, recvfrom, recvmsg only as far as the loaded rules want them (net_filter,
//   see "Datagrams and received data" below);
// - sched_process_exec sends a successful exec: argv read from the new mm (arg_start..arg_end,
//   so a program that exits at once is complete), the binprm's file name, ppid, tty, creds;
// - sched_process_fork sends the child; sched_process_exit sends a process's end (its last
//   thread's exit code, a wait status) and drops what a dying thread left in flight.
//
// Times are bpf_ktime_get_boot_ns (CLOCK_BOOTTIME, which counts suspend): ksec adds the offset
// of CLOCK_REALTIME to it measured when it starts. What cannot be sent is counted, never lost
// silently: a full ring buffer in lost.ring_full, a full `inflight` map in lost.in_flight.
// Only the x86-64 syscall table is watched (32-bit compat calls are not).
//
// Built by bpf/build.sh into bpf/watch.bpf.o (committed); src/watch/ebpf.rs loads it with aya.
// The record layouts below are mirrored in src/sys/watch_bpf.rs: keep them in step.

#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s32 s32;
typedef __s64 s64;

// Just the kernel fields read here; CO-RE relocates them against the running kernel's BTF.
typedef struct {
	int counter;
} atomic_t;

typedef struct {
	unsigned int val;
} kuid_t;

typedef struct {
	unsigned int val;
} kgid_t;

struct cred {
	kuid_t uid;
	kgid_t gid;
	kuid_t euid;
	kgid_t egid;
} __attribute__((preserve_access_index));

struct tty_driver {
	int major;
	int minor_start;
} __attribute__((preserve_access_index));

struct tty_struct {
	struct tty_driver *driver;
	int index;
} __attribute__((preserve_access_index));

struct pid_namespace;

struct upid {
	int nr;
	struct pid_namespace *ns;
} __attribute__((preserve_access_index));

struct pid {
	unsigned int level;
	struct upid numbers[1];
} __attribute__((preserve_access_index));

#define PIDTYPE_TGID 1
#define PIDTYPE_PGID 2
#define PIDTYPE_SID 3

struct signal_struct {
	atomic_t live;
	struct tty_struct *tty;
	struct pid *pids[4];
} __attribute__((preserve_access_index));

struct mm_struct {
	unsigned long arg_start;
	unsigned long arg_end;
} __attribute__((preserve_access_index));

// The inode times as kernels since 6.11 keep them (the seconds and nanoseconds apart); on an
// older kernel bpf_core_field_exists says they are not there and they are sent as 0.
struct inode {
	unsigned long i_ino;
	s64 i_mtime_sec;
	s64 i_ctime_sec;
	u32 i_mtime_nsec;
	u32 i_ctime_nsec;
} __attribute__((preserve_access_index));

struct qstr {
	const unsigned char *name;
} __attribute__((preserve_access_index));

struct dentry {
	struct dentry *d_parent;
	struct qstr d_name;
} __attribute__((preserve_access_index));

struct vfsmount {
	struct dentry *mnt_root;
} __attribute__((preserve_access_index));

struct mount {
	struct mount *mnt_parent;
	struct dentry *mnt_mountpoint;
	struct vfsmount mnt;
} __attribute__((preserve_access_index));

struct path {
	struct vfsmount *mnt;
	struct dentry *dentry;
} __attribute__((preserve_access_index));

struct fs_struct {
	struct path root;
	struct path pwd;
} __attribute__((preserve_access_index));

struct file {
	void *private_data;
	struct inode *f_inode;
	struct path f_path;
} __attribute__((preserve_access_index));

struct fdtable {
	unsigned int max_fds;
	struct file **fd;
} __attribute__((preserve_access_index));

struct files_struct {
	struct fdtable *fdt;
} __attribute__((preserve_access_index));

struct ns_common {
	unsigned int inum;
} __attribute__((preserve_access_index));

struct mnt_namespace {
	struct ns_common ns;
} __attribute__((preserve_access_index));

struct nsproxy {
	struct mnt_namespace *mnt_ns;
} __attribute__((preserve_access_index));

struct task_struct {
	int pid;
	int tgid;
	int exit_code;
	struct nsproxy *nsproxy;
	struct task_struct *real_parent;
	struct signal_struct *signal;
	const struct cred *cred;
	kuid_t loginuid;
	struct mm_struct *mm;
	struct files_struct *files;
	struct pid *thread_pid;
	u64 start_boottime;
	struct fs_struct *fs;
} __attribute__((preserve_access_index));

struct pid_namespace {
	struct task_struct *child_reaper;
} __attribute__((preserve_access_index));

struct linux_binprm {
	const char *filename;
	struct file *file;
} __attribute__((preserve_access_index));

struct in6_addr {
	u8 s6_addr[16];
} __attribute__((preserve_access_index));

struct sock_common {
	u32 skc_daddr;
	u32 skc_rcv_saddr;
	u16 skc_dport;
	u16 skc_num;
	unsigned short skc_family;
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
} __attribute__((preserve_access_index));

struct sock {
	struct sock_common __sk_common;
} __attribute__((preserve_access_index));

struct socket {
	struct sock *sk;
} __attribute__((preserve_access_index));

struct pt_regs {
	unsigned long di;
	unsigned long si;
	unsigned long dx;
	unsigned long r10;
	unsigned long r8;
	unsigned long r9;
	unsigned long orig_ax;
} __attribute__((preserve_access_index));

// x86-64 syscall numbers.
#define NR_open 2
#define NR_connect 42
#define NR_accept 43
#define NR_sendto 44
#define NR_recvfrom 45
#define NR_sendmsg 46
#define NR_recvmsg 47
#define NR_execve 59
#define NR_creat 85
#define NR_ptrace 101
#define NR_setuid 105
#define NR_setgid 106
#define NR_setreuid 113
#define NR_setregid 114
#define NR_setresuid 117
#define NR_setresgid 119
#define NR_openat 257
#define NR_accept4 288
#define NR_execveat 322
#define NR_openat2 437

#define AT_FDCWD -100
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define EINPROGRESS 115
// creat(path, mode) is open(path, O_CREAT | O_WRONLY | O_TRUNC, mode).
#define CREAT_FLAGS 01101
#define O_CREAT 0100
#define O_TMPFILE 020000000 // __O_TMPFILE, the bit alone

// Record kinds.
#define K_EXEC 1
#define K_FORK 2
#define K_OPEN 3
#define K_CONNECT 4
#define K_ACCEPT 5
#define K_PTRACE 6
#define K_SETID 7
#define K_EXIT 8
#define K_NET 9

#define EXE_MAX 512
#define ARGS_MAX 4096
#define PATH_MAX 4096
#define SOCKADDR_MAX 128
// A path walked up its dentries: at most DPATH_MAX bytes of names and DPATH_DEPTH steps; the
// buffer has NAME_ROOM more so that a name read at any offset below DPATH_MAX fits.
#define DPATH_MAX 1024
#define DPATH_DEPTH 40
#define NAME_ROOM 256
#define DPATH_ROOM (DPATH_MAX + NAME_ROOM)

// Set by the loader (rodata).
volatile const u32 self_tgid = 0; // ksec itself, never watched

// Every record starts with this.
struct hdr {
	u64 time_ns; // bpf_ktime_get_boot_ns
	u32 tid;
	u32 pid;
	u32 kind;
	u32 uid;
	u32 euid;
	u32 gid;
	u32 egid;
	u32 loginuid; // u32 max: unset
	char comm[16];
	// The mount namespace's inode number (0: none, an exiting task): which container the task
	// runs in, known even when the task is gone before ksec reads its record.
	u32 mntns;
	u32 pad;
};

// A successful exec (from sched_process_exec) or a failed one (from sys_exit: `exe` the path
// passed, no argv). Sent up to the end of `args` used.
struct exec_rec {
	struct hdr h;
	s64 res;
	u32 ppid;
	u32 tty; // new_encode_dev of the controlling terminal, 0: none
	u16 exe_len;
	u16 args_len;
	u8 execveat;
	u8 truncated; // argv went on beyond ARGS_MAX bytes
	u8 pad[2];
	// The process in its own pid namespace, and when it and that namespace's init started
	// (CLOCK_BOOTTIME ns; 0: unknown).
	u32 vpid;
	u32 vpgid;
	u32 vsid;
	u32 sid; // the session id in the host's (the initial) pid namespace
	u32 pgid; // the process group id there
	u32 pad2;
	u64 start_ns;
	u64 pidns_start_ns;
	// The executable's inode: number, and its ctime and mtime in ns since the epoch (0:
	// unknown).
	u64 exe_ino;
	s64 exe_ctime_ns;
	s64 exe_mtime_ns;
	// The working directory and the executable, seen from the task's root, as their names
	// from the leaf up, each NUL-terminated (ksec reverses them); `*_cut`: the walk stopped
	// before the root (too deep or too long).
	u16 cwd_len;
	u16 exepath_len;
	u8 cwd_cut;
	u8 exepath_cut;
	u8 pad3[2];
	char cwd[DPATH_ROOM];
	char exepath[DPATH_ROOM];
	char exe[EXE_MAX];
	char args[ARGS_MAX]; // NUL-separated, as on the stack
};

struct fork_rec {
	struct hdr h;
	u32 child_tid;
	u32 child_pid;
	u32 thread;
	u32 child_vpid; // the child's process id in its pid namespace
	u64 child_start_ns; // CLOCK_BOOTTIME ns
};

// Sent up to the end of `path` used.
struct open_rec {
	struct hdr h;
	s64 res;
	u64 flags;
	s32 dirfd;
	u32 mode;
	u32 nr;
	u16 path_len;
	// A relative path's base (the working directory, or dirfd's directory) from the task's
	// root, walked in the kernel: its names leaf first after the path's NUL, this many bytes
	// plus one (0: no base, the path is absolute or the walk did not reach the root).
	u16 base_len;
	char path[PATH_MAX];
};

// connect, accept, accept4. Addresses as struct sockaddr bytes (length 0: unknown).
struct conn_rec {
	struct hdr h;
	s64 res;
	s32 fd;
	u32 nr;
	u16 local_len;
	u16 remote_len;
	u16 sock_type; // SOCK_STREAM, SOCK_DGRAM... (0: the socket was not read)
	u16 protocol; // IPPROTO_*
	u8 local[SOCKADDR_MAX];
	u8 remote[SOCKADDR_MAX];
};

struct ptrace_rec {
	struct hdr h;
	s64 request;
	s64 res;
	s32 target;
	u32 pad;
};

struct setid_rec {
	struct hdr h;
	s64 res;
	u32 nr;
	u32 ids[3];
};

struct exit_rec {
	struct hdr h;
	s32 status;
	u32 pad;
};

// sendto, sendmsg, recvfrom, recvmsg on an AF_INET or AF_INET6 socket. Sent up to the end of
// `data` used.
#define NET_DATA_MAX 80 // Falco's default snaplen
#define INET_ADDR_MAX 28 // sizeof(struct sockaddr_in6)
#define NF_CONNECTED 1
#define NF_NAME_CHANGED 2
#define NF_SERVER 4 // the task is the server end: the remote address is the client
#define NF_DATA 8 // `data` holds the call's first bytes
struct net_rec {
	struct hdr h;
	s64 res;
	u64 size; // the bytes the call asked for (sendmsg, recvmsg: of the first 8 iovecs)
	s32 fd;
	u32 nr;
	u16 local_len;
	u16 remote_len;
	u16 data_len;
	u16 sock_type; // SOCK_STREAM, SOCK_DGRAM, SOCK_RAW...
	u16 protocol; // IPPROTO_*
	u8 flags; // NF_*
	u8 pad[5];
	u8 local[INET_ADDR_MAX];
	u8 remote[INET_ADDR_MAX];
	u8 data[NET_DATA_MAX];
};

// Room beyond the records, so that lengths masked with 2 * ARGS_MAX - 1 (which the verifier
// follows better than comparisons) stay inside the map value.
union scratch {
	char room[sizeof(struct exec_rec) + ARGS_MAX];
	struct exec_rec exec;
	struct open_rec open;
	struct conn_rec conn;
	struct net_rec net;
};

// What counts as lost.
struct lost {
	u64 ring_full; // records the ring buffer had no room for
	u64 in_flight; // calls not followed: `inflight` was full
};

// A watched call's arguments between entry and exit, by tid.
struct inflight {
	u64 nr;
	u64 a[6];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); // the loader sets the configured size
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, u32);
	__type(value, struct inflight);
} inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, union scratch);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct lost);
} lost SEC(".maps");

static __always_inline void count_lost(int ring)
{
	u32 zero = 0;
	struct lost *l = bpf_map_lookup_elem(&lost, &zero);
	if (!l)
		return;
	if (ring)
		l->ring_full++;
	else
		l->in_flight++;
}

static __always_inline void *scratch_buf(void)
{
	u32 zero = 0;
	return bpf_map_lookup_elem(&scratch, &zero);
}

/* The reader is woken only once this much is waiting (it also polls every few ms): a wakeup
 * per record would cost a context switch per event, which on a busy node is most of the cost. */
#define WAKE_BYTES (256 * 1024)

static __always_inline void send(void *rec, u64 size)
{
	u64 flags = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= WAKE_BYTES ?
			    BPF_RB_FORCE_WAKEUP :
			    BPF_RB_NO_WAKEUP;
	if (bpf_ringbuf_output(&events, rec, size, flags))
		count_lost(1);
}

/* The opens the rules can match (src/rules/prefilter.rs): path prefixes, looked up by longest
 * match, each with the access modes wanted (1 read-only, 2 write-only, 4 read-write). Consulted
 * only while open_filter[0] is 1 (0: every open is sent, 2: none); the loader fills the trie
 * first. */
#define PREFIX_MAX 128
struct path_key {
	u32 prefixlen; // bits
	u8 path[PREFIX_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct path_key);
	__type(value, u32);
} open_prefixes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u32);
} open_filter SEC(".maps");

#define O_ACCMODE 3

/* Whether an open of user `path` with `flags` can match a rule. Opens that the kernel cannot
 * judge by the string alone are always wanted: a relative path, one whose normalised form
 * differs (`//`, `/.`, which also takes in `/..` and dot files), one longer than the key, one
 * that cannot be read yet. */
static __always_inline int open_wanted(const char *path, u64 flags)
{
	u32 zero = 0;
	u32 *on = bpf_map_lookup_elem(&open_filter, &zero);
	if (!on || !*on)
		return 1;
	if (*on == 2) // no rule is about opens
		return 0;
	struct path_key k = {};
	long n = bpf_probe_read_user_str(k.path, sizeof(k.path), path);
	if (n <= 1 || n >= PREFIX_MAX || k.path[0] != '/')
		return 1;
	for (int i = 0; i < PREFIX_MAX - 1; i++) {
		if (k.path[i] == 0)
			break;
		if (k.path[i] == '/' && (k.path[i + 1] == '/' || k.path[i + 1] == '.'))
			return 1;
	}
	k.prefixlen = (u32)(n - 1) * 8;
	u32 *modes = bpf_map_lookup_elem(&open_prefixes, &k);
	if (!modes)
		return 0;
	u32 acc = flags & O_ACCMODE;
	u32 mode = acc == 0 ? 1 : acc == 1 ? 2 : 4;
	return (*modes & mode) != 0;
}

static __always_inline int watched(long nr)
{
	switch (nr) {
	case NR_open:
	case NR_connect:
	case NR_accept:
	case NR_sendto:
	case NR_recvfrom:
	case NR_sendmsg:
	case NR_recvmsg:
	case NR_execve:
	case NR_creat:
	case NR_ptrace:
	case NR_setuid:
	case NR_setgid:
	case NR_setreuid:
	case NR_setregid:
	case NR_setresuid:
	case NR_setresgid:
	case NR_openat:
	case NR_accept4:
	case NR_execveat:
	case NR_openat2:
		return 1;
	}
	return 0;
}

static __always_inline void fill_hdr(struct hdr *h, u32 kind)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	const struct cred *c = BPF_CORE_READ(t, cred);
	h->time_ns = bpf_ktime_get_boot_ns();
	h->tid = (u32)pid_tgid;
	h->pid = pid_tgid >> 32;
	h->kind = kind;
	h->uid = BPF_CORE_READ(c, uid.val);
	h->euid = BPF_CORE_READ(c, euid.val);
	h->gid = BPF_CORE_READ(c, gid.val);
	h->egid = BPF_CORE_READ(c, egid.val);
	h->loginuid = 0xffffffff;
	if (bpf_core_field_exists(t->loginuid))
		h->loginuid = BPF_CORE_READ(t, loginuid.val);
	bpf_get_current_comm(h->comm, sizeof(h->comm));
	h->mntns = BPF_CORE_READ(t, nsproxy, mnt_ns, ns.inum);
	h->pad = 0;
}

/* Datagrams and received data. sendto, sendmsg, recvfrom and recvmsg are among the busiest
 * calls of a node (every DNS query, every TCP read), so they are followed only as far as the
 * loaded rules need them: net_filter[0] holds 4 bits per call (sendto, sendmsg, recvfrom,
 * recvmsg from the lowest), set by the loader from the rules' evt.type values:
 * - NET_NAME: only calls that change the fd's name (Falco's fd.name_changed): on an AF_INET
 *   or AF_INET6 socket that is not connected, with an address other than the last one this
 *   socket sent to or received from (`peers`, an LRU hash by socket; the first address counts
 *   as a change, as the fd's name was empty). What Falco's outbound and inbound macros match.
 * - NET_ALL: every successful call on an AF_INET or AF_INET6 socket (a rule can match one
 *   that does not change the name);
 * - NET_DATA: with the first NET_DATA_MAX bytes of data (evt.buffer; read at exit from the
 *   user buffer, for sendmsg and recvmsg the first iovec), for every successful call on such a
 *   socket.
 * 0: the call is not followed at all. Failed calls are never sent. `peers` learns only from
 * the calls followed: a socket that receives with recvfrom, not followed, and then with
 * recvmsg, followed for name changes, has its first recvmsg reported as a change. */
#define NET_NAME 1
#define NET_ALL 2
#define NET_DATA 4

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u32);
} net_filter SEC(".maps");

// The last peer of an unconnected socket, by socket. The socket's inode number tells a new
// socket at a freed one's address from the old one.
struct peer {
	u64 ino;
	u16 family;
	u16 port;
	u32 v4;
	u8 v6[16];
	u8 server; // the first call on the socket was a receive
	u8 pad[7];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, u64);
	__type(value, struct peer);
} peers SEC(".maps");

// Which end a connected socket is, by socket: the server for one accept returned, the client
// for one that connect was called on (kept only while some rule names the calls above). A
// socket older than ksec is not in it: the end with the lower port is taken for the server.
struct role {
	u64 ino;
	u8 server;
	u8 pad[7];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, u64);
	__type(value, struct role);
} roles SEC(".maps");

static __always_inline u32 net_mode(long nr)
{
	u32 zero = 0;
	u32 *w = bpf_map_lookup_elem(&net_filter, &zero);
	if (!w)
		return 0;
	u32 shift = nr == NR_sendto ? 0 : nr == NR_sendmsg ? 4 : nr == NR_recvfrom ? 8 : 12;
	return (*w >> shift) & 0xf;
}

// struct user_msghdr's first fields.
struct msghdr_head {
	u64 name;
	s32 namelen;
	u32 pad;
	u64 iov;
	u64 iovlen;
};

struct sock_common___net {
	volatile unsigned char skc_state;
} __attribute__((preserve_access_index));

struct sock___net {
	struct sock_common___net __sk_common;
	u16 sk_protocol;
	u16 sk_type;
} __attribute__((preserve_access_index));

struct iovec_head {
	u64 base;
	u64 len;
};

#define SOCK_STREAM 1
#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2
#define TCP_CLOSE 7
#define TCP_LISTEN 10
#define IOV_SUM_MAX 8

// The file behind the current task's `fd`, or 0.
static __always_inline struct file *file_of(long fd)
{
	if (fd < 0)
		return 0;
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
	if (!fdt || (unsigned long)fd >= BPF_CORE_READ(fdt, max_fds))
		return 0;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = 0;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

// Reads an AF_INET / AF_INET6 sockaddr of `len` bytes into `p`: 0 when it is not one.
static __always_inline int peer_of(const u8 *a, u16 len, struct peer *p)
{
	u16 family = *(const u16 *)a;
	p->family = family;
	p->port = *(const u16 *)(a + 2);
	if (family == AF_INET && len >= 8) {
		p->v4 = *(const u32 *)(a + 4);
		return 1;
	}
	if (family == AF_INET6 && len >= 24) {
		__builtin_memcpy(p->v6, a + 8, 16);
		return 1;
	}
	return 0;
}

static __always_inline int same_peer(const struct peer *a, const struct peer *b)
{
	const u64 *x = (const u64 *)a->v6;
	const u64 *y = (const u64 *)b->v6;
	return a->ino == b->ino && a->family == b->family && a->port == b->port &&
	       a->v4 == b->v4 && x[0] == y[0] && x[1] == y[1];
}

// The socket behind `fd` (and its file), or 0.
static __always_inline struct sock *sock_file(long fd, struct file **file)
{
	*file = file_of(fd);
	if (!*file)
		return 0;
	struct socket *so = BPF_CORE_READ(*file, private_data);
	return so ? BPF_CORE_READ(so, sk) : 0;
}

// Notes which end of a connection the task is (accept: the server), if a rule names sendto,
// sendmsg, recvfrom or recvmsg.
static __always_inline void remember_role(long fd, int server)
{
	u32 zero = 0;
	u32 *w = bpf_map_lookup_elem(&net_filter, &zero);
	if (!w || !*w)
		return;
	struct file *file;
	struct sock *sk = sock_file(fd, &file);
	if (!sk)
		return;
	u64 key = (u64)sk;
	struct role v = {};
	v.ino = BPF_CORE_READ(file, f_inode, i_ino);
	v.server = server;
	bpf_map_update_elem(&roles, &key, &v, BPF_ANY);
}

// Whether a send to `uaddr` (`ulen` bytes) on `fd` certainly changes no fd's name: the socket
// is not AF_INET / AF_INET6, is connected, or `peers` holds that address as its last one.
static __always_inline int same_name(long fd, u64 uaddr, long ulen)
{
	u8 a[32] = {}; // room for the masked length
	if (ulen > INET_ADDR_MAX)
		ulen = INET_ADDR_MAX;
	if (ulen < 8 || bpf_probe_read_user(a, ulen & 31, (void *)uaddr))
		return 0;
	struct peer p = {};
	if (!peer_of(a, ulen, &p))
		return 0;
	struct file *file = file_of(fd);
	if (!file)
		return 1;
	struct socket *so = BPF_CORE_READ(file, private_data);
	struct sock *sk = so ? BPF_CORE_READ(so, sk) : 0;
	if (!sk)
		return 1;
	u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != AF_INET && family != AF_INET6)
		return 1;
	struct sock___net *skn = (struct sock___net *)sk;
	if (BPF_CORE_READ(skn, sk_type) == SOCK_STREAM ||
	    BPF_CORE_READ(skn, __sk_common.skc_state) == TCP_ESTABLISHED)
		return 1;
	u64 key = (u64)sk;
	struct peer *last = bpf_map_lookup_elem(&peers, &key);
	if (!last)
		return 0;
	p.ino = BPF_CORE_READ(file, f_inode, i_ino);
	p.server = last->server;
	return same_peer(last, &p);
}

// Whether a call just entered may make a record: without NET_ALL or NET_DATA, only one that
// names an address can change the fd's name, and a send (whose address is known now) only
// when the address is not the socket's last one. A send that may change it is followed to its
// exit, where `peers` is updated if it succeeded.
static __always_inline int net_enter(long nr, struct inflight *f)
{
	u32 m = net_mode(nr);
	if (!m)
		return 0;
	if (m & (NET_ALL | NET_DATA))
		return 1;
	if (nr == NR_recvfrom)
		return f->a[4] != 0;
	if (nr == NR_sendto)
		return f->a[4] && !same_name((s32)f->a[0], f->a[4], (s32)f->a[5]);
	struct msghdr_head mh = {};
	bpf_probe_read_user(&mh, sizeof(mh), (void *)f->a[1]);
	if (!mh.name)
		return 0;
	return nr == NR_recvmsg || !same_name((s32)f->a[0], mh.name, mh.namelen);
}

SEC("raw_tracepoint/sys_enter")
int sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	long nr = (long)ctx->args[1];
	if (!watched(nr))
		return 0;
	u64 pid_tgid = bpf_get_current_pid_tgid();
	if ((u32)(pid_tgid >> 32) == self_tgid)
		return 0;
	u32 tid = (u32)pid_tgid;
	struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
	struct inflight f = {};
	f.nr = nr;
	f.a[0] = BPF_CORE_READ(regs, di);
	f.a[1] = BPF_CORE_READ(regs, si);
	f.a[2] = BPF_CORE_READ(regs, dx);
	f.a[3] = BPF_CORE_READ(regs, r10);
	if (nr >= NR_sendto && nr <= NR_recvmsg) {
		f.a[4] = BPF_CORE_READ(regs, r8);
		f.a[5] = BPF_CORE_READ(regs, r9);
		if (!net_enter(nr, &f))
			return 0;
	}
	// openat2's flags are in user memory: always wanted.
	if (nr == NR_open && !open_wanted((const char *)f.a[0], f.a[1]))
		return 0;
	if (nr == NR_openat && !open_wanted((const char *)f.a[1], f.a[2]))
		return 0;
	if (nr == NR_creat && !open_wanted((const char *)f.a[0], 1))
		return 0;
	if (bpf_map_update_elem(&inflight, &tid, &f, BPF_ANY))
		count_lost(0);
	return 0;
}

// The walk up a path's dentries: walk_path (shared with bpf/trace.bpf.c).
#include "walk.h"

// The socket behind the current task's `fd`, or 0.
static __always_inline struct sock *sock_of(long fd)
{
	struct file *f = file_of(fd);
	if (!f)
		return 0;
	struct socket *s = BPF_CORE_READ(f, private_data);
	if (!s)
		return 0;
	return BPF_CORE_READ(s, sk);
}

// Writes a socket's local (`remote` 0) or peer address as a struct sockaddr: its length, 0 when
// the family is not AF_INET or AF_INET6.
static __always_inline u16 sock_addr(struct sock *sk, int remote, u8 *out)
{
	if (!sk)
		return 0;
	u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	u16 port;
	if (remote)
		port = BPF_CORE_READ(sk, __sk_common.skc_dport);
	else
		port = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_num));
	if (family == AF_INET) {
		u32 a = remote ? BPF_CORE_READ(sk, __sk_common.skc_daddr)
			       : BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__builtin_memset(out, 0, 16);
		*(u16 *)out = AF_INET;
		*(u16 *)(out + 2) = port;
		*(u32 *)(out + 4) = a;
		return 16;
	}
	if (family == AF_INET6) {
		__builtin_memset(out, 0, 28);
		*(u16 *)out = AF_INET6;
		*(u16 *)(out + 2) = port;
		// READ_INTO copies sizeof(*dst): the whole in6_addr, not a byte.
		struct in6_addr *a = (struct in6_addr *)(out + 8);
		if (remote)
			BPF_CORE_READ_INTO(a, sk, __sk_common.skc_v6_daddr);
		else
			BPF_CORE_READ_INTO(a, sk, __sk_common.skc_v6_rcv_saddr);
		return 28;
	}
	return 0;
}

// Copies a user sockaddr of `len` bytes (at most SOCKADDR_MAX): the length copied.
static __always_inline u16 user_addr(u64 ptr, long len, u8 *out)
{
	if (!ptr || len <= 0)
		return 0;
	if (len > SOCKADDR_MAX)
		len = SOCKADDR_MAX;
	if (bpf_probe_read_user(out, len & (2 * SOCKADDR_MAX - 1), (void *)ptr))
		return 0;
	return len;
}

static __always_inline void send_open(struct inflight *f, long ret)
{
	struct open_rec *r = scratch_buf();
	if (!r)
		return;
	fill_hdr(&r->h, K_OPEN);
	r->res = ret;
	r->nr = f->nr;
	u64 path = f->a[1];
	r->dirfd = (s32)f->a[0];
	switch (f->nr) {
	case NR_open:
		path = f->a[0];
		r->dirfd = AT_FDCWD;
		r->flags = f->a[1];
		r->mode = f->a[2];
		break;
	case NR_creat:
		path = f->a[0];
		r->dirfd = AT_FDCWD;
		r->flags = CREAT_FLAGS;
		r->mode = f->a[1];
		break;
	case NR_openat:
		r->flags = f->a[2];
		r->mode = f->a[3];
		break;
	default: { // openat2: struct open_how { u64 flags, mode, resolve; }
		u64 how[2] = {};
		bpf_probe_read_user(how, sizeof(how), (void *)f->a[2]);
		r->flags = how[0];
		r->mode = how[1];
	}
	}
	// The kernel takes the mode only with O_CREAT or O_TMPFILE (build_open_how); otherwise
	// the register holds whatever the caller left there.
	if (!(r->flags & (O_CREAT | O_TMPFILE)))
		r->mode = 0;
	long n = bpf_probe_read_user_str(r->path, PATH_MAX, (void *)path);
	if (n < 1)
		n = 1;
	n -= 1; // without the NUL
	r->path_len = n;
	r->base_len = 0;
	u32 used = n & (PATH_MAX - 1);
	if (n > 0 && r->path[0] != '/') {
		// Relative: where it starts from, now (a process gone or moved by the time ksec reads
		// this would give the wrong directory from /proc).
		struct task_struct *t = (struct task_struct *)bpf_get_current_task();
		struct fs_struct *fs = BPF_CORE_READ(t, fs);
		struct path base = {};
		if (r->dirfd == AT_FDCWD) {
			if (fs)
				base = BPF_CORE_READ(fs, pwd);
		} else {
			struct file *dir = file_of(r->dirfd);
			if (dir)
				base = BPF_CORE_READ(dir, f_path);
		}
		if (fs && base.dentry) {
			struct path root = BPF_CORE_READ(fs, root);
			u8 cut = 1;
			u32 at = (used + 1) & (PATH_MAX - 1);
			u32 len = walk_path(base.dentry, base.mnt, root.dentry, root.mnt, r->path + at,
					    &cut);
			if (!cut) {
				r->base_len = len + 1;
				used = at + (len & (DPATH_MAX - 1));
			}
		}
	}
	send(r, offsetof(struct open_rec, path) + (used & (2 * PATH_MAX - 1)));
}

// The socket's type and protocol (Falco's fd.l4proto).
static __always_inline void sock_kind(struct sock *sk, struct conn_rec *r)
{
	if (!sk)
		return;
	struct sock___net *skn = (struct sock___net *)sk;
	r->sock_type = BPF_CORE_READ(skn, sk_type);
	r->protocol = BPF_CORE_READ(skn, sk_protocol);
}

static __always_inline void send_conn(struct inflight *f, long ret)
{
	struct conn_rec *r = scratch_buf();
	if (!r)
		return;
	fill_hdr(&r->h, f->nr == NR_connect ? K_CONNECT : K_ACCEPT);
	r->res = ret;
	r->nr = f->nr;
	r->fd = (s32)f->a[0];
	r->local_len = 0;
	r->remote_len = 0;
	r->sock_type = 0;
	r->protocol = 0;
	if (f->nr == NR_connect) {
		r->remote_len = user_addr(f->a[1], (long)(s32)f->a[2], r->remote);
		struct sock *sk = sock_of(r->fd);
		sock_kind(sk, r);
		if (ret == 0 || ret == -EINPROGRESS) {
			r->local_len = sock_addr(sk, 0, r->local);
			remember_role(r->fd, 0);
		}
	} else if (ret >= 0) {
		remember_role(ret, 1);
		struct sock *sk = sock_of(ret);
		sock_kind(sk, r);
		r->local_len = sock_addr(sk, 0, r->local);
		r->remote_len = sock_addr(sk, 1, r->remote);
		if (!r->remote_len && f->a[1] && f->a[2]) {
			s32 len = 0;
			bpf_probe_read_user(&len, sizeof(len), (void *)f->a[2]);
			r->remote_len = user_addr(f->a[1], len, r->remote);
		}
	}
	send(r, sizeof(*r));
}

// The task's working directory and the binprm's file, from the task's root.
static __always_inline void exec_paths(struct task_struct *t, struct linux_binprm *bprm,
				       struct exec_rec *r)
{
	r->cwd_len = 0;
	r->exepath_len = 0;
	r->cwd_cut = 1;
	r->exepath_cut = 1;
	struct fs_struct *fs = BPF_CORE_READ(t, fs);
	if (!fs)
		return;
	struct path root = BPF_CORE_READ(fs, root);
	struct path pwd = BPF_CORE_READ(fs, pwd);
	r->cwd_len = walk_path(pwd.dentry, pwd.mnt, root.dentry, root.mnt, r->cwd, &r->cwd_cut);
	if (bprm) {
		struct path exe = BPF_CORE_READ(bprm, file, f_path);
		r->exepath_len = walk_path(exe.dentry, exe.mnt, root.dentry, root.mnt, r->exepath,
					   &r->exepath_cut);
	}
}

// The number of `p` in the pid namespace at `level` (0: not visible there), as pid_nr_ns.
static __always_inline u32 nr_at(struct pid *p, u32 level)
{
	if (!p || BPF_CORE_READ(p, level) < level)
		return 0;
	int nr = 0;
	bpf_core_read(&nr, sizeof(nr), &p->numbers[level & 31].nr);
	return nr;
}

// The process's ids in its own pid namespace and the start times (Falco's proc.vpid,
// proc.vpgid, proc.duration, proc.pidns_init_start_ts).
static __always_inline void task_ids(struct task_struct *t, struct exec_rec *r)
{
	struct pid *tp = BPF_CORE_READ(t, thread_pid);
	u32 level = tp ? BPF_CORE_READ(tp, level) : 0;
	r->vpid = nr_at(BPF_CORE_READ(t, signal, pids[PIDTYPE_TGID]), level);
	r->vpgid = nr_at(BPF_CORE_READ(t, signal, pids[PIDTYPE_PGID]), level);
	r->vsid = nr_at(BPF_CORE_READ(t, signal, pids[PIDTYPE_SID]), level);
	r->sid = nr_at(BPF_CORE_READ(t, signal, pids[PIDTYPE_SID]), 0);
	r->pgid = nr_at(BPF_CORE_READ(t, signal, pids[PIDTYPE_PGID]), 0);
	r->start_ns = BPF_CORE_READ(t, start_boottime);
	r->pidns_start_ns = 0;
	if (tp) {
		struct pid_namespace *ns = NULL;
		bpf_core_read(&ns, sizeof(ns), &tp->numbers[level & 31].ns);
		if (ns)
			r->pidns_start_ns = BPF_CORE_READ(ns, child_reaper, start_boottime);
	}
}

// The executable's inode number and times.
static __always_inline void exe_inode(struct linux_binprm *bprm, struct exec_rec *r)
{
	r->exe_ino = 0;
	r->exe_ctime_ns = 0;
	r->exe_mtime_ns = 0;
	struct inode *ino = BPF_CORE_READ(bprm, file, f_inode);
	if (!ino)
		return;
	r->exe_ino = BPF_CORE_READ(ino, i_ino);
	if (bpf_core_field_exists(ino->i_ctime_sec)) {
		// Multigrain timestamps keep a flag in the nanoseconds' top bit.
		u32 cns = BPF_CORE_READ(ino, i_ctime_nsec) & 0x3fffffff;
		u32 mns = BPF_CORE_READ(ino, i_mtime_nsec) & 0x3fffffff;
		r->exe_ctime_ns = BPF_CORE_READ(ino, i_ctime_sec) * 1000000000 + cns;
		r->exe_mtime_ns = BPF_CORE_READ(ino, i_mtime_sec) * 1000000000 + mns;
	}
}

static __always_inline void send_net(struct inflight *f, long ret)
{
	if (ret < 0)
		return;
	long nr = f->nr;
	u32 m = net_mode(nr);
	if (!m)
		return;
	struct file *file = file_of((s32)f->a[0]);
	if (!file)
		return;
	struct socket *so = BPF_CORE_READ(file, private_data);
	if (!so)
		return;
	struct sock *sk = BPF_CORE_READ(so, sk);
	if (!sk)
		return;
	u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != AF_INET && family != AF_INET6)
		return;
	struct sock___net *skn = (struct sock___net *)sk;
	u16 type = BPF_CORE_READ(skn, sk_type);
	u8 state = BPF_CORE_READ(skn, __sk_common.skc_state);
	int connected = type == SOCK_STREAM ?
				state != TCP_LISTEN && state != TCP_CLOSE && state != TCP_SYN_SENT :
				state == TCP_ESTABLISHED;
	int recv = nr == NR_recvfrom || nr == NR_recvmsg;

	// The address the call passed or got, and where the data is.
	u64 uaddr = 0, buf = 0, buflen = 0, size = 0;
	long ulen = 0;
	if (nr == NR_sendto || nr == NR_recvfrom) {
		uaddr = f->a[4];
		buf = f->a[1];
		size = buflen = f->a[2];
		if (nr == NR_sendto) {
			ulen = (s32)f->a[5];
		} else if (uaddr && f->a[5]) {
			s32 l = 0;
			bpf_probe_read_user(&l, sizeof(l), (void *)f->a[5]);
			ulen = l;
		}
	} else {
		struct msghdr_head mh = {};
		if (bpf_probe_read_user(&mh, sizeof(mh), (void *)f->a[1]))
			return;
		uaddr = mh.name;
		ulen = mh.namelen;
		for (int i = 0; i < IOV_SUM_MAX; i++) {
			if ((u64)i >= mh.iovlen)
				break;
			struct iovec_head v = {};
			if (bpf_probe_read_user(&v, sizeof(v), (void *)(mh.iov + i * sizeof(v))))
				break;
			if (i == 0) {
				buf = v.base;
				buflen = v.len;
			}
			size += v.len;
		}
	}
	if (ulen > INET_ADDR_MAX)
		ulen = INET_ADDR_MAX;

	struct net_rec *r = scratch_buf();
	if (!r)
		return;
	r->flags = 0;
	r->remote_len = 0;
	// A stream socket's data goes to its peer whatever address was passed.
	if (uaddr && ulen > 0 && !(connected && type == SOCK_STREAM)) {
		if (bpf_probe_read_user(r->remote, ulen & 63, (void *)uaddr))
			ulen = 0;
		r->remote_len = ulen;
	}
	struct peer p = {};
	int named = r->remote_len && peer_of(r->remote, r->remote_len, &p);
	if (!named && connected)
		r->remote_len = sock_addr(sk, 1, r->remote);
	if (connected) {
		r->flags |= NF_CONNECTED;
		u64 key = (u64)sk;
		struct role *ro = bpf_map_lookup_elem(&roles, &key);
		if (ro && ro->ino == BPF_CORE_READ(file, f_inode, i_ino)) {
			if (ro->server)
				r->flags |= NF_SERVER;
		} else if (r->remote_len && peer_of(r->remote, r->remote_len, &p)) {
			// Not seen connecting or accepted: the end with the lower port is the server.
			u16 lport = BPF_CORE_READ(sk, __sk_common.skc_num);
			if (__builtin_bswap16(p.port) < lport)
				r->flags &= ~NF_SERVER;
			else
				r->flags |= NF_SERVER;
		}
	} else if (named) {
		u64 key = (u64)sk;
		p.ino = BPF_CORE_READ(file, f_inode, i_ino);
		struct peer *last = bpf_map_lookup_elem(&peers, &key);
		if (last && last->ino == p.ino) {
			p.server = last->server;
			if (!same_peer(last, &p)) {
				r->flags |= NF_NAME_CHANGED;
				*last = p;
			}
		} else {
			r->flags |= NF_NAME_CHANGED;
			p.server = recv;
			bpf_map_update_elem(&peers, &key, &p, BPF_ANY);
		}
		if (p.server)
			r->flags |= NF_SERVER;
	}
	if (!(m & (NET_ALL | NET_DATA)) && !(r->flags & NF_NAME_CHANGED))
		return;

	fill_hdr(&r->h, K_NET);
	r->res = ret;
	r->size = size;
	r->fd = (s32)f->a[0];
	r->nr = nr;
	r->sock_type = type;
	r->protocol = BPF_CORE_READ(skn, sk_protocol);
	r->local_len = sock_addr(sk, 0, r->local);
	r->data_len = 0;
	if (m & NET_DATA) {
		u64 n = (u64)ret;
		if (n > buflen)
			n = buflen;
		if (n > NET_DATA_MAX)
			n = NET_DATA_MAX;
		r->flags |= NF_DATA;
		if (n && buf && !bpf_probe_read_user(r->data, n & 127, (void *)buf))
			r->data_len = n;
	}
	send(r, offsetof(struct net_rec, data) + (r->data_len & 127));
}

SEC("raw_tracepoint/sys_exit")
int sys_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
	long nr = BPF_CORE_READ(regs, orig_ax);
	if (!watched(nr))
		return 0;
	// The rules want none of these: nothing was kept at entry (an array is cheaper to ask).
	if (nr >= NR_sendto && nr <= NR_recvmsg && !net_mode(nr))
		return 0;
	u32 tid = (u32)bpf_get_current_pid_tgid();
	struct inflight *f = bpf_map_lookup_elem(&inflight, &tid);
	if (!f)
		return 0;
	long ret = (long)ctx->args[1];
	switch (f->nr) {
	case NR_open:
	case NR_openat:
	case NR_openat2:
	case NR_creat:
		send_open(f, ret);
		break;
	case NR_connect:
	case NR_accept:
	case NR_accept4:
		send_conn(f, ret);
		break;
	case NR_sendto:
	case NR_recvfrom:
	case NR_sendmsg:
	case NR_recvmsg:
		send_net(f, ret);
		break;
	case NR_ptrace: {
		struct ptrace_rec r = {};
		fill_hdr(&r.h, K_PTRACE);
		r.request = f->a[0];
		r.target = (s32)f->a[1];
		r.res = ret;
		send(&r, sizeof(r));
		break;
	}
	case NR_execve:
	case NR_execveat: {
		// A successful exec was sent from sched_process_exec, which dropped this entry.
		struct exec_rec *r = scratch_buf();
		if (!r)
			break;
		fill_hdr(&r->h, K_EXEC);
		r->res = ret;
		r->execveat = f->nr == NR_execveat;
		struct task_struct *t = (struct task_struct *)bpf_get_current_task();
		r->ppid = BPF_CORE_READ(t, real_parent, tgid);
		r->tty = 0;
		r->truncated = 0;
		r->args_len = 0;
		task_ids(t, r);
		// No paths: the walk would make this program too long, and a failed exec ran nothing.
		r->cwd_len = 0;
		r->exepath_len = 0;
		r->cwd_cut = 1;
		r->exepath_cut = 1;
		r->exe_ino = 0;
		r->exe_ctime_ns = 0;
		r->exe_mtime_ns = 0;
		u64 path = r->execveat ? f->a[1] : f->a[0];
		long n = bpf_probe_read_user_str(r->exe, EXE_MAX, (void *)path);
		r->exe_len = n > 0 ? n - 1 : 0;
		send(r, offsetof(struct exec_rec, args));
		break;
	}
	default: {
		struct setid_rec r = {};
		fill_hdr(&r.h, K_SETID);
		r.res = ret;
		r.nr = f->nr;
		r.ids[0] = f->a[0];
		r.ids[1] = f->a[1];
		r.ids[2] = f->a[2];
		send(&r, sizeof(r));
	}
	}
	bpf_map_delete_elem(&inflight, &tid);
	return 0;
}

// A length the verifier knows is at most ARGS_MAX (the barrier keeps clang from dropping the
// test as redundant with an earlier one the verifier no longer sees).
static __always_inline u32 clamp_args(u64 len)
{
	u32 n = len;
	asm volatile("" : "+r"(n));
	if (n > ARGS_MAX)
		n = ARGS_MAX;
	return n;
}

// new_encode_dev(MKDEV(major, minor)), as /proc/PID/stat's tty_nr.
static __always_inline u32 encode_dev(u32 major, u32 minor)
{
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffU) << 12);
}

SEC("raw_tracepoint/sched_process_exec")
int process_exec(struct bpf_raw_tracepoint_args *ctx)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	if ((u32)(pid_tgid >> 32) == self_tgid)
		return 0;
	struct task_struct *t = (struct task_struct *)ctx->args[0];
	u32 old = (u32)ctx->args[1];
	struct linux_binprm *bprm = (struct linux_binprm *)ctx->args[2];
	u32 tid = (u32)pid_tgid;
	struct exec_rec *r = scratch_buf();
	if (!r)
		return 0;
	// The call in flight (under the tid the task had, if a non-leader thread execed) is done.
	struct inflight *f = bpf_map_lookup_elem(&inflight, &old);
	r->execveat = f && f->nr == NR_execveat;
	bpf_map_delete_elem(&inflight, &old);
	if (old != tid)
		bpf_map_delete_elem(&inflight, &tid);
	fill_hdr(&r->h, K_EXEC);
	r->res = 0;
	r->ppid = BPF_CORE_READ(t, real_parent, tgid);
	r->tty = 0;
	struct tty_struct *tty = BPF_CORE_READ(t, signal, tty);
	if (tty) {
		u32 major = BPF_CORE_READ(tty, driver, major);
		u32 minor = BPF_CORE_READ(tty, driver, minor_start) + BPF_CORE_READ(tty, index);
		r->tty = encode_dev(major, minor);
	}
	task_ids(t, r);
	exe_inode(bprm, r);
	exec_paths(t, bprm, r);
	const char *name = BPF_CORE_READ(bprm, filename);
	long n = bpf_probe_read_kernel_str(r->exe, EXE_MAX, name);
	r->exe_len = n > 0 ? n - 1 : 0;
	u64 start = BPF_CORE_READ(t, mm, arg_start);
	u64 end = BPF_CORE_READ(t, mm, arg_end);
	u64 len = end > start ? end - start : 0;
	r->truncated = 0;
	if (len > ARGS_MAX) {
		len = ARGS_MAX;
		r->truncated = 1;
	}
	r->args_len = 0;
	u32 an = clamp_args(len) & (2 * ARGS_MAX - 1);
	if (an > 0 && !bpf_probe_read_user(r->args, an, (void *)start))
		r->args_len = an;
	send(r, offsetof(struct exec_rec, args) + (r->args_len & (2 * ARGS_MAX - 1)));
	return 0;
}

SEC("raw_tracepoint/sched_process_fork")
int process_fork(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *parent = (struct task_struct *)ctx->args[0];
	struct task_struct *child = (struct task_struct *)ctx->args[1];
	u32 ptgid = BPF_CORE_READ(parent, tgid);
	if (ptgid == self_tgid)
		return 0;
	struct fork_rec r = {};
	fill_hdr(&r.h, K_FORK);
	r.child_tid = BPF_CORE_READ(child, pid);
	r.child_pid = BPF_CORE_READ(child, tgid);
	r.thread = r.child_pid == ptgid;
	struct pid *cp = BPF_CORE_READ(child, thread_pid);
	r.child_vpid = 0;
	if (cp && !r.thread) {
		// The child is the leader of its new thread group: its thread pid is its process id.
		r.child_vpid = nr_at(cp, BPF_CORE_READ(cp, level));
	}
	r.child_start_ns = BPF_CORE_READ(child, start_boottime);
	send(&r, sizeof(r));
	return 0;
}

SEC("raw_tracepoint/sched_process_exit")
int process_exit(struct bpf_raw_tracepoint_args *ctx)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	if ((u32)(pid_tgid >> 32) == self_tgid)
		return 0;
	u32 tid = (u32)pid_tgid;
	// exit_group's or a fatal signal's end: the call in flight never returns.
	bpf_map_delete_elem(&inflight, &tid);
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	if (BPF_CORE_READ(t, signal, live.counter) != 0)
		return 0; // not the process's last thread
	struct exit_rec r = {};
	fill_hdr(&r.h, K_EXIT);
	r.status = BPF_CORE_READ(t, exit_code);
	send(&r, sizeof(r));
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
