// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// ksec trace's eBPF backend: counts syscalls in the kernel, per task (thread or process),
// syscall number and personality, with CPU and wall time and a latency histogram, for the
// tasks ksec chose (pids and their followed children, a cgroup, or every task).
//
// Attached to raw tracepoints (no tracefs mount needed): sys_enter/sys_exit time the calls,
// sched_process_fork follows children, sched_process_exec moves a call in flight when a
// non-leader thread execs (its tid becomes the leader's), sched_process_exit drops what a dying
// task left in flight and remembers its name.
//
// The big maps whose rows are made once per task or per task and syscall are not preallocated
// (BPF_F_NO_PREALLOC): a preallocated 65,536-row per-CPU map takes the kernel ~0.1 s to create,
// most of ksec's start-up. `starts`, touched at every call, is preallocated.
//
// Built by bpf/build.sh into bpf/trace.bpf.o (committed); src/trace/ebpf/ loads it with aya.
// The struct layouts below are mirrored in src/trace/ebpf/maps.rs: keep them in step.

#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s64 s64;
typedef __s16 s16;

// Just the kernel fields read here; CO-RE relocates them against the running kernel's BTF.
struct thread_info {
	u32 status;
} __attribute__((preserve_access_index));

typedef struct {
	int counter;
} atomic_t;

struct task_struct;

struct signal_struct {
	atomic_t live;
	struct task_struct *group_exec_task;
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

typedef struct {
	unsigned long sig[1];
} sigset_t;

struct sigpending {
	sigset_t signal;
} __attribute__((preserve_access_index));

struct super_block {
	unsigned long s_magic;
} __attribute__((preserve_access_index));

struct inode {
	unsigned short i_mode;
	unsigned long i_ino;
	u32 i_rdev;
	struct super_block *i_sb;
} __attribute__((preserve_access_index));

struct qstr {
	const unsigned char *name;
} __attribute__((preserve_access_index));

struct hlist_bl_node {
	struct hlist_bl_node *next, **pprev;
} __attribute__((preserve_access_index));

struct dentry {
	struct hlist_bl_node d_hash;
	struct dentry *d_parent;
	struct qstr d_name;
	struct inode *d_inode;
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
	struct inode *f_inode;
	void *private_data;
	struct path f_path;
} __attribute__((preserve_access_index));

struct fdtable {
	unsigned int max_fds;
	struct file **fd;
} __attribute__((preserve_access_index));

struct files_struct {
	struct fdtable *fdt;
} __attribute__((preserve_access_index));

struct in6_addr {
	u8 addr[16];
};

struct proto {
	char name[32];
} __attribute__((preserve_access_index));

struct sock_common {
	u32 skc_daddr;
	u32 skc_rcv_saddr;
	u16 skc_dport;
	u16 skc_num;
	unsigned short skc_family;
	volatile unsigned char skc_state;
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
	struct proto *skc_prot;
} __attribute__((preserve_access_index));

struct socket;

struct sock {
	struct sock_common __sk_common;
	unsigned short sk_protocol;
	unsigned short sk_type;
	struct socket *sk_socket;
} __attribute__((preserve_access_index));

struct socket {
	struct sock *sk;
} __attribute__((preserve_access_index));

// SOCK_INODE(): the inode of a socket follows it in its allocation.
struct socket_alloc {
	struct socket socket;
	struct inode vfs_inode;
} __attribute__((preserve_access_index));

struct unix_sock {
	struct sock sk;
	void *addr; // struct unix_address
	struct sock *peer;
} __attribute__((preserve_access_index));

struct task_struct {
	struct thread_info thread_info;
	struct sigpending pending;
	struct files_struct *files;
	struct fs_struct *fs;
	struct nsproxy *nsproxy;
	int pid;
	int tgid;
	int exit_code;
	struct signal_struct *signal;
} __attribute__((preserve_access_index));

struct pt_regs {
	unsigned long bx;
	unsigned long cx;
	unsigned long dx;
	unsigned long si;
	unsigned long di;
	unsigned long bp;
	unsigned long r10;
	unsigned long r8;
	unsigned long r9;
	unsigned long sp;
} __attribute__((preserve_access_index));

// x86: current_thread_info()->status has TS_COMPAT while an ia32 (int 0x80) syscall runs.
#define TS_COMPAT 0x0002
#define SIGKILL 9

// Target modes.
#define MODE_PIDS 0   // the tids/tgids maps (and followed children)
#define MODE_MNTNS 1  // mntns map: by mount namespace, so a container's every process, also
                      // those started later (cgroup ids would miss v1 and hybrid hosts)
#define MODE_ALL 2    // every task but ksec itself

// Set by the loader (rodata).
volatile const u32 mode = MODE_PIDS;
volatile const u32 follow = 0;    // add children of traced tasks on fork
volatile const u32 key_by_tid = 0; // counts per thread, else per process
volatile const u32 wall_only = 0; // -w: skip the CPU-time reads
volatile const u32 hist_wall = 0; // the histogram is of wall time, else of CPU time
volatile const u32 self_tgid = 0; // ksec itself, never counted
volatile const u32 filter_on = 0; // consult the wanted bitmap for numbers below 1024
volatile const u32 per_call = 0;  // per-call records into `lines` (the lines programs below)
volatile const u32 fd_names = 0;  // per-call records name their fds: 1 -y, 2 -yy (FD_NAMES_*)

#define NR_BITMAP 1024
#define BITMAP_WORDS (NR_BITMAP / 64)

// The generation a call is counted in (index 0). ksec flips it to read an interval's counts
// exactly once: it reads and deletes the old generation's rows while new calls go to the other.
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u32);
} generation SEC(".maps");

// Traced threads (no -f: strace traces the thread it attached to).
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, u32);
	__type(value, u8);
} tids SEC(".maps");

// Traced processes, every thread.
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, u32);
	__type(value, u8);
} tgids SEC(".maps");

// Traced mount namespaces (inode numbers, as /proc/PID/ns/mnt shows them), for --container.
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u8);
} mntns SEC(".maps");

// The mount namespace of traced processes that exited (tgid -> inum), for --per-container.
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, u32);
	__type(value, u32);
} exited_mntns SEC(".maps");

// Wanted syscall numbers below 1024, a bitmap per personality (word index pers * 16 + nr / 64).
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * BITMAP_WORDS);
	__type(key, u32);
	__type(value, u64);
} wanted SEC(".maps");

// The command ksec started, until its first execve succeeds (index 0; 0 when none): if that
// execve fails, nothing more of it is counted (ksec's own error report that follows is not the
// command's), as the ptrace backend stops there.
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u32);
} spawned SEC(".maps");

// A call in flight, by tid.
struct start {
	u64 ts;     // bpf_ktime_get_ns at entry; 0: the slot is free
	u64 off_at; // when the task was switched out during the call (0: it runs)
	u64 off_ns; // time off the CPU during the call so far
	u64 nr;
	u32 pers;
	u32 key_tid; // the tid the call is counted under (a thread that execs keeps its first tid)
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, u32);
	__type(value, struct start);
} starts SEC(".maps");

// A thread that execed from a non-leader tid is counted under that first tid (as the ptrace
// backend keeps its per-thread table): tid now -> tid counted under. Only with key_by_tid.
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, u32);
	__type(value, u32);
} aliases SEC(".maps");

