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
