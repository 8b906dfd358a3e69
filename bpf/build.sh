#!/bin/sh
# Rebuilds bpf/trace.bpf.o and bpf/watch.bpf.o from their .bpf.c sources (and bpf/walk.h, which
# both include) with Debian's clang 14 (packages clang-14, llvm-14, libbpf-dev, and
# linux-libc-dev for <linux/bpf.h>). The objects are committed so that `cargo build` needs no
# clang; CI runs `bpf/build.sh --check` to see that they match their sources.
#   bpf/build.sh          rebuild bpf/trace.bpf.o and bpf/watch.bpf.o
#   bpf/build.sh --check  rebuild into temporary files and fail if one differs from the committed one
set -eu
cd "$(dirname "$0")/.."
CLANG=${CLANG:-clang-14}
STRIP=${STRIP:-llvm-strip-14}
tmp=
if [ "${1:-}" = "--check" ]; then
    tmp=$(mktemp -d /tmp/ksec-bpf.XXXXXX)
    trap 'rm -rf "$tmp"' EXIT
fi
status=0
for name in trace watch; do
    out=bpf/$name.bpf.o
    if [ -n "$tmp" ]; then
        out=$tmp/$name.bpf.o
    fi
    # The source path mapped to `.` (BTF's line info names the file) and no DWARF: the object is
    # the same wherever the tree is checked out.
    "$CLANG" -O2 -g -target bpf -D__TARGET_ARCH_x86 -I/usr/include/x86_64-linux-gnu \
        -fdebug-prefix-map="$PWD"=. -Wall -Werror -c bpf/$name.bpf.c -o "$out"
    "$STRIP" -g "$out"
    if [ -n "$tmp" ]; then
        if cmp -s "$out" bpf/$name.bpf.o; then
            echo "bpf/$name.bpf.o matches bpf/$name.bpf.c"
        else
            echo "bpf/$name.bpf.o does not match bpf/$name.bpf.c: run bpf/build.sh and commit the object" >&2
            status=1
        fi
    fi
done
exit $status