struct key {
	u32 tid; // 0 unless key_by_tid
	u32 tgid;
	u64 nr;     // as the task passed it: unknown numbers (-1...) get rows of their own
	u8 pers;
	u8 gen;
	u16 bucket; // histogram rows only; 0 in counts
	u32 pad;
};

struct counts {
	u64 calls;
	u64 errors;
	u64 cpu_total;
	u64 cpu_min;
	u64 cpu_max;
	u64 wall_total;
	u64 wall_min;
	u64 wall_max;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct key);
	__type(value, struct counts);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 262144);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct key);
	__type(value, u64);
} hist SEC(".maps");

// Names of traced tasks that exited (tid -> comm), for the per-process and per-thread labels.
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, u32);
	__type(value, char[16]);
} comms SEC(".maps");

// What could not be measured because a map was full.
struct lost {
	u64 starts;  // calls not timed: no room for the call in flight
	u64 counts;  // calls not counted: no room for their row
	u64 hist;    // calls missing from histograms
	u64 follows; // children not followed: no room in tids/tgids
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct lost);
} lost SEC(".maps");

static __always_inline struct lost *lost_row(void)
{
	u32 zero = 0;
	return bpf_map_lookup_elem(&lost, &zero);
}

// One more of what a full map kept from being measured (a field of struct lost).
#define COUNT_LOST(field)                           \
	do {                                        \
		struct lost *l_ = lost_row();       \
		if (l_)                             \
			l_->field++;                \
	} while (0)

// Whether task `t` (tid, tgid) is traced.
static __always_inline int is_traced_task(struct task_struct *t, u32 tid, u32 tgid)
{
	if (tgid == self_tgid)
		return 0;
	if (mode == MODE_ALL)
		return 1;
	if (mode == MODE_MNTNS) {
		u32 ns = BPF_CORE_READ(t, nsproxy, mnt_ns, ns.inum);
		return bpf_map_lookup_elem(&mntns, &ns) != 0;
	}
	return bpf_map_lookup_elem(&tgids, &tgid) != 0 || bpf_map_lookup_elem(&tids, &tid) != 0;
}

// Whether the current task is traced.
static __always_inline int is_traced(u32 tid, u32 tgid)
{
	return is_traced_task((struct task_struct *)bpf_get_current_task(), tid, tgid);
}

// SIGKILL is pending for the current task: its call never returns to it (kill -9, exit_group
// or execve in another thread), as a tracer sees it.
static __always_inline int sigkill_pending(void)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	return (BPF_CORE_READ(t, pending.signal.sig[0]) & (1UL << (SIGKILL - 1))) != 0;
}

static __always_inline int is_wanted(u32 pers, long nr)
{
	if (!filter_on || nr < 0 || nr >= NR_BITMAP)
		return 1;
	u32 idx = pers * BITMAP_WORDS + (u32)nr / 64;
	u64 *word = bpf_map_lookup_elem(&wanted, &idx);
	return word && ((*word >> ((u32)nr % 64)) & 1);
}

// exit and exit_group never return: they are never counted (as strace).
static __always_inline int never_returns(u32 pers, long nr)
{
	if (pers)
		return nr == 1 || nr == 252;
	return nr == 60 || nr == 231;
}

// The CPU time of a call is its wall time less the time its task spent off the CPU meanwhile,
// which sched_switch adds up (on the same clock, ktime: the scheduler's own clock_task leaves
// out steal and IRQ time, so differences of sum_exec_runtime and exec_start drift from wall
// time on a busy VM).

// The histogram bucket of a duration: exact below 16 ns, then 16 sub-buckets per power of two
// (src/trace/hist.rs, bucket_of).
static __always_inline u16 hist_bucket(u64 ns)
{
	if (ns < 16)
		return ns;
	u32 e = 0;
	u64 v = ns;
	if (v >> 32) { v >>= 32; e += 32; }
	if (v >> 16) { v >>= 16; e += 16; }
	if (v >> 8) { v >>= 8; e += 8; }
	if (v >> 4) { v >>= 4; e += 4; }
	if (v >> 2) { v >>= 2; e += 2; }
	if (v >> 1) { e += 1; }
	u64 sub = (ns >> (e - 4)) & 15;
	return (u16)((e - 3) * 16 + sub);
}

static __always_inline u8 current_gen(void)
{
	u32 zero = 0;
	u32 *g = bpf_map_lookup_elem(&generation, &zero);
	return g ? (u8)*g : 0;
}

SEC("raw_tracepoint/sys_enter")
int sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	u32 tid = (u32)pid_tgid, tgid = pid_tgid >> 32;
	if (!is_traced(tid, tgid))
		return 0;
	long nr = (long)ctx->args[1];
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	u32 pers = (BPF_CORE_READ(t, thread_info.status) & TS_COMPAT) ? 1 : 0;
	if (never_returns(pers, nr) || !is_wanted(pers, nr))
		return 0;
	u32 key_tid = tid;
	if (key_by_tid) {
		u32 *alias = bpf_map_lookup_elem(&aliases, &tid);
		if (alias)
			key_tid = *alias;
	}
	// The task's slot is reused from call to call (sys_exit marks it free with ts = 0): no
	// insert and delete per call; process_exit deletes it.
	struct start *slot = bpf_map_lookup_elem(&starts, &tid);
	if (slot) {
		slot->nr = (u64)nr;
		slot->pers = pers;
		slot->key_tid = key_tid;
		slot->off_at = 0;
		slot->off_ns = 0;
		slot->ts = bpf_ktime_get_ns();
		return 0;
	}
	struct start s = {};
	s.nr = (u64)nr;
	s.pers = pers;
	s.key_tid = key_tid;
	s.ts = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&starts, &tid, &s, BPF_ANY))
		COUNT_LOST(starts);
	return 0;
}

static __always_inline void agg(u64 *total, u64 *min, u64 *max, u64 ns)
{
	*total += ns;
	if (ns < *min)
		*min = ns;
	if (ns > *max)
		*max = ns;
}

// The command's execve failed: stop counting it (see `spawned`).
static __always_inline void stop_if_spawned(u32 tid, u32 tgid)
{
	u32 zero = 0;
	u32 *sp = bpf_map_lookup_elem(&spawned, &zero);
	if (!sp || *sp != tid)
		return;
	bpf_map_delete_elem(&tids, &tid);
	bpf_map_delete_elem(&tgids, &tgid);
	*sp = 0;
}

