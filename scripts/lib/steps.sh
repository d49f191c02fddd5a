# Step runner of scripts/test.sh, sourced (scripts/steps_test.go tests it).
# Every step's whole output goes to its own log under $logdir; the terminal
# shows the step's name, how long it took, and for a Go test step the
# package lines and failures. Set logdir before sourcing.
#
#   run_quiet NAME CMD...      a preparation step (setup): output only in the log
#   run_check NAME CMD...      a non-Go check counted as one test
#   run_logged NAME CMD...     a command printing `go test -v` output, tests counted
#   run_go_tests NAME DIR ARGS...
#   print_summary BASELINE...  totals, expected conformance failures, where the logs are

passed=0
failed=0
failures=()

# log_of NAME: the log file of a step.
log_of() { local n=${1//\//_}; echo "$logdir/${n// /_}.log"; }

step_start() { printf '\n== %s ==\n' "$1"; step_began=$SECONDS; }
step_end() { printf -- '-- %s: %s in %ds (log: %s)\n' "$1" "$2" $((SECONDS - step_began)) "$(log_of "$1")"; }

# count_go_tests LOG: add the top-level tests of a `go test -v` log to the totals.
count_go_tests() {
  local p f
  p=$(grep -c '^--- PASS' "$1" || true)
  f=$(grep -c '^--- FAIL' "$1" || true)
  passed=$((passed + p))
  failed=$((failed + f))
}

run_quiet() {
  local name=$1
  shift
  local log
  log=$(log_of "$name")
  step_start "$name"
  if "$@" >"$log" 2>&1; then
    step_end "$name" ok
    return 0
  fi
  step_end "$name" FAILED
  echo "---- $name failed; the end of its log: ----"
  tail -n 30 "$log"
  return 1
}

run_go_tests() {
  local name=$1 dir=$2
  shift 2
  run_logged "$name" bash -c 'cd "$0" && go test -v "$@"' "$dir" "$@"
}

run_logged() {
  local name=$1
  shift
  local log
  log=$(log_of "$name")
  step_start "$name"
  "$@" >"$log" 2>&1
  local rc=$?
  grep -E '^(ok|FAIL|---)\s|^panic:|^\s+--- FAIL' "$log" | grep -v '^--- PASS' || true
  count_go_tests "$log"
  if [ $rc -ne 0 ]; then
    # A build failure or panic has no "--- FAIL" line: count it.
    if ! grep -q '^--- FAIL' "$log"; then failed=$((failed + 1)); fi
    failures+=("$name")
    echo "---- $name failed; the end of its log: ----"
    grep -B25 -A3 -E '^\s*--- FAIL|^panic:|^FAIL|\.go:[0-9]+:[0-9]+: |run\.sh: missing' "$log" | head -150
    step_end "$name" FAILED
  else
    step_end "$name" ok
  fi
}

run_check() {
  local name=$1
  shift
  local log
  log=$(log_of "$name")
  step_start "$name"
  if "$@" >"$log" 2>&1; then
    passed=$((passed + 1))
    step_end "$name" ok
  else
    failed=$((failed + 1))
    failures+=("$name")
    echo "---- $name failed; the end of its log: ----"
    tail -n 40 "$log"
    step_end "$name" FAILED
  fi
}

# expected_failures BASELINE: the number of scenarios listed in a
# conformance baseline file ("  - name" lines).
expected_failures() { grep -cE '^\s+- [A-Za-z0-9_-]+' "$1" || true; }

print_summary() {
  local n=0 f
  for f in "$@"; do n=$((n + $(expected_failures "$f"))); done
  printf '\n== summary ==\n'
  [ ${#failures[@]} -gt 0 ] && printf 'failed: %s\n' "${failures[*]}"
  printf 'logs of every step: %s\n' "$logdir"
  printf 'expected failures: %d conformance checks (%s say why)\n' "$n" "$*"
  # The last line alone, in the form CI reads: "tests: N passed, M failed".
  printf 'tests: %d passed, %d failed\n' "$passed" "$failed"
}
