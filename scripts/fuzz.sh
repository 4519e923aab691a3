#!/usr/bin/env bash
# Coverage-guided fuzzing (Jazzer, libFuzzer underneath) of the readers of user input, for
# longer than the replay in `./mvnw verify`. Each target runs as its own fuzzing process, one after
# another, until its time or its execution count is reached, or until it finds a crash.
#   scripts/fuzz.sh                          every target, 5 minutes each
#   scripts/fuzz.sh --time 3600 trace        the trace reader for an hour
#   scripts/fuzz.sh --runs 10000000 plan     ten million executions of the plan reader
# Targets: trace, plan, hardware (teraio-core's ReadersFuzzTest) and agent-args (teraio-agent's
# AgentOptionsFuzzTest). Seeds: each target's committed inputs (src/test/resources/.../*Inputs/)
# and, made at run time from the traces in --seeds DIR (default: shared/traces-data beside the
# repository, when it is there; nothing is copied into the repository), teraio traces imported
# with `teraio import`, plans made from them with `teraio plan`, and those plans' hardware.
# Under target/fuzz/: the corpus each target grew, crash files (TARGET-crash-*) and TARGET.log,
# whose last lines are libFuzzer's counts. Exits 1 when a target found a crash: copy the crash
# file into that target's *Inputs/ directory (./mvnw verify then replays it) and fix the reader.
# See docs/fuzzing.md.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds=300
runs=0
max_len=163840
seeds_dir="$root/../shared/traces-data"
targets=()
usage() {
  sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  echo "Options: --time SECONDS (default 300; 0: no limit) --runs N (default 0: no limit)"
  echo "         --seeds DIR (traces to seed from) --max-len BYTES (largest input, default 163840)"
}
while [ $# -gt 0 ]; do
  case "$1" in
    --time) seconds="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --seeds) seeds_dir="$2"; shift 2 ;;
    --max-len) max_len="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    trace|plan|hardware|agent-args) targets+=("$1"); shift ;;
    *) echo "fuzz.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(trace plan hardware agent-args)
for n in "$seconds" "$runs" "$max_len"; do
  [[ "$n" =~ ^[0-9]+$ ]] || { echo "fuzz.sh: '$n' is not a whole number" >&2; exit 2; }
done

out="$root/target/fuzz"
mkdir -p "$out"
echo "fuzz.sh: building teraio-cli and teraio-agent with their test classes (./mvnw package -DskipTests) ..." >&2
(cd "$root" && ./mvnw -B -q -Dstyle.color=never -DskipTests -pl teraio-cli,teraio-agent -am package \
    dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/fuzz-classpath.txt) >&2

# Seeds made from the shared traces: teraio traces, plans for them, the plans' hardware profiles.
seeds="$out/seeds"
rm -rf "$seeds"
mkdir -p "$seeds/trace" "$seeds/plan" "$seeds/hardware"
teraio() { java -jar "$root/teraio-cli/target/teraio.jar" "$@" >/dev/null 2>&1; }
if [ -d "$seeds_dir" ]; then
  for kernels in "$seeds_dir"/g10/*.kernels.config.gz; do
    [ -e "$kernels" ] || continue
    name="$(basename "$kernels" .kernels.config.gz)"
    teraio import --from g10 "$kernels" "${kernels/.kernels./.interval.}" -o "$seeds/trace/g10-$name.json" || true
  done
  for et in "$seeds_dir"/param/*_et.json.gz "$seeds_dir"/param/*_et.json.tar.gz; do
    [ -e "$et" ] || continue
    name="$(basename "$et" | sed 's/_et\.json.*//')"
    teraio import --from pytorch-et "$et" -o "$seeds/trace/et-$name.json" || true
  done
  for trace in "$seeds/trace"/*.json; do
    [ -e "$trace" ] || continue
    name="$(basename "$trace" .json)"
    for hardware in h100 g10; do
      teraio plan "$trace" --hardware "$hardware" -o "$seeds/plan/$name-$hardware.json" || true
    done
  done
  for plan in "$seeds/plan"/*.json; do
    [ -e "$plan" ] || continue
    # the plan's "hardware" object, as Jackson indents it: from '  "hardware" : {' to '  },'
    awk '/^  "hardware" : \{/ {on = 1; print "{"; next} on && /^  \}/ {print "}"; exit} on' "$plan" \
      > "$seeds/hardware/$(basename "$plan")"
  done
  # inputs over --max-len would be cut short by libFuzzer: seeds of other readers' formats, then
  find "$seeds" -type f -size +"$max_len"c -delete
  echo "fuzz.sh: seeds from $seeds_dir: $(ls "$seeds/trace" | wc -l) traces, $(ls "$seeds/plan" | wc -l) plans," \
    "$(ls "$seeds/hardware" | wc -l) hardware profiles (up to $max_len bytes)" >&2
else
  echo "fuzz.sh: no $seeds_dir; seeding from the committed inputs only" >&2
fi

found=0
for target in "${targets[@]}"; do
  case "$target" in
    trace) module=teraio-core; class=io.teraio.core.ReadersFuzzTest; method=traceReader ;;
    plan) module=teraio-core; class=io.teraio.core.ReadersFuzzTest; method=planReader ;;
    hardware) module=teraio-core; class=io.teraio.core.ReadersFuzzTest; method=hardwareReader ;;
    agent-args) module=teraio-agent; class=io.teraio.agent.AgentOptionsFuzzTest; method=parsesOrSaysInOneLineWhatIsWrong ;;
  esac
  dir="$root/$module"
  corpus="$out/corpus/$target"
  mkdir -p "$corpus"
  inputs=("$dir/src/test/resources/${class//.//}Inputs/$method")
  [ -d "$seeds/$target" ] && inputs+=("$seeds/$target")
  limits=()
  # always given: without it Jazzer applies the fuzz test's own @FuzzTest(maxDuration), 10 s,
  # for the replay in ./mvnw verify; 0 is libFuzzer's "no limit"
  limits+=("-max_total_time=$seconds")
  [ "$runs" -gt 0 ] && limits+=("-runs=$runs")
  echo "fuzz.sh: $target (${limits[*]}), log in $out/$target.log" >&2
  status=0
  (cd "$dir" && java -Xmx2g -cp "target/test-classes:target/classes:$(cat target/fuzz-classpath.txt)" \
      com.code_intelligence.jazzer.Jazzer --target_class="$class" --target_method="$method" \
      --instrumentation_includes='io.teraio.**' --custom_hook_includes='io.teraio.**' \
      "${limits[@]}" -max_len="$max_len" -rss_limit_mb=4096 -print_final_stats=1 \
      -artifact_prefix="$out/$target-" "$corpus" "${inputs[@]}") > "$out/$target.log" 2>&1 || status=$?
  executed="$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$target.log" | tail -1)"
  took="$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$out/$target.log" | tail -1)"
  if [ "$status" -eq 0 ]; then
    echo "fuzz.sh: $target: ${executed:-?} executions in ${took:-?} s, no crash" >&2
  else
    found=1
    echo "fuzz.sh: $target: FOUND A CRASH (exit $status) after ${executed:-?} executions:" >&2
    grep -a -m1 -A3 '== Java Exception' "$out/$target.log" >&2 || tail -5 "$out/$target.log" >&2
    ls "$out/$target"-crash-* >&2 2>/dev/null || true
  fi
done
exit "$found"