SEC("raw_tracepoint/sys_exit")
int sys_exit(struct bpf_raw_tracepoint_args *ctx)
{
	u64 now = bpf_ktime_get_ns();
	u64 pid_tgid = bpf_get_current_pid_tgid();
	u32 tid = (u32)pid_tgid, tgid = pid_tgid >> 32;
	struct start *s = bpf_map_lookup_elem(&starts, &tid);
	if (!s || !s->ts)
		return 0;
	// A call ended by SIGKILL: not counted, as under ptrace.
	if (sigkill_pending()) {
		s->ts = 0;
		return 0;
	}
	u64 wall = now - s->ts;
	u64 cpu = 0;
	if (!wall_only)
		cpu = s->off_ns < wall ? wall - s->off_ns : 0;
	long ret = (long)ctx->args[1];
	struct key k = {};
	k.tid = key_by_tid ? s->key_tid : 0;
	k.tgid = tgid;
	k.nr = s->nr;
	k.pers = s->pers;
	k.gen = current_gen();
	s->ts = 0; // the slot is free
	int failed = (unsigned long)ret >= (unsigned long)-4095; // IS_ERR_VALUE, as ptrace's is_error
	if (failed && k.nr == (k.pers ? 11 : 59))
		stop_if_spawned(tid, tgid);

	struct counts *c = bpf_map_lookup_elem(&counts, &k);
	if (!c) {
		struct counts zero = {};
		zero.cpu_min = ~0ULL;
		zero.wall_min = ~0ULL;
		// Fails when another CPU made the row first: then the lookup finds it.
		bpf_map_update_elem(&counts, &k, &zero, BPF_NOEXIST);
		c = bpf_map_lookup_elem(&counts, &k);
		if (!c) {
			COUNT_LOST(counts);
			return 0;
		}
	}
	c->calls++;
	if (failed)
		c->errors++;
	agg(&c->wall_total, &c->wall_min, &c->wall_max, wall);
	if (!wall_only)
		agg(&c->cpu_total, &c->cpu_min, &c->cpu_max, cpu);

	k.bucket = hist_bucket(hist_wall ? wall : cpu);
	u64 *n = bpf_map_lookup_elem(&hist, &k);
	if (n) {
		(*n)++;
	} else {
		u64 one = 1;
		if (bpf_map_update_elem(&hist, &k, &one, BPF_NOEXIST)) {
			n = bpf_map_lookup_elem(&hist, &k);
			if (n)
				(*n)++;
			else
				COUNT_LOST(hist);
		}
	}
	return 0;
}

// ---- Per-call records (ksec trace without -c, --backend ebpf) ----
//
// sys_enter_lines and sys_exit_lines write one record per call entry and exit into the ring
// buffer `lines`, with the call's registers and the tracee memory its decoder prints: what
// each syscall's arguments point to is described by the loader in `specs` (one row per
// personality and number: src/trace/ebpf/capture.rs), read here while the call is at its entry
// or exit, as a ptrace tracer reads it while the task is stopped. The task runs on: if the
// reader falls behind and the ring is full, records are counted as lost (per CPU, and on the
// task, whose next record says so), never waited for. Forks, execs, exits and signals follow
// in the same ring, so the reader sees one stream in the order the kernel made it.

#define REC_ENTER 1
#define REC_EXIT 2
#define REC_FORK 3   // a followed child: tid/tgid the child's, a[0] the parent's tid
#define REC_EXEC 4   // tid the new one, a[0] the tid before
#define REC_END 5    // a task exits: a[0] its exit_code (a wait status)
#define REC_SIGNAL 6 // a[0] the signal, a[1] 1 when the kernel ignored it; region 0: siginfo

#define REC_LOST_BEFORE 1 // flags: records of this task were lost before this one

struct lrec {
	u32 kind;
	u32 tid;
	u32 tgid;
	u32 pers;
	u64 ts;  // bpf_ktime_get_ns
	u64 nr;  // ENTER: the number; EXIT: the return value; else 0
	u64 a[6];
	u64 sp;  // ENTER: the stack pointer
	u64 wall; // EXIT: ns since the entry
	u32 nregions;
	u32 flags;
	u32 fdinfo; // fd argument 0 when the call has W_NETLINK items: 1 no netlink socket,
	            // 2 + its protocol a netlink socket; 0 not looked at
	u32 pad;
};

// A region of tracee memory: its address, its length, then the bytes (padded to 8).
struct region {
	u64 addr;
	u32 len;
	u32 pad; // REGION_FAILED: could not be read in the kernel (len 0)
};

#define REGION_FAILED 1 // could not be read in the kernel (len 0)
#define REGION_RETRY 2  // in an exit record: an entry region read again, the entry's failed

#define REC_FAILED 2 // flags: an entry region could not be read (read again at the exit)

#define LBUF 32768
#define RMAX 8192 // a region holds at most RMAX - 1 bytes
#define HDR ((u32)sizeof(struct lrec))

struct lbuf {
	u8 data[LBUF];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096); // the loader sets the size (a page when counting)
} lines SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct lbuf);
} lbufs SEC(".maps");

// Capture kinds (src/trace/ebpf/capture.rs `Kind`).
#define K_STR 1   // a NUL-terminated string at A, at most cap bytes
#define K_FIXED 2 // cap bytes at A + off
#define K_BUF 3   // min(arg[arg2], cap) bytes at A
#define K_RET 4   // exit: min(ret * max(elem, 1), cap) bytes at A
#define K_ARR 5   // min(arg[arg2] * elem, cap) bytes at A
#define K_LENP 6  // the u32 at arg[arg2], then min(that, cap) bytes at A
#define K_IOV 7   // an iovec array at A of min(arg[arg2], 16) elements, each base min(len, cap)
#define K_STRV 8  // a pointer array at A (at most elem + 1 pointers), each string cap bytes
#define K_PTRS 9  // a pointer array at A: cap bytes of it (envp's count)
#define K_MSG 10  // a msghdr at A: its name, iovecs (bases cap bytes each), control
#define K_DEREF 11 // the pointer at A + off, then cap bytes there
#define K_IOCTL 12 // ioctl's arg: _IOC_SIZE of the command (or cap without one) bytes at A
#define K_MMSG 13 // an mmsghdr array at A of min(arg[arg2], elem) elements, each as K_MSG

#define W_ENTRY 1
#define W_EXIT 2
#define W_NETLINK 4 // `when` flag: on a netlink socket (fd argument 0), read up to RMAX - 1
                    // bytes: netlink messages are decoded whole, whatever -s says

#define S_IFMT 0170000
#define S_IFSOCK 0140000
#define AF_NETLINK 16

// What the current task's `fd` is, as `struct lrec` fdinfo says: 1 no netlink socket, 2 + the
// protocol of a netlink socket.
static __always_inline u32 netlink_info(long fd)
{
	if (fd < 0)
		return 1;
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
	if (!fdt || (unsigned long)fd >= BPF_CORE_READ(fdt, max_fds))
		return 0;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = 0;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	if (!f || (BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return 1;
	struct socket *so = BPF_CORE_READ(f, private_data);
	if (!so)
		return 1;
	struct sock *sk = BPF_CORE_READ(so, sk);
	if (!sk || BPF_CORE_READ(sk, __sk_common.skc_family) != AF_NETLINK)
		return 1;
	return 2 + BPF_CORE_READ(sk, sk_protocol);
}

#define ARG_SP 6 // `arg` 6 is the stack pointer

struct item {
	u8 when;
	u8 kind;
	u8 arg;
	u8 arg2;
	u16 cap;
	s16 elem; // K_FIXED/K_DEREF: the offset; K_RET/K_ARR: the element size; K_STRV: elements
};

#define ITEMS 6
struct spec {
	struct item items[ITEMS];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * NR_BITMAP);
	__type(key, u32);
	__type(value, struct spec);
} specs SEC(".maps");

// A call in flight, for its exit record.
struct lflight {
	u64 ts;
	u64 nr;
	u64 a[6];
	u32 pers;
	u32 lost; // records of the task lost since its last one written
	u32 retry; // an entry region could not be read: read the entry's items again at the exit
	u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, u32);
	__type(value, struct lflight);
} lflights SEC(".maps");

// Records the ring had no room for (index 0, per CPU).
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} lines_lost SEC(".maps");

