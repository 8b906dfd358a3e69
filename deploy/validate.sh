#!/usr/bin/env bash
# Validates deploy/'s manifests offline against the Kubernetes schemas (kubernetes-validate,
# from PyPI, carries them), strictly (unknown fields are errors); with a ksec binary (argument
# or target/release/ksec), also checks that the ConfigMap's rules load after ksec's defaults.
set -euo pipefail
cd "$(dirname "$0")"

kubernetes-validate --strict ksec.yaml

# The validator is not a no-op: a misspelt field must fail it.
bad=$(mktemp --suffix=.yaml)
sed 's/readOnlyRootFilesystem: true/readOnlyRootFilesytem: true/' ksec.yaml > "$bad"
if kubernetes-validate --strict --quiet "$bad" >/dev/null 2>&1; then
  echo "deploy/validate.sh: a misspelt field passed kubernetes-validate" >&2
  rm -f "$bad"
  exit 1
fi
rm -f "$bad"

ksec=${1:-../target/release/ksec}
if [[ -x $ksec ]]; then
  dir=$(mktemp -d)
  trap 'rm -rf "$dir"' EXIT
  python3 - "$dir" <<'PY'
import sys, yaml
for doc in yaml.safe_load_all(open("ksec.yaml")):
    if doc and doc.get("kind") == "ConfigMap" and doc["metadata"]["name"] == "ksec-rules":
        for name, text in doc["data"].items():
            open(f"{sys.argv[1]}/{name}", "w").write(text)
PY
  "$ksec" watch --print-default-rules > "$dir/00-ksec_rules.yaml.default"
  "$ksec" watch --validate -r "$dir/00-ksec_rules.yaml.default" -r "$dir"
fi

# The Dockerfile's build stage, without its base image (no registry here): exactly the files
# its COPY lines bring, built with its RUN line's cargo command (--locked; the repository's
# target directory reused, so only ksec itself compiles), then the runtime stage's user and
# command: `ksec doctor` as 65534.
if [[ ${KSEC_CHECK_DOCKERFILE:-1} == 1 ]]; then
  ctx=$(mktemp -d)
  trap 'rm -rf "$ctx" ${dir:-}' EXIT
  repo=$(cd .. && pwd)
  copies=$(awk '/^FROM /{n++} n==1 && $1=="COPY" && $2!~/^--/{for (i=2; i<NF; i++) print $i}' Dockerfile)
  [[ -n $copies ]] || { echo "deploy/validate.sh: no COPY in the Dockerfile's build stage" >&2; exit 1; }
  for f in $copies; do cp -r "$repo/$f" "$ctx/"; done
  cmd=$(sed -n 's/^RUN \(cargo build[^&\\]*\).*/\1/p' Dockerfile)
  cmd=${cmd%"${cmd##*[! ]}"}
  [[ $cmd == "cargo build --release --locked --bin ksec" ]] ||
    { echo "deploy/validate.sh: unexpected RUN line: $cmd" >&2; exit 1; }
  (cd "$ctx" && CARGO_TARGET_DIR="$repo/target" $cmd)
  user=$(sed -n 's/^USER \([0-9]*\):\([0-9]*\)$/\1 \2/p' Dockerfile)
  read -r uid gid <<<"$user"
  setpriv --reuid "$uid" --regid "$gid" --clear-groups "$repo/target/release/ksec" doctor --json >/dev/null
  echo "deploy/Dockerfile: the build stage's files build with its cargo command; ksec doctor runs as $uid:$gid"
fi
