#!/bin/sh
# Rebuilds bpf/trace.bpf.o from bpf/trace.bpf.c with Debian's clang 14 (packages clang-14,
# llvm-14, libbpf-dev, and linux-libc-dev for <linux/bpf.h>). The object is committed so that
# `cargo build` needs no clang; CI runs `bpf/build.sh --check` to see that it matches its source.
#   bpf/build.sh          rebuild bpf/trace.bpf.o
#   bpf/build.sh --check  rebuild into a temporary file and fail if it differs from the committed one
set -eu
cd "$(dirname "$0")/.."
CLANG=${CLANG:-clang-14}
STRIP=${STRIP:-llvm-strip-14}
out=bpf/trace.bpf.o
if [ "${1:-}" = "--check" ]; then
    out=$(mktemp /tmp/trace.bpf.XXXXXX.o)
    trap 'rm -f "$out"' EXIT
fi
# The source path mapped to `.` (BTF's line info names the file) and no DWARF: the object is the
# same wherever the tree is checked out.
"$CLANG" -O2 -g -target bpf -D__TARGET_ARCH_x86 -I/usr/include/x86_64-linux-gnu \
    -fdebug-prefix-map="$PWD"=. -Wall -Werror -c bpf/trace.bpf.c -o "$out"
"$STRIP" -g "$out"
if [ "${1:-}" = "--check" ]; then
    if ! cmp -s "$out" bpf/trace.bpf.o; then
        echo "bpf/trace.bpf.o does not match bpf/trace.bpf.c: run bpf/build.sh and commit the object" >&2
        exit 1
    fi
    echo "bpf/trace.bpf.o matches bpf/trace.bpf.c"
fi