#define WAKE_LINES (256 * 1024)

// Sends the record in `b` (`len` bytes); 0 when it was written.
static __always_inline int lsend(struct lbuf *b, u32 len)
{
	if (len > LBUF)
		return -1;
	u64 flags = bpf_ringbuf_query(&lines, BPF_RB_AVAIL_DATA) >= WAKE_LINES ? BPF_RB_FORCE_WAKEUP :
										   BPF_RB_NO_WAKEUP;
	if (bpf_ringbuf_output(&lines, b->data, len, flags)) {
		u32 zero = 0;
		u64 *n = bpf_map_lookup_elem(&lines_lost, &zero);
		if (n)
			(*n)++;
		return -1;
	}
	return 0;
}

static __always_inline struct lbuf *lbuf(void)
{
	u32 zero = 0;
	return bpf_map_lookup_elem(&lbufs, &zero);
}

// Appends a region of `len` bytes at user address `addr` at offset `o` of the record in `b`;
// with `how` bit 0, a string of at most `len` bytes; `how >> 1` is the region's mark. Returns
// the offset after it (`o` when it does not fit). A global function: the verifier checks it
// once, not at every call.
__attribute__((noinline)) u32 region(struct lbuf *b, u32 o, u64 addr, u32 len, u32 how)
{
	u32 str = how & 1, mark = how >> 1;
	if (!b || !addr || len == 0)
		return o;
	if (len >= RMAX)
		len = RMAX - 1;
	// The verifier must see the bound on the register passed: the barrier keeps the compiler
	// from dropping the mask as implied by the clamp.
	barrier_var(len);
	len &= RMAX - 1;
	if (o > LBUF - RMAX - sizeof(struct region))
		return o;
	barrier_var(o);
	o &= LBUF - 1;
	if (o > LBUF - RMAX - sizeof(struct region))
		return o;
	u8 *dst = b->data + o + sizeof(struct region);
	long n;
	if (str) {
		n = bpf_probe_read_user_str(dst, len, (const void *)addr);
	} else {
		n = bpf_probe_read_user(dst, len, (const void *)addr);
		if (n == 0) {
			n = len;
		} else if (len > 64 && o <= LBUF - 2 * RMAX - sizeof(struct region)) {
			// Runs into a page that cannot be read: page by page up to it, as a tracer's
			// reads give it (in the first half of the record: the verifier's bounds).
			u32 got = 0;
			for (int i = 0; i < 3; i++) {
				u32 part = 4096 - ((addr + got) & 4095);
				if (got >= len)
					break;
				if (part > len - got)
					part = len - got;
				barrier_var(part);
				part &= 4095 | 4096;
				barrier_var(got);
				got &= RMAX - 1;
				u32 at = o;
				barrier_var(at);
				if (at > LBUF - 2 * RMAX - sizeof(struct region))
					break;
				u8 *to = b->data + at + sizeof(struct region) + got;
				if (part == 0 || bpf_probe_read_user(to, part, (const void *)(addr + got)))
					break;
				got += part;
			}
			n = got ? (long)got : -1L;
		}
	}
	struct region *r = (struct region *)(b->data + o);
	struct lrec *h = (struct lrec *)b->data;
	h->nregions++;
	r->addr = addr;
	if (n <= 0) {
		// Not readable without a page fault (a string in a page not touched yet), or not
		// mapped: said with no bytes, so the reader may read it from the live task.
		r->len = 0;
		r->pad = REGION_FAILED;
		h->flags |= REC_FAILED;
		return o + sizeof(struct region);
	}
	r->len = (u32)n;
	r->pad = mark;
	return o + sizeof(struct region) + (((u32)n + 7) & ~7u);
}

static __always_inline u64 read_u64(u64 addr)
{
	u64 v = 0;
	if (bpf_probe_read_user(&v, sizeof(v), (const void *)addr))
		return 0;
	return v;
}

static __always_inline u32 read_u32(u64 addr)
{
	u32 v = 0;
	if (bpf_probe_read_user(&v, sizeof(v), (const void *)addr))
		return 0;
	return v;
}

#define IOV_MAX_CAPTURED 16

// An iovec array and the start of each buffer.
static __always_inline void iovecs(struct lbuf *b, u32 *off, u64 iov, u64 n, u32 cap, u32 mark)
{
	if (n > IOV_MAX_CAPTURED)
		n = IOV_MAX_CAPTURED;
	*off = region(b, *off, iov, (u32)n * 16, mark << 1);
	for (int i = 0; i < IOV_MAX_CAPTURED; i++) {
		if (i >= n)
			break;
		u64 base = read_u64(iov + i * 16);
		u64 len = read_u64(iov + i * 16 + 8);
		*off = region(b, *off, base, len < cap ? (u32)len : cap, mark << 1);
	}
}

#define STRV_MAX 64
#define MMSG_MAX 64 // messages read of sendmmsg/recvmmsg (the spec's elem, at most this)

// What a msghdr at `a` points to: its name, iovecs (bases `cap` bytes each), control. A global
// function, verified once.
__attribute__((noinline)) u32 msg_parts(struct lbuf *b, u32 off, u64 a, u32 cap, u32 mark)
{
	if (!b || !a)
		return off;
	// struct msghdr: name 0, namelen 8, iov 16, iovlen 24, control 32, controllen 40.
	u64 name = read_u64(a), namelen = read_u32(a + 8);
	u64 iov = read_u64(a + 16), iovlen = read_u64(a + 24);
	u64 ctl = read_u64(a + 32), ctllen = read_u64(a + 40);
	off = region(b, off, name, namelen < 128 ? (u32)namelen : 128, mark << 1);
	iovecs(b, &off, iov, iovlen, cap, mark);
	return region(b, off, ctl, ctllen < 512 ? (u32)ctllen : 512, mark << 1);
}

struct cap_ctx {
	u64 a[7]; // the arguments, and the stack pointer
	s64 ret;
	u32 off;
	u32 idx; // specs row
	u32 mark; // the regions' `pad` (REGION_RETRY when entry items are read again at the exit)
	u8 when;
};

