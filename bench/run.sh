#!/usr/bin/env bash
# Benchmarks, reported as figures and as ratios against a baseline measured in the same run.
# Not a test: nothing here passes or fails on time. Needs hyperfine and nix-bin (installed here
# when missing) and a release build.
#
#   bench/run.sh            all benchmarks
#   bench/run.sh language   only the language benchmarks (issue: language core)
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}

missing=()
command -v hyperfine >/dev/null || missing+=(hyperfine)
command -v nix-instantiate >/dev/null || missing+=(nix-bin)
command -v /usr/bin/time >/dev/null || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

cargo build --release --quiet
sblc=$PWD/target/release/sblc
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 bench/gen.py "$work"

mean_ms() { # command... -> mean wall time in ms over hyperfine runs (failing commands allowed)
  hyperfine -N -i --warmup 5 --min-runs 30 --export-json "$work/h.json" "$@" >/dev/null 2>&1
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%.2f %.2f" % (r["mean"]*1000, r["stddev"]*1000))' "$work/h.json"
}
peak_kb() { /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -1; }

if [ "$what" = all ] || [ "$what" = language ]; then
  echo "== language"
  read -r baseline _ < <(mean_ms "$sblc --version")
  read -r check sd < <(mean_ms "$sblc check $work/bindings.sbl")
  echo "(a) parse+check+eval of 10,000 record bindings (~32 tokens each): ${check} ms ± ${sd} (process start baseline ${baseline} ms; target < 50 ms)"
  read -r simple simple_sd < <(mean_ms "$sblc check $work/simple.sbl")
  echo "    and of 10,000 one-line bindings: ${simple} ms ± ${simple_sd}"
  read -r small small_sd < <(mean_ms "$sblc check $work/bindings-1000.sbl")
  echo "    and of the first 1,000 record bindings: ${small} ms ± ${small_sd} (10x the bindings: $(python3 -c "print('%.1f' % ($check / $small))")x the time)"
  read -r fields fields_sd < <(mean_ms "$sblc check $work/distinct-fields.sbl")
  read -r unknown unknown_sd < <(mean_ms "$sblc check $work/unknown-names.sbl")
  echo "    10,000 records with distinct fields: ${fields} ms ± ${fields_sd}; 10,000 unknown names (exit 1): ${unknown} ms ± ${unknown_sd}"
  read -r ours ours_sd < <(mean_ms "$sblc eval --json $work/records.sbl")
  read -r nix nix_sd < <(mean_ms "nix-instantiate --eval --strict --json $work/records.nix")
  ours_mem=$(peak_kb "$sblc" eval --json "$work/records.sbl")
  nix_mem=$(peak_kb nix-instantiate --eval --strict --json "$work/records.nix")
  python3 - "$ours" "$ours_sd" "$nix" "$nix_sd" "$ours_mem" "$nix_mem" <<'PY'
import sys
ours, ours_sd, nix, nix_sd, ours_mem, nix_mem = map(float, sys.argv[1:])
print(f"(b) 1,000 records -> 6,000 nested records as JSON: sblc {ours:.2f} ms ± {ours_sd:.2f}, "
      f"nix-instantiate {nix:.2f} ms ± {nix_sd:.2f}: sblc is {nix / ours:.1f}x faster (target >= 2x)")
print(f"    peak memory: sblc {ours_mem / 1024:.1f} MiB, nix {nix_mem / 1024:.1f} MiB "
      f"(ratio {ours_mem / nix_mem:.2f}; target <= 1)")
PY
  # The two programs must agree, or the comparison means nothing.
  if ! diff <("$sblc" eval --json "$work/records.sbl" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))') \
            <(nix-instantiate --eval --strict --json "$work/records.nix" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))') >/dev/null; then
    echo "    WARNING: sblc and nix produced different values"
  fi
fi

if [ "$what" = all ] || [ "$what" = build ]; then
  echo "== build (whole process: check, evaluate, graph, ARM and Bicep, files written)"
  read -r baseline _ < <(mean_ms "$sblc --version")
  echo "process start baseline: ${baseline} ms"
  # A build whose output differs writes a fresh folder, swaps it in and removes the old one (a
  # file is deleted before each run to force that); a build whose output is already there only
  # reads it back. Both are measured; the first is the figure to judge.
  for example in raw-network minimal secured-batch multi-spoke; do
    out=$work/out-$example
    "$sblc" build "examples/$example/main.sbl" --out "$out" 2>/dev/null
    read -r t sd < <(mean_ms --prepare "rm -f $out/main.json" "$sblc build examples/$example/main.sbl --out $out")
    read -r again again_sd < <(mean_ms "$sblc build examples/$example/main.sbl --out $out")
    echo "  $example: ${t} ms ± ${sd} output replaced (target < 10 ms); ${again} ms ± ${again_sd} output unchanged"
  done
  prev=""
  for n in 100 250 500 1000; do
    read -r t sd < <(mean_ms --prepare "rm -rf $work/out-$n" "$sblc build $work/resources-$n.sbl --out $work/out-$n")
    echo "  generated, $n resources: ${t} ms ± ${sd} ($(python3 -c "print('%.0f' % ($t / $n * 1000))") µs per resource)"
    prev=$t
  done
  echo "  (target: < 100 ms for 1,000 resources, linear; 1,000 resources exceed ARM's 800-resource"
  echo "   limit, so that build runs every phase and ends with the E0533 diagnostic instead of files)"
  read -r median p95 < <(python3 bench/watch_latency.py "$sblc" examples/secured-batch 30)
  echo "watch: save-to-output latency on secured-batch: median ${median} ms, p95 ${p95} ms (target p95 < 50 ms)"
  read -r plan plan95 applied applied95 < <(python3 bench/apply_watch_latency.py "$sblc" examples/secured-batch 20)
  python3 - "$median" "$plan" "$plan95" "$applied" "$applied95" <<'PY'
import sys
build, plan, plan95, applied, applied95 = map(float, sys.argv[1:])
print(f"apply --watch against the local Azure stand-in, secured-batch: save-to-plan median {plan:.1f} ms "
      f"(p95 {plan95:.1f}) = {plan / build:.1f}x the build watch above; save-to-deployed median "
      f"{applied:.1f} ms (p95 {applied95:.1f})")
PY
fi
