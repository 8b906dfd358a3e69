// bpf/walk.h - the walk up a path's dentries that bpf/trace.bpf.c (-y's fd names) and
// bpf/watch.bpf.c (proc.cwd, proc.exepath, relative opens) share. Include it after declaring
// struct qstr, dentry, vfsmount and mount (with preserve_access_index) and defining DPATH_MAX
// (bytes of names) and DPATH_DEPTH (steps).
//
// The walk is a bpf_loop, so the verifier checks one step, not every path through DPATH_DEPTH
// of them. The field offsets are CO-RE relocated in the calling program and passed in the
// loop's state: the callback reads with plain offsets (CO-RE relocations inside bpf_loop
// callbacks came out wrong under aya).
#ifndef KSEC_BPF_WALK_H
#define KSEC_BPF_WALK_H

struct walk {
	struct dentry *d;
	struct vfsmount *vm;
	struct mount *m;
	struct dentry *root_d;
	struct vfsmount *root_mnt;
	char *out;
	u32 off;
	u8 cut;
	u8 pad[3];
	u64 o_parent; // dentry.d_parent
	u64 o_name; // dentry.d_name.name
	u64 o_mnt_root; // vfsmount.mnt_root
	u64 o_mnt_parent; // mount.mnt_parent
	u64 o_mountpoint; // mount.mnt_mountpoint
	u64 o_mnt; // mount.mnt
};

static __always_inline void *read_ptr(const void *base, u64 off)
{
	void *p = NULL;
	bpf_probe_read_kernel(&p, sizeof(p), (const char *)base + off);
	return p;
}

// One step of walk_path: a name, or a mount crossed. Returns 1 to stop.
static long walk_step(u32 i, struct walk *w)
{
	struct dentry *d = w->d;
	if (!d)
		return 1;
	if (d == w->root_d && w->vm == w->root_mnt) {
		w->cut = 0;
		return 1;
	}
	if (d == read_ptr(w->vm, w->o_mnt_root)) {
		// The top of a mount: go on from where it is mounted.
		struct mount *parent = read_ptr(w->m, w->o_mnt_parent);
		if (!parent || parent == w->m) {
			w->cut = 0; // the top of the whole tree
			return 1;
		}
		w->d = read_ptr(w->m, w->o_mountpoint);
		w->m = parent;
		w->vm = (struct vfsmount *)((char *)parent + w->o_mnt);
		return 0;
	}
	struct dentry *up = read_ptr(d, w->o_parent);
	if (up == d) {
		w->cut = 0;
		return 1;
	}
	u32 off = w->off;
	if (off >= DPATH_MAX)
		return 1;
	const unsigned char *name = read_ptr(d, w->o_name);
	char *out = w->out;
	if (!out)
		return 1;
	long n = bpf_probe_read_kernel_str(out + (off & (DPATH_MAX - 1)), NAME_ROOM, name);
	if (n <= 0)
		return 1;
	w->off = off + n;
	w->d = up;
	return 0;
}

// The names of the path (`d`, `vm`) up to the root (`root_d`, `root_mnt`) or the top of the
// mount tree, leaf first, each NUL-terminated, into `out` (DPATH_ROOM bytes): what d_path
// gives, reversed, without its " (deleted)". Returns the bytes written; `*cut` is set when the
// walk stopped before the root. A bpf_loop, so the verifier checks one step, not every path
// through DPATH_DEPTH of them.
static __always_inline u32 walk_path(struct dentry *d, struct vfsmount *vm, struct dentry *root_d,
				     struct vfsmount *root_mnt, char *out, u8 *cut)
{
	u64 o_mnt = bpf_core_field_offset(struct mount, mnt);
	struct walk w = {
		.d = d,
		.vm = vm,
		.m = (struct mount *)((char *)vm - o_mnt),
		.root_d = root_d,
		.root_mnt = root_mnt,
		.out = out,
		.off = 0,
		.cut = 1,
		.o_parent = bpf_core_field_offset(struct dentry, d_parent),
		.o_name = bpf_core_field_offset(struct dentry, d_name) +
			  bpf_core_field_offset(struct qstr, name),
		.o_mnt_root = bpf_core_field_offset(struct vfsmount, mnt_root),
		.o_mnt_parent = bpf_core_field_offset(struct mount, mnt_parent),
		.o_mountpoint = bpf_core_field_offset(struct mount, mnt_mountpoint),
		.o_mnt = o_mnt,
	};
	bpf_loop(DPATH_DEPTH, walk_step, &w, 0);
	*cut = w.cut;
	return w.off > DPATH_MAX ? DPATH_MAX : w.off;
}

#endif