// Reads item `i` of the call's specs row into the record; 1 when the row has no more. A
// global function, verified once rather than in every caller's context (the programs load in
// a fraction of the time).
__attribute__((noinline)) int capture_one(struct cap_ctx *c, u32 i)
{
	if (!c || i >= ITEMS)
		return 1;
	struct spec *sp = bpf_map_lookup_elem(&specs, &c->idx);
	struct lbuf *b = lbuf();
	if (!sp || !b)
		return 1;
	barrier_var(i); // the bound checked on the register that indexes
	if (i >= ITEMS)
		return 1;
	struct item it = sp->items[i];
	if (!it.kind)
		return 1; // the last item
	if ((it.when & 3) != c->when)
		return 0;
	if (it.arg > ARG_SP || it.arg2 > 5)
		return 1;
	u64 a = c->a[it.arg];
	u64 a2 = c->a[it.arg2];
	u32 cap = it.cap;
	if (it.when & W_NETLINK) {
		struct lrec *h = (struct lrec *)b->data;
		if (!h->fdinfo)
			h->fdinfo = netlink_info((long)c->a[0]);
		if (h->fdinfo >= 2)
			cap = RMAX - 1;
	}
	if (cap > RMAX)
		cap = RMAX;
	switch (it.kind) {
	case K_STR:
		c->off = region(b, c->off, a, cap, 1 | (c->mark << 1));
		break;
	case K_FIXED:
		c->off = region(b, c->off, a ? a + it.elem : 0, cap, c->mark << 1);
		break;
	case K_BUF:
		c->off = region(b, c->off, a, a2 < cap ? (u32)a2 : cap, c->mark << 1);
		break;
	case K_RET: {
		if (c->ret <= 0)
			break;
		u64 n = (u64)c->ret * (it.elem > 0 ? it.elem : 1);
		u64 want = n < it.cap ? n : it.cap; // the cap here may exceed a region: in pieces
		for (int k = 0; k < 3; k++) {
			u64 done = (u64)k * (RMAX - 1);
			if (done >= want)
				break;
			u64 piece = want - done < RMAX - 1 ? want - done : RMAX - 1;
			c->off = region(b, c->off, a + done, (u32)piece, c->mark << 1);
		}
		break;
	}
	case K_ARR: {
		u64 n = a2 * (it.elem > 0 ? it.elem : 1);
		c->off = region(b, c->off, a, n < cap ? (u32)n : cap, c->mark << 1);
		break;
	}
	case K_LENP: {
		c->off = region(b, c->off, a2, 4, c->mark << 1);
		u32 n = a2 ? read_u32(a2) : 0;
		c->off = region(b, c->off, a, n < cap ? n : cap, c->mark << 1);
		break;
	}
	case K_IOV:
		iovecs(b, &c->off, a, a2, cap, c->mark);
		break;
	case K_STRV: {
		int n = it.elem;
		if (n > STRV_MAX)
			n = STRV_MAX;
		u32 start = c->off;
		c->off = region(b, c->off, a, (u32)(n + 1) * 8, c->mark << 1);
		if (c->off == start)
			break;
		for (int k = 0; k < STRV_MAX; k++) {
			if (k >= n)
				break;
			u64 p = read_u64(a + k * 8);
			if (!p)
				break;
			c->off = region(b, c->off, p, cap, 1 | (c->mark << 1));
		}
		break;
	}
	case K_PTRS:
		c->off = region(b, c->off, a, cap, c->mark << 1);
		break;
	case K_MSG:
		c->off = region(b, c->off, a, 56, c->mark << 1);
		c->off = msg_parts(b, c->off, a, cap, c->mark);
		break;
	case K_MMSG: {
		// struct mmsghdr: a msghdr and msg_len, 64 bytes; at most MMSG_MAX of them.
		u64 most = it.elem > 0 && it.elem < MMSG_MAX ? it.elem : MMSG_MAX;
		u64 n = a2 < most ? a2 : most;
		// One more header than printed: the decoder looks whether the array goes on.
		u64 hdrs = a2 < most + 1 ? a2 : most + 1;
		c->off = region(b, c->off, a, (u32)hdrs * 64, c->mark << 1);
		for (int k = 0; k < MMSG_MAX; k++) {
			if (k >= n)
				break;
			c->off = msg_parts(b, c->off, a + k * 64, cap, c->mark);
		}
		break;
	}
	case K_DEREF: {
		u64 p = a ? read_u64(a + it.elem) : 0;
		c->off = region(b, c->off, p, cap, c->mark << 1);
		break;
	}
	case K_IOCTL: {
		// _IOC: dir in bits 30-31, size in bits 16-29.
		u32 cmd = (u32)c->a[1];
		u32 dir = cmd >> 30, size = (cmd >> 16) & 0x3fff;
		u32 n = dir ? size : cap;
		c->off = region(b, c->off, a, n < RMAX ? n : RMAX, c->mark << 1);
		break;
	}
	}
	return 0;
}

static long capture_item(u64 i, struct cap_ctx *c)
{
	return capture_one(c, (u32)i) ? 1 : 0;
}

static __always_inline void capture(struct cap_ctx *c)
{
	bpf_loop(ITEMS, capture_item, c, 0);
}

static __always_inline u32 spec_idx(u32 pers, long nr)
{
	if (nr < 0 || nr >= NR_BITMAP)
		return 2 * NR_BITMAP; // no row: nothing captured
	return pers * NR_BITMAP + (u32)nr;
}

// ---- Fd names (-y, -yy) ----
//
// With `fd_names` set, a record carries what each fd the call's decoder prints is, read in the
// kernel at the call's entry (its fd arguments, AT_FDCWD's working directory) or exit (the fd
// it returns, the pair pipe and socketpair write): regions marked REGION_FD, whose `addr` is
// the fd (AT_FDCWD for the working directory) and whose bytes are a struct fdname and its
// text. The line printer names the fds from these, so a task gone (or an fd closed or reused)
// by the time its line is printed still prints what strace would have. The loader says which
// arguments are fds in `fdspecs` (src/trace/ebpf/fdname.rs).

#define REGION_FD 4

#define FD_NAMES_PATH 1 // -y
#define FD_NAMES_ALL 2  // -yy: sockets' protocols and endpoints too

// `fdspecs` bits.
#define FDS_ARGS 0x3f      // arguments that are fds (bit i: argument i), named at the entry
#define FDS_CWD_SHIFT 8    // arguments that are directory fds: AT_FDCWD is the working dir
#define FDS_RET (1 << 16)  // the return value is an fd, named at the exit
#define FDS_PAIR0 (1 << 17) // exit: the int[2] at argument 0 (pipe, pipe2)
#define FDS_PAIR3 (1 << 18) // exit: the int[2] at argument 3 (socketpair)

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * NR_BITMAP);
	__type(key, u32);
	__type(value, u32);
} fdspecs SEC(".maps");

// What an fd is. `kind`:
#define FDK_NONE 0   // no such fd
#define FDK_PATH 1   // text: the path's names, leaf first, each NUL-terminated (a dentry walk)
#define FDK_PIPE 2   // pipe:[ino]
#define FDK_SOCKET 3 // socket:[ino]; with -yy the socket fields and, for AF_UNIX, text: its
                     // bound address (sun_path, as many bytes as the address has)
#define FDK_ANON 4   // text: the dentry's name (anon_inode:[eventfd])
#define FDK_OTHER 5  // another pseudo file system: the reader asks /proc
// `flags`:
#define FDN_DELETED 1 // the file was unlinked (d_unlinked)
#define FDN_CUT 2     // the walk stopped before the task's root (too deep, too long)

struct fdname {
	u64 ino;
	u32 mode; // i_mode
	u32 rdev; // i_rdev, the kernel's dev_t (major << 20 | minor)
	u32 flags;
	u16 text_len;
	u8 kind;
	u8 state; // sockets: skc_state
	u16 family;
	u16 type;
	u16 protocol;
	u16 sport; // host order
	u16 dport; // host order
	u16 pad;
	u32 peer_ino; // AF_UNIX: the peer's inode
	u8 saddr[16];
	u8 daddr[16];
	char proto[16]; // sk_prot->name: TCP, UDPv6, UNIX-STREAM...
};

// A path walked up its dentries: at most DPATH_MAX bytes of names and DPATH_DEPTH steps; the
// buffer has NAME_ROOM more so that a name read at any offset below DPATH_MAX fits. strace
// prints up to PATH_MAX: a longer (or deeper) path is cut and flagged FDN_CUT.
#define DPATH_MAX 2048
#define DPATH_DEPTH 64
#define NAME_ROOM 256
#define DPATH_ROOM (DPATH_MAX + NAME_ROOM)

