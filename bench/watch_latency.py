#!/usr/bin/env python3
"""Save-to-output latency of `sblc build --watch`: edits the entry file N times and measures
until out/main.json has the edit. Usage: watch_latency.py SBLC EXAMPLE_DIR [N]."""
import os, shutil, statistics, subprocess, sys, tempfile, time

sblc, example = sys.argv[1], sys.argv[2]
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 30
work = tempfile.mkdtemp()
shutil.copytree(example, os.path.join(work, "ex"), ignore=shutil.ignore_patterns("out"))
entry = os.path.join(work, "ex", "main.sbl")
base = open(entry).read()
out = os.path.join(work, "ex", "out", "main.json")
proc = subprocess.Popen([sblc, "build", "--watch", entry], stderr=subprocess.DEVNULL)
try:
    deadline = time.time() + 30
    while not os.path.exists(out) and time.time() < deadline:
        time.sleep(0.01)
    samples = []
    for i in range(rounds):
        marker = f"sblc-bench-{i}"
        with open(entry + ".tmp", "w") as f:  # save as editors do: write aside, then rename
            f.write(base.replace('outputs = {', f'outputs = {{ bench = "{marker}";', 1))
        start = time.perf_counter()
        os.replace(entry + ".tmp", entry)
        while True:
            try:
                if marker in open(out).read():
                    break
            except FileNotFoundError:
                pass
            if time.perf_counter() - start > 10:
                raise SystemExit(f"no rebuild after 10 s in round {i}")
            time.sleep(0.001)
        samples.append((time.perf_counter() - start) * 1000)
        time.sleep(0.05)
    samples.sort()
    p95 = samples[int(len(samples) * 0.95) - 1]
    print(f"{statistics.median(samples):.1f} {p95:.1f}")
finally:
    proc.terminate()
    proc.wait()
    shutil.rmtree(work, ignore_errors=True)
