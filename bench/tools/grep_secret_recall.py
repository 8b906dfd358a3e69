#!/usr/bin/env python3
"""Recall of `ksec grep-secret` (no pattern) on fake secrets held by a live process, against a
peer scanner run on the same secrets dumped to files.

Makes one well-formed fake secret per family (right prefixes, lengths and alphabets; GitHub and
npm tokens with their CRC32 checksum, cards passing Luhn, JWTs that decode), starts a holder
process carrying them where services really carry them (environment variables, argv, config
files it holds open, a file it deleted but keeps open), runs `ksec grep-secret --json -p PID`,
then dumps the environment, argv and the held files to a directory (as a user of a file scanner
has to) and runs the peer on it. Prints a Markdown table: per family, what each reported.

Usage: grep_secret_recall.py KSEC PEER_KIND PEER_BIN OUT_DIR
  PEER_KIND: gitleaks | detect-secrets | none
"""
import base64
import binascii
import json
import os
import random
import string
import subprocess
import sys
import time

R = random.Random(20261203)
B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"


def rnd(alphabet, n):
    return "".join(R.choice(alphabet) for _ in range(n))


def b64(data):
    return base64.b64encode(data).decode()


def b64url(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def base62(n, width):
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = B62[r] + out
    return out.rjust(width, "0")


def checksummed(prefix):
    """GitHub's and npm's token format: 30 random base62 bytes and the base62 CRC32 of them."""
    body = rnd(ALNUM, 30)
    return prefix + body + base62(binascii.crc32(body.encode()), 6)


def luhn_card(prefix, length):
    digits = [int(c) for c in prefix] + [R.randrange(10) for _ in range(length - len(prefix) - 1)]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


def jwt(claims, sig_len):
    head = b64url(json.dumps({"alg": "RS256", "kid": rnd(ALNUM, 16)}).encode())
    body = b64url(json.dumps(claims).encode())
    return f"{head}.{body}.{rnd(ALNUM + '-_', sig_len)}"


def pem_body(n_lines):
    return "\n".join(b64(R.randbytes(48)) for _ in range(n_lines))


def corpus():
    """(family, expected ksec kind, where, secret needle) and where each one goes."""
    s = {}
    akid = "AKIA" + rnd(string.ascii_uppercase + "234567", 16)
    aws_secret = rnd(ALNUM + "+/", 40)
    rsa = f"-----BEGIN RSA PRIVATE KEY-----\n{pem_body(25)}\n-----END RSA PRIVATE KEY-----\n"
    sa_key = f"-----BEGIN PRIVATE KEY-----\n{pem_body(26)}\n-----END PRIVATE KEY-----\n"
    client_key = f"-----BEGIN EC PRIVATE KEY-----\n{pem_body(3)}\n-----END EC PRIVATE KEY-----\n"
    client_key_data = b64(client_key.encode())
    docker_auth = b64(f"robot$deployer:{rnd(ALNUM, 24)}".encode())
    boot = rnd(string.ascii_lowercase + string.digits, 6) + "." + rnd(string.ascii_lowercase + string.digits, 16)
    db_pw = rnd(ALNUM, 20)
    s["env"] = {
        "GOOGLE_API_KEY": "AIza" + rnd(ALNUM + "-_", 35),
        "AZURE_STORAGE_CONNECTION_STRING": "DefaultEndpointsProtocol=https;AccountName=prodlogs;AccountKey="
        + b64(R.randbytes(64)) + ";EndpointSuffix=core.windows.net",
        "AZURE_CLIENT_SECRET": rnd(ALNUM, 3) + str(R.randrange(10)) + "Q~" + rnd(ALNUM + "_~.-", 34),
        "GITHUB_TOKEN": checksummed("ghp_"),
        "GITLAB_TOKEN": "glpat-" + rnd(ALNUM + "_-", 20),
        "SLACK_BOT_TOKEN": f"xoxb-{rnd(string.digits, 12)}-{rnd(string.digits, 13)}-{rnd(ALNUM, 24)}",
        "SLACK_WEBHOOK_URL": f"https://hooks.slack.com/services/T{rnd(string.ascii_uppercase + string.digits, 10)}/B{rnd(string.ascii_uppercase + string.digits, 10)}/{rnd(ALNUM, 24)}",
        "STRIPE_SECRET_KEY": "sk_live_" + rnd(ALNUM, 99),
        "SENDGRID_API_KEY": f"SG.{rnd(ALNUM + '-_', 22)}.{rnd(ALNUM + '-_', 43)}",
        "TWILIO_API_KEY": "SK" + rnd(HEX, 32),
        "OPENAI_API_KEY": f"sk-proj-{rnd(ALNUM + '-_', 74)}T3BlbkFJ{rnd(ALNUM + '-_', 74)}",
        "ANTHROPIC_API_KEY": f"sk-ant-api03-{rnd(ALNUM + '-_', 93)}AA",
        "VAULT_TOKEN": "hvs.CAESI" + rnd(ALNUM + "-_", 86),
        "DD_API_KEY": rnd(HEX, 32),
        "HF_TOKEN": "hf_" + rnd(string.ascii_letters, 34),
        "DIGITALOCEAN_ACCESS_TOKEN": "dop_v1_" + rnd(HEX, 64),
        "GRAFANA_SERVICE_ACCOUNT_TOKEN": f"glsa_{rnd(ALNUM, 32)}_{rnd(HEX, 8)}",
        "SESSION_JWT": jwt({"sub": rnd(string.digits, 8), "name": "svc-billing", "iat": 1764720000}, 43),
        "MYSQL_PASSWORD": rnd(ALNUM + "!#%", 18),
    }
    s["argv"] = [
        "kubeadm-join", "--token", boot, "--discovery-token-ca-cert-hash", "sha256:" + rnd(HEX, 64),
        "--database-url", f"postgres://billing:{db_pw}@db.internal:5432/billing",
    ]
    sa_token = jwt({"aud": ["https://kubernetes.default.svc.cluster.local"], "exp": 1796256000,
                    "iss": "https://kubernetes.default.svc.cluster.local",
                    "kubernetes.io": {"namespace": "billing", "serviceaccount": {"name": "billing", "uid": rnd(HEX, 8)}},
                    "sub": "system:serviceaccount:billing:billing"}, 342)
    runner = "glrt-" + rnd(ALNUM + "_-", 20)
    npm = checksummed("npm_")
    s["files"] = {
        "aws-credentials": f"[default]\naws_access_key_id = {akid}\naws_secret_access_key = {aws_secret}\nregion = eu-west-1\n",
        "gcp-sa.json": json.dumps({"type": "service_account", "project_id": "billing-prod-4711",
                                   "private_key_id": rnd(HEX, 40), "private_key": sa_key,
                                   "client_email": "billing@billing-prod-4711.iam.gserviceaccount.com",
                                   "client_id": rnd(string.digits, 21), "token_uri": "https://oauth2.googleapis.com/token"}, indent=2),
        "appsettings.json": json.dumps({"ServiceBus": {"ConnectionString":
            f"Endpoint=sb://billing-bus.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={b64(R.randbytes(32))}"}}, indent=2),
        "docker-config.json": json.dumps({"auths": {"registry.internal:5000": {"auth": docker_auth}}}, indent="\t"),
        "kubeconfig": "apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n"
                      f"    client-certificate-data: {b64(b'-----BEGIN CERTIFICATE-----' + R.randbytes(300))}\n"
                      f"    client-key-data: {client_key_data}\n",
        "sa-token": sa_token,
        "gitlab-runner.toml": f"[[runners]]\n  name = \"node-7\"\n  url = \"https://gitlab.internal\"\n  token = \"{runner}\"\n  executor = \"kubernetes\"\n",
        ".npmrc": f"//registry.npmjs.org/:_authToken={npm}\n",
    }
    pypi = "pypi-AgEIcHlwaS5vcmc" + b64url(R.randbytes(150))
    age = "AGE-SECRET-KEY-1" + rnd("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58)
    card = luhn_card("4", 16)
    s["deleted"] = (f"{rsa}\n[pypi]\nusername = __token__\npassword = {pypi}\n\n# created: 2026-12-03T08:00:00Z\n"
                    f"# public key: age1{rnd('qpzry9x8gf2tvdw0s3jn54khce6mua7l', 58)}\n{age}\n\norder 4711 card {card} exp 12/29\n")
    env = s["env"]
    families = [
        ("private key (PEM)", "private-key", "deleted file", "-----BEGIN RSA PRIVATE KEY-----"),
        ("AWS access key id", "aws-access-key", "held file", akid),
        ("AWS secret access key", "aws-secret-key", "held file", aws_secret),
        ("GCP API key", "gcp-api-key", "env", env["GOOGLE_API_KEY"]),
        ("GCP service-account key", "gcp-service-account-key", "held file", "-----BEGIN PRIVATE KEY-----"),
        ("Azure storage account key", "azure-storage-key", "env", env["AZURE_STORAGE_CONNECTION_STRING"].split("AccountKey=")[1].split(";")[0]),
        ("Azure Service Bus shared access key", "azure-shared-access-key", "held file", s["files"]["appsettings.json"].split("SharedAccessKey=")[1].split('"')[0]),
        ("Azure AD client secret", "azure-client-secret", "env", env["AZURE_CLIENT_SECRET"]),
        ("Docker config auth", "docker-auth", "held file", docker_auth),
        # (a scanner that decodes base64 may report the decoded key's header instead)
        ("kubeconfig client-key-data", "kubeconfig-client-key", "held file", [client_key_data[:60], "-----BEGIN EC PRIVATE KEY-----"]),
        ("kubeadm bootstrap token", "k8s-bootstrap-token", "argv", boot),
        ("Kubernetes service-account token", "k8s-service-account-token", "held file", sa_token),
        ("JWT", "jwt", "env", env["SESSION_JWT"]),
        ("GitHub token", "github-token", "env", env["GITHUB_TOKEN"]),
        ("GitLab personal token", "gitlab-token", "env", env["GITLAB_TOKEN"]),
        ("GitLab runner token", "gitlab-token", "held file", runner),
        ("Slack bot token", "slack-token", "env", env["SLACK_BOT_TOKEN"]),
        ("Slack webhook", "slack-webhook", "env", env["SLACK_WEBHOOK_URL"].split("services/")[1]),
        ("Stripe secret key", "stripe-key", "env", env["STRIPE_SECRET_KEY"]),
        ("npm token", "npm-token", "held file", npm),
        ("PyPI token", "pypi-token", "deleted file", pypi),
        ("SendGrid key", "sendgrid-key", "env", env["SENDGRID_API_KEY"]),
        ("Twilio API key", "twilio-key", "env", env["TWILIO_API_KEY"]),
        ("OpenAI key", "openai-key", "env", env["OPENAI_API_KEY"]),
        ("Anthropic key", "anthropic-key", "env", env["ANTHROPIC_API_KEY"]),
        ("Vault token", "vault-token", "env", env["VAULT_TOKEN"]),
        ("Datadog API key", "datadog-key", "env", env["DD_API_KEY"]),
        ("Hugging Face token", "huggingface-token", "env", env["HF_TOKEN"]),
        ("DigitalOcean token", "digitalocean-token", "env", env["DIGITALOCEAN_ACCESS_TOKEN"]),
        ("Grafana service-account token", "grafana-token", "env", env["GRAFANA_SERVICE_ACCOUNT_TOKEN"]),
        ("age secret key", "age-secret-key", "deleted file", age),
        ("database URL password", "url-credentials", "argv", db_pw),
        ("password=", "keyword-secret", "env", env["MYSQL_PASSWORD"]),
        ("credit card", "credit-card", "deleted file", card),
    ]
    return s, families


HOLDER = r"""
import os, sys, time
d = os.environ.pop("RECALL_DIR")
held = [open(os.path.join(d, "held", n), "rb") for n in sorted(os.listdir(os.path.join(d, "held")))]
p = os.path.join(d, "deleted-key.txt")
f = open(p, "rb")
os.unlink(p)
print("ready", flush=True)
time.sleep(600)
"""


def overlaps(text, needles):
    """The reported text is part of the secret or holds it (any of its needles)."""
    if isinstance(needles, str):
        needles = [needles]
    return len(text) >= 8 and any(text in n or n in text for n in needles)


def main():
    ksec, peer_kind, peer_bin, out = sys.argv[1:5]
    s, families = corpus()
    os.makedirs(os.path.join(out, "held"), exist_ok=True)
    for name, body in s["files"].items():
        with open(os.path.join(out, "held", name), "w") as f:
            f.write(body)
    with open(os.path.join(out, "deleted-key.txt"), "w") as f:
        f.write(s["deleted"])
    env = dict(s["env"], PATH=os.environ.get("PATH", "/usr/bin:/bin"), RECALL_DIR=out)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER] + s["argv"], env=env,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        pid = holder.pid
        t0 = time.monotonic()
        res = subprocess.run([ksec, "grep-secret", "--json", "-p", str(pid)], capture_output=True)
        ksec_s = time.monotonic() - t0
        ours = []
        for line in res.stdout.splitlines():
            v = json.loads(line)
            if v.get("type") != "finding":
                continue
            text = v["line"] if isinstance(v["line"], str) else bytes(v["line"]["bytes"]).decode("latin-1")
            for m in v["matches"]:
                ours.append((text.encode()[m["start"]:m["end"]].decode("latin-1"), m["kind"], v["source"]))
        # What a file scanner needs: the live state dumped to files first.
        dump = os.path.join(out, "dump")
        os.makedirs(dump, exist_ok=True)
        with open(f"/proc/{pid}/environ", "rb") as f:
            open(os.path.join(dump, "environ.txt"), "wb").write(f.read().replace(b"\0", b"\n"))
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            open(os.path.join(dump, "cmdline.txt"), "wb").write(f.read().replace(b"\0", b" "))
        for fd in os.listdir(f"/proc/{pid}/fd"):
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            if target.startswith(out):
                name = os.path.basename(target.replace(" (deleted)", ""))
                with open(f"/proc/{pid}/fd/{fd}", "rb") as f:
                    open(os.path.join(dump, f"fd{fd}-{name}"), "wb").write(f.read())
    finally:
        holder.kill()
        holder.wait()

    theirs, peer_s, peer_version = [], 0.0, ""
    if peer_kind == "gitleaks":
        peer_version = subprocess.run([peer_bin, "version"], capture_output=True, text=True).stdout.strip()
        report = os.path.join(out, "gitleaks.json")
        t0 = time.monotonic()
        subprocess.run([peer_bin, "dir", dump, "--no-banner", "--exit-code", "0", "-f", "json", "-r", report,
                        "-l", "error"], check=True)
        peer_s = time.monotonic() - t0
        for v in json.load(open(report)):
            theirs.append((v["Secret"], v["RuleID"]))
    elif peer_kind == "detect-secrets":
        peer_version = subprocess.run([peer_bin, "--version"], capture_output=True, text=True).stdout.strip()
        t0 = time.monotonic()
        # Relative names from inside the dump: run from within a git work tree, detect-secrets
        # leaves out files outside it. It reports line numbers (and hashes), so the line counts.
        files = sorted(os.listdir(dump))
        r = subprocess.run([peer_bin, "scan", "--all-files"] + files, capture_output=True, text=True,
                           check=True, cwd=dump)
        peer_s = time.monotonic() - t0
        for path, items in json.loads(r.stdout)["results"].items():
            lines = open(os.path.join(dump, path), encoding="latin-1").read().splitlines()
            for it in items:
                theirs.append((lines[it["line_number"] - 1], it["type"]))

    def peer_hit(needle):
        kinds = sorted({k for text, k in theirs if overlaps(text, needle)})
        return ", ".join(f"`{k}`" for k in kinds) if kinds else "**missed**"

    print(f"| family | where | ksec | {peer_kind} |")
    print("|---|---|---|---|")
    n_ours = n_right = n_theirs = 0
    for family, kind, where, needle in families:
        got = sorted({k for text, k, _ in ours if overlaps(text, needle)})
        n_ours += bool(got)
        n_right += kind in got
        mine = ", ".join(f"`{k}`" for k in got) if got else "**missed**"
        p = peer_hit(needle)
        n_theirs += p != "**missed**"
        print(f"| {family} | {where} | {mine} | {p} |")
    print(f"| **found** | | **{n_ours}/{len(families)}** ({n_right} with the family's own kind) | **{n_theirs}/{len(families)}** |")
    print()
    print(f"ksec: {len(ours)} match(es) in {ksec_s:.3f} s on the live process (pid, no dump); "
          f"{peer_kind} {peer_version}: {len(theirs)} finding(s) in {peer_s:.3f} s on the dumped files.")
    extra = sorted({(k, t[:24]) for t, k, _ in ours if not any(overlaps(t, n) for _, _, _, n in families)})
    if extra:
        print(f"ksec matches outside the corpus: {extra}")
    extra = sorted({(k, t[:24]) for t, k in theirs if not any(overlaps(t, n) for _, _, _, n in families)})
    if extra:
        print(f"{peer_kind} findings outside the corpus: {extra}")


if __name__ == "__main__":
    main()