struct fdscratch {
	struct fdname n;
	char text[DPATH_ROOM];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct fdscratch);
} fdscratch SEC(".maps");

// The walk up a path's dentries: walk_path (shared with bpf/watch.bpf.c).
#include "walk.h"

#define PIPEFS_MAGIC 0x50495045
#define SOCKFS_MAGIC 0x534F434B
#define ANON_INODE_FS_MAGIC 0x09041934
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10

// The current task's file `fd`, or 0.
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

// A socket's fields for -yy.
static __always_inline void sock_fields(struct fdscratch *s, struct file *f)
{
	struct socket *so = BPF_CORE_READ(f, private_data);
	struct sock *sk = so ? BPF_CORE_READ(so, sk) : 0;
	if (!sk)
		return;
	struct fdname *n = &s->n;
	n->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	n->type = BPF_CORE_READ(sk, sk_type);
	n->protocol = BPF_CORE_READ(sk, sk_protocol);
	n->state = BPF_CORE_READ(sk, __sk_common.skc_state);
	struct proto *prot = BPF_CORE_READ(sk, __sk_common.skc_prot);
	if (prot)
		bpf_probe_read_kernel_str(n->proto, sizeof(n->proto), prot->name);
	if (n->family == AF_INET || n->family == AF_INET6) {
		n->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
		u16 dport = BPF_CORE_READ(sk, __sk_common.skc_dport);
		n->dport = (u16)((dport >> 8) | (dport << 8));
		if (n->family == AF_INET) {
			u32 sa = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
			u32 da = BPF_CORE_READ(sk, __sk_common.skc_daddr);
			__builtin_memcpy(n->saddr, &sa, 4);
			__builtin_memcpy(n->daddr, &da, 4);
		} else {
			// Whole: the kernel's in6_addr has s6_addr as a macro, not a field.
			bpf_core_read(n->saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
			bpf_core_read(n->daddr, 16, &sk->__sk_common.skc_v6_daddr);
		}
	} else if (n->family == AF_UNIX) {
		struct unix_sock *u = (struct unix_sock *)sk;
		struct sock *peer = BPF_CORE_READ(u, peer);
		struct socket *ps = peer ? BPF_CORE_READ(peer, sk_socket) : 0;
		if (ps) {
			struct socket_alloc *pa = (struct socket_alloc *)ps;
			n->peer_ino = (u32)BPF_CORE_READ(pa, vfs_inode.i_ino);
		}
		// struct unix_address { refcount_t refcnt; int len; struct sockaddr_un name[]; }:
		// plain offsets (a CO-RE offset of the flexible array comes out as a bad call
		// under aya).
		const char *addr = (const char *)BPF_CORE_READ(u, addr);
		if (addr) {
			int alen = 0;
			bpf_probe_read_kernel(&alen, sizeof(alen), addr + 4);
			if (alen > 2) {
				u32 len = (u32)alen - 2; // less sun_family
				if (len > 108)
					len = 108;
				barrier_var(len);
				len &= 127;
				if (len && bpf_probe_read_kernel(s->text, len, addr + 10) == 0)
					n->text_len = len;
			}
		}
	}
}

// Appends to the record in `b` at offset `o` the REGION_FD region of the current task's `fd`
// (AT_FDCWD: its working directory). Returns the offset after it (`o` when it does not fit).
// A global function, verified once.
__attribute__((noinline)) u32 fd_region(struct lbuf *b, u32 o, long fd)
{
	u32 zero = 0;
	struct fdscratch *s = bpf_map_lookup_elem(&fdscratch, &zero);
	if (!b || !s)
		return o;
	__builtin_memset(&s->n, 0, sizeof(s->n));
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct fs_struct *fs = BPF_CORE_READ(t, fs);
	struct path p = {};
	struct inode *ino = 0;
	if (fd == -100) { // AT_FDCWD
		if (!fs)
			return o;
		p = BPF_CORE_READ(fs, pwd);
		ino = p.dentry ? BPF_CORE_READ(p.dentry, d_inode) : 0;
	} else {
		struct file *f = file_of(fd);
		if (f) {
			p = BPF_CORE_READ(f, f_path);
			ino = BPF_CORE_READ(f, f_inode);
		}
	}
	struct fdname *n = &s->n;
	if (ino) {
		n->ino = BPF_CORE_READ(ino, i_ino);
		n->mode = BPF_CORE_READ(ino, i_mode);
		n->rdev = BPF_CORE_READ(ino, i_rdev);
		unsigned long magic = BPF_CORE_READ(ino, i_sb, s_magic);
		if (magic == PIPEFS_MAGIC) {
			n->kind = FDK_PIPE;
		} else if (magic == SOCKFS_MAGIC) {
			n->kind = FDK_SOCKET;
			if (fd_names == FD_NAMES_ALL && fd != -100) {
				struct file *f = file_of(fd);
				if (f)
					sock_fields(s, f);
			}
		} else if (magic == ANON_INODE_FS_MAGIC) {
			n->kind = FDK_ANON;
			const unsigned char *name = p.dentry ? BPF_CORE_READ(p.dentry, d_name.name) : 0;
			long len = name ? bpf_probe_read_kernel_str(s->text, NAME_ROOM, name) : 0;
			n->text_len = len > 0 ? len - 1 : 0;
		} else if (p.dentry && fs) {
			n->kind = FDK_PATH;
			struct path root = BPF_CORE_READ(fs, root);
			u8 cut = 1;
			n->text_len = walk_path(p.dentry, p.mnt, root.dentry, root.mnt, s->text, &cut);
			if (cut)
				n->flags |= FDN_CUT;
			// d_unlinked: unhashed, and not a root.
			struct dentry *up = BPF_CORE_READ(p.dentry, d_parent);
			if (!BPF_CORE_READ(p.dentry, d_hash.pprev) && up != p.dentry)
				n->flags |= FDN_DELETED;
		} else {
			n->kind = FDK_OTHER;
		}
	}
	u32 len = sizeof(struct fdname) + (n->text_len < DPATH_ROOM ? n->text_len : DPATH_ROOM);
	if (o > LBUF - sizeof(struct region) - sizeof(struct fdscratch))
		return o;
	barrier_var(o);
	o &= LBUF - 1;
	if (o > LBUF - sizeof(struct region) - sizeof(struct fdscratch))
		return o;
	barrier_var(len);
	if (len > sizeof(struct fdscratch))
		return o;
	struct region *r = (struct region *)(b->data + o);
	if (bpf_probe_read_kernel(b->data + o + sizeof(struct region), len, s))
		return o;
	r->addr = (u64)fd;
	r->len = len;
	r->pad = REGION_FD;
	struct lrec *h = (struct lrec *)b->data;
	h->nregions++;
	return o + sizeof(struct region) + ((len + 7) & ~7u);
}

// The fds of a call's entry (`exit` 0) or exit, as `fdspecs` row `idx` says.
static __always_inline u32 fd_regions(struct lbuf *b, u32 o, u32 idx, const u64 *a, s64 ret,
				      int exit)
{
	u32 *spec = bpf_map_lookup_elem(&fdspecs, &idx);
	if (!spec || !*spec)
		return o;
	u32 bits = *spec;
	if (!exit) {
		for (int i = 0; i < 6; i++) {
			int fd = (int)a[i];
			if ((bits >> i) & 1 && fd >= 0)
				o = fd_region(b, o, fd);
			else if ((bits >> (FDS_CWD_SHIFT + i)) & 1 && fd == -100)
				o = fd_region(b, o, -100);
		}
		return o;
	}
	if (ret < 0)
		return o;
	if (bits & FDS_RET)
		o = fd_region(b, o, (long)ret);
	u64 pair = bits & FDS_PAIR0 ? a[0] : (bits & FDS_PAIR3 ? a[3] : 0);
	if (pair) {
		int fds[2] = {-1, -1};
		if (bpf_probe_read_user(fds, sizeof(fds), (const void *)pair) == 0) {
			if (fds[0] >= 0)
				o = fd_region(b, o, fds[0]);
			if (fds[1] >= 0)
				o = fd_region(b, o, fds[1]);
		}
	}
	return o;
}

static __always_inline struct lrec *lhead(struct lbuf *b, u32 kind, u32 tid, u32 tgid)
{
	struct lrec *h = (struct lrec *)b->data;
	__builtin_memset(h, 0, sizeof(*h));
	h->kind = kind;
	h->tid = tid;
	h->tgid = tgid;
	h->ts = bpf_ktime_get_ns();
	return h;
}

SEC("raw_tracepoint/sys_enter")
int sys_enter_lines(struct bpf_raw_tracepoint_args *ctx)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	u32 tid = (u32)pid_tgid, tgid = pid_tgid >> 32;
	if (!is_traced(tid, tgid))
		return 0;
	long nr = (long)ctx->args[1];
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	u32 pers = (BPF_CORE_READ(t, thread_info.status) & TS_COMPAT) ? 1 : 0;
	if (!is_wanted(pers, nr))
		return 0;
	struct lbuf *b = lbuf();
	if (!b)
		return 0;
	struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
	struct cap_ctx c = {};
	if (pers) {
		c.a[0] = (u32)BPF_CORE_READ(regs, bx);
		c.a[1] = (u32)BPF_CORE_READ(regs, cx);
		c.a[2] = (u32)BPF_CORE_READ(regs, dx);
		c.a[3] = (u32)BPF_CORE_READ(regs, si);
		c.a[4] = (u32)BPF_CORE_READ(regs, di);
		c.a[5] = (u32)BPF_CORE_READ(regs, bp);
	} else {
		c.a[0] = BPF_CORE_READ(regs, di);
		c.a[1] = BPF_CORE_READ(regs, si);
		c.a[2] = BPF_CORE_READ(regs, dx);
		c.a[3] = BPF_CORE_READ(regs, r10);
		c.a[4] = BPF_CORE_READ(regs, r8);
		c.a[5] = BPF_CORE_READ(regs, r9);
	}
	c.a[6] = BPF_CORE_READ(regs, sp);
	c.off = HDR;
	c.idx = spec_idx(pers, nr);
	c.when = W_ENTRY;
	struct lrec *h = lhead(b, REC_ENTER, tid, tgid);
	h->pers = pers;
	h->nr = (u64)nr;
	for (int i = 0; i < 6; i++)
		h->a[i] = c.a[i];
	h->sp = c.a[6];
	struct lflight *f = bpf_map_lookup_elem(&lflights, &tid);
	u32 lost = f ? f->lost : 0;
	if (lost)
		h->flags |= REC_LOST_BEFORE;
	if (fd_names)
		c.off = fd_regions(b, c.off, c.idx, c.a, 0, 0);
	capture(&c);
	int sent = lsend(b, c.off) == 0;
	struct lflight nf = {};
	nf.ts = h->ts;
	nf.nr = (u64)nr;
	for (int i = 0; i < 6; i++)
		nf.a[i] = c.a[i];
	nf.pers = pers;
	nf.lost = sent ? 0 : lost + 1;
	nf.retry = sent && (h->flags & REC_FAILED);
	if (f)
		*f = nf;
	else
		bpf_map_update_elem(&lflights, &tid, &nf, BPF_ANY);
	return 0;
}

