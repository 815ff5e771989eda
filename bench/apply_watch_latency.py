#!/usr/bin/env python3
"""Save-to-plan latency of `sblc apply --watch` against the local stand-in for Azure
(tests/fake_azure/server.py over HTTPS): edits the entry file N times (each edit changes a pool's
node count, so each plan has a change to deploy) and measures from the save until the new plan is printed, and until the
deployment has finished. Baseline in the same run: `sblc build --watch`'s save-to-output latency
on the same example (bench/watch_latency.py), so the figures read as "plan costs x builds".

Usage: apply_watch_latency.py SBLC EXAMPLE_DIR [N]. Prints: plan median, plan p95, applied
median, applied p95 (ms)."""
import json, os, shutil, statistics, subprocess, sys, tempfile, threading, time

sblc, example = sys.argv[1], sys.argv[2]
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 20
here = os.path.dirname(os.path.abspath(__file__))
work = tempfile.mkdtemp()


def openssl(*args):
    subprocess.run(["openssl", *args], cwd=work, check=True, capture_output=True)


# A throw-away CA and a leaf for 127.0.0.1 (rustls rejects a CA used as a server certificate).
with open(os.path.join(work, "leaf.ext"), "w") as f:
    f.write("basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature, keyEncipherment\n"
            "extendedKeyUsage = serverAuth\nsubjectAltName = IP:127.0.0.1, DNS:localhost\n")
openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "1",
        "-subj", "/CN=bench CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=localhost")
openssl("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "leaf.pem", "-days", "1", "-extfile", "leaf.ext")
with open(os.path.join(work, "scenario.json"), "w") as f:
    json.dump({}, f)
server = subprocess.Popen(
    [sys.executable, os.path.join(here, "..", "tests", "fake_azure", "server.py"), "--cert", "leaf.pem",
     "--key", "leaf.key", "--scenario", "scenario.json", "--log", "requests.jsonl", "--port", "0"],
    cwd=work, stdout=subprocess.PIPE, text=True)
port = server.stdout.readline().split()[1]
endpoint = f"https://127.0.0.1:{port}"

shutil.copytree(example, os.path.join(work, "ex"), ignore=shutil.ignore_patterns("out"))
entry = os.path.join(work, "ex", "main.sbl")
base = open(entry).read()
env = dict(os.environ, SSL_CERT_FILE=os.path.join(work, "ca.pem"),
           AZURE_TENANT_ID="00000000-0000-0000-0000-0000000000aa", AZURE_CLIENT_ID="sblc-test-client",
           AZURE_CLIENT_SECRET="sblc-test-secret", AZURE_AUTHORITY_HOST=endpoint, SBLC_ARM_ENDPOINT=endpoint,
           AZURE_SUBSCRIPTION_ID="00000000-0000-0000-0000-00000000a11e", NO_COLOR="1",
           SBLC_PARAM_batchServiceObjectId="11111111-0000-0000-0000-000000000bbb")
proc = subprocess.Popen([sblc, "apply", "--watch", "--yes", "--skip-upload", entry], env=env,
                        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
plans, applies = [], []
lock = threading.Condition()


watching = []


def read(stream, sinks):
    for line in stream:
        for needle, sink in sinks:
            if needle in line:
                with lock:
                    sink.append(time.perf_counter())
                    lock.notify_all()


threading.Thread(target=read, args=(proc.stdout, [("Plan for deployment", plans)]), daemon=True).start()
threading.Thread(target=read, args=(proc.stderr, [("applied in", applies), ("watching", watching)]),
                 daemon=True).start()


def wait(sink, count):
    with lock:
        if not lock.wait_for(lambda: len(sink) >= count, timeout=60):
            raise SystemExit(f"timed out waiting for event {count}")
        return sink[count - 1]


try:
    wait(applies, 1)
    wait(watching, 1)  # the watcher starts after the first apply
    plan_ms, apply_ms = [], []
    for i in range(rounds):
        with open(entry + ".tmp", "w") as f:  # save as editors do: write aside, then rename
            f.write(base.replace("nodes = 4;", f"nodes = {5 + i};", 1))  # a pool changes
        start = time.perf_counter()
        os.replace(entry + ".tmp", entry)
        plan_ms.append((wait(plans, i + 2) - start) * 1000)
        apply_ms.append((wait(applies, i + 2) - start) * 1000)
    for samples in (plan_ms, apply_ms):
        samples.sort()
    p95 = lambda s: s[max(0, int(len(s) * 0.95) - 1)]
    print(f"{statistics.median(plan_ms):.1f} {p95(plan_ms):.1f} {statistics.median(apply_ms):.1f} {p95(apply_ms):.1f}")
finally:
    proc.terminate()
    proc.wait()
    server.terminate()
    server.wait()
    shutil.rmtree(work, ignore_errors=True)
