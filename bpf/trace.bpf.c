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

// Just the kernel fields read here; CO-RE relocates them against the running kernel's BTF.
struct thread_info {
	u32 status;
} __attribute__((preserve_access_index));

typedef struct {
	int counter;
} atomic_t;

struct signal_struct {
	atomic_t live;
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

struct task_struct {
	struct thread_info thread_info;
	struct sigpending pending;
	struct nsproxy *nsproxy;
	int pid;
	int tgid;
	struct signal_struct *signal;
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

static __always_inline int is_traced(u32 tid, u32 tgid)
{
	if (tgid == self_tgid)
		return 0;
	if (mode == MODE_ALL)
		return 1;
	if (mode == MODE_MNTNS) {
		struct task_struct *t = (struct task_struct *)bpf_get_current_task();
		u32 ns = BPF_CORE_READ(t, nsproxy, mnt_ns, ns.inum);
		return bpf_map_lookup_elem(&mntns, &ns) != 0;
	}
	return bpf_map_lookup_elem(&tgids, &tgid) != 0 || bpf_map_lookup_elem(&tids, &tid) != 0;
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
	// A call ended by SIGKILL (kill -9, exit_group or execve in another thread) never returns
	// to its task: not counted, as under ptrace.
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	if (BPF_CORE_READ(t, pending.signal.sig[0]) & (1UL << (SIGKILL - 1))) {
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