SEC("raw_tracepoint/sys_exit")
int sys_exit_lines(struct bpf_raw_tracepoint_args *ctx)
{
	u64 now = bpf_ktime_get_ns();
	u64 pid_tgid = bpf_get_current_pid_tgid();
	u32 tid = (u32)pid_tgid, tgid = pid_tgid >> 32;
	struct lflight *f = bpf_map_lookup_elem(&lflights, &tid);
	if (!f || !f->ts)
		return 0;
	// A call ended by SIGKILL: a tracer sees it end as `= ?`, with the task's exit.
	if (sigkill_pending())
		return 0;
	struct lbuf *b = lbuf();
	if (!b)
		return 0;
	struct cap_ctx c = {};
	for (int i = 0; i < 6; i++)
		c.a[i] = f->a[i];
	c.ret = (s64)ctx->args[1];
	c.off = HDR;
	c.idx = spec_idx(f->pers, f->nr);
	c.when = W_EXIT;
	struct lrec *h = lhead(b, REC_EXIT, tid, tgid);
	h->ts = now;
	h->pers = f->pers;
	h->nr = (u64)c.ret;
	h->wall = now - f->ts;
	if (f->lost)
		h->flags |= REC_LOST_BEFORE;
	f->ts = 0;
	int failed = (unsigned long)c.ret >= (unsigned long)-4095;
	if (failed && f->nr == (f->pers ? 11 : 59))
		stop_if_spawned(tid, tgid);
	if (f->retry) {
		// What the call read from user memory is in the task's pages now.
		c.when = W_ENTRY;
		c.mark = REGION_RETRY;
		capture(&c);
		c.when = W_EXIT;
		c.mark = 0;
	}
	if (fd_names)
		c.off = fd_regions(b, c.off, c.idx, c.a, c.ret, 1);
	// Also when it failed: a few decoders print memory then (sendmmsg's messages).
	capture(&c);
	if (lsend(b, c.off) == 0)
		f->lost = 0;
	else
		f->lost++;
	return 0;
}

// What a task did between its records, sent at once (fork, exec, exit).
static __always_inline void lifecycle(u32 kind, u32 tid, u32 tgid, u64 a0)
{
	struct lbuf *b = lbuf();
	if (!b)
		return;
	struct lrec *h = lhead(b, kind, tid, tgid);
	h->a[0] = a0;
	lsend(b, HDR);
}

// The kernel's siginfo (struct kernel_siginfo, 48 bytes) as region 0 of a signal record.
#define KSIGINFO 48

static __always_inline void signal_record(u32 tid, u32 tgid, int sig, const void *info, int ignored)
{
	struct lbuf *b = lbuf();
	if (!b)
		return;
	struct lrec *h = lhead(b, REC_SIGNAL, tid, tgid);
	h->a[0] = (u64)sig;
	h->a[1] = (u64)ignored;
	// SEND_SIG_NOINFO (0) and SEND_SIG_PRIV (1) are not pointers: the reader fills in.
	if ((u64)info > 4096) {
		struct region *r = (struct region *)(b->data + HDR);
		u8 *dst = b->data + HDR + sizeof(struct region);
		if (bpf_probe_read_kernel(dst, KSIGINFO, info) == 0) {
			r->addr = 0;
			r->len = KSIGINFO;
			r->pad = 0;
			h->nregions = 1;
			h->a[2] = 0;
			lsend(b, HDR + sizeof(struct region) + KSIGINFO);
			return;
		}
	}
	h->a[2] = (u64)info + 1; // 1: SEND_SIG_NOINFO, 2: SEND_SIG_PRIV
	lsend(b, HDR);
}

SEC("raw_tracepoint/signal_deliver")
int signal_deliver_lines(struct bpf_raw_tracepoint_args *ctx)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	u32 tid = (u32)pid_tgid, tgid = pid_tgid >> 32;
	// SIGKILL is never shown: a tracer sees only the task's end.
	if (!is_traced(tid, tgid) || (int)ctx->args[0] == SIGKILL)
		return 0;
	signal_record(tid, tgid, (int)ctx->args[0], (const void *)ctx->args[1], 0);
	return 0;
}

// A signal the kernel drops at once because its task ignores it (SIGCHLD by default): a
// ptrace tracer still sees it, so the record is sent for the target (the reader shows it after
// the target's next call, where a tracer would).
#define TRACE_SIGNAL_IGNORED 1

SEC("raw_tracepoint/signal_generate")
int signal_generate_lines(struct bpf_raw_tracepoint_args *ctx)
{
	if ((int)ctx->args[4] != TRACE_SIGNAL_IGNORED)
		return 0;
	struct task_struct *t = (struct task_struct *)ctx->args[2];
	u32 tid = BPF_CORE_READ(t, pid), tgid = BPF_CORE_READ(t, tgid);
	if (is_traced_task(t, tid, tgid))
		signal_record(tid, tgid, (int)ctx->args[0], (const void *)ctx->args[1], 1);
	return 0;
}

// Off-CPU time of calls in flight (not attached with -w, where only wall time is kept).
SEC("raw_tracepoint/sched_switch")
int sched_switch(struct bpf_raw_tracepoint_args *ctx)
{
	u64 now = bpf_ktime_get_ns();
	struct task_struct *prev = (struct task_struct *)ctx->args[1];
	struct task_struct *next = (struct task_struct *)ctx->args[2];
	u32 ptid = BPF_CORE_READ(prev, pid);
	struct start *s = bpf_map_lookup_elem(&starts, &ptid);
	if (s && s->ts)
		s->off_at = now;
	u32 ntid = BPF_CORE_READ(next, pid);
	s = bpf_map_lookup_elem(&starts, &ntid);
	if (s && s->ts && s->off_at) {
		s->off_ns += now - s->off_at;
		s->off_at = 0;
	}
	return 0;
}

SEC("raw_tracepoint/sched_process_fork")
int process_fork(struct bpf_raw_tracepoint_args *ctx)
{
	if (!follow || mode != MODE_PIDS)
		return 0;
	struct task_struct *parent = (struct task_struct *)ctx->args[0];
	struct task_struct *child = (struct task_struct *)ctx->args[1];
	u32 ptid = BPF_CORE_READ(parent, pid), ptgid = BPF_CORE_READ(parent, tgid);
	u32 ctid = BPF_CORE_READ(child, pid), ctgid = BPF_CORE_READ(child, tgid);
	if (!(bpf_map_lookup_elem(&tgids, &ptgid) || bpf_map_lookup_elem(&tids, &ptid)))
		return 0;
	u8 one = 1;
	long err;
	if (ctgid == ptgid)
		// A new thread: traced with its process when the process is, else by tid.
		err = bpf_map_lookup_elem(&tgids, &ptgid) ? 0 : bpf_map_update_elem(&tids, &ctid, &one, BPF_ANY);
	else
		err = bpf_map_update_elem(&tgids, &ctgid, &one, BPF_ANY);
	if (err)
		COUNT_LOST(follows);
	else if (per_call)
		lifecycle(REC_FORK, ctid, ctgid, ptid);
	return 0;
}

SEC("raw_tracepoint/sched_process_exec")
int process_exec(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *t = (struct task_struct *)ctx->args[0];
	u32 old = (u32)ctx->args[1];
	u32 tid = BPF_CORE_READ(t, pid);
	u32 zero = 0;
	u32 *sp = bpf_map_lookup_elem(&spawned, &zero);
	if (sp && *sp == old)
		*sp = 0; // the command runs: its later failed execs are its own
	if (per_call && is_traced(tid, BPF_CORE_READ(t, tgid)))
		lifecycle(REC_EXEC, tid, BPF_CORE_READ(t, tgid), old);
	if (per_call && old != tid) {
		struct lflight *lf = bpf_map_lookup_elem(&lflights, &old);
		if (lf) {
			struct lflight moved = *lf;
			bpf_map_delete_elem(&lflights, &old);
			bpf_map_update_elem(&lflights, &tid, &moved, BPF_ANY);
		}
	}
	if (old == tid)
		return 0;
	// A non-leader thread execed and took the leader's tid: its execve, in flight under the old
	// tid, completes under the new one.
	struct start *s = bpf_map_lookup_elem(&starts, &old);
	if (!s || !s->ts)
		return 0;
	struct start moved = *s;
	bpf_map_delete_elem(&starts, &old);
	bpf_map_update_elem(&starts, &tid, &moved, BPF_ANY);
	if (key_by_tid)
		bpf_map_update_elem(&aliases, &tid, &moved.key_tid, BPF_ANY);
	if (mode == MODE_PIDS && bpf_map_lookup_elem(&tids, &old)) {
		u8 one = 1;
		bpf_map_update_elem(&tids, &tid, &one, BPF_ANY);
		bpf_map_delete_elem(&tids, &old);
	}
	return 0;
}

SEC("raw_tracepoint/sched_process_exit")
int process_exit(struct bpf_raw_tracepoint_args *ctx)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	u32 tid = (u32)pid_tgid, tgid = pid_tgid >> 32;
	if (!is_traced(tid, tgid))
		return 0;
	// exit_group's or a fatal signal's end: the call in flight never returns.
	bpf_map_delete_elem(&starts, &tid);
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	if (per_call) {
		bpf_map_delete_elem(&lflights, &tid);
		// The leader of a process another thread of which execs is replaced by that thread
		// (which takes its pid): a tracer sees it superseded, not exiting.
		struct task_struct *execing = BPF_CORE_READ(t, signal, group_exec_task);
		if (!(tid == tgid && execing && execing != t))
			lifecycle(REC_END, tid, tgid, (u64)(u32)BPF_CORE_READ(t, exit_code));
	}
	if (mode == MODE_PIDS) {
		// What is left in these maps is what still runs: ksec stops when they are empty.
		bpf_map_delete_elem(&tids, &tid);
		if (BPF_CORE_READ(t, signal, live.counter) == 0)
			bpf_map_delete_elem(&tgids, &tgid);
	}
	u32 ns = BPF_CORE_READ(t, nsproxy, mnt_ns, ns.inum);
	if (ns)
		bpf_map_update_elem(&exited_mntns, &tgid, &ns, BPF_ANY);
	char comm[16] = {};
	bpf_get_current_comm(comm, sizeof(comm));
	u32 *alias = bpf_map_lookup_elem(&aliases, &tid);
	u32 name_tid = alias ? *alias : tid;
	bpf_map_update_elem(&comms, &name_tid, comm, BPF_ANY);
	bpf_map_delete_elem(&aliases, &tid);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
