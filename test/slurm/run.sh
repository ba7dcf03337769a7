#!/usr/bin/env bash
# A sharded sweep on a real one-node Slurm cluster: the README's job-array script, run as
# a 4-task array; one task is cancelled mid-run (its node process must be gone and must
# have stopped cleanly), requeued with `scontrol requeue` (same array, so the same
# --shard i/4) and resumed with --resume; the merged results.csv must be byte-identical
# to one unsharded run of the same sweep.
#
# Installs Debian's slurmctld, slurmd, slurm-client and munge if missing, starts munged,
# slurmctld and slurmd by hand (no systemd) with everything in a scratch folder and free
# ports, and stops them on exit, also on failure. Needs root (or passwordless sudo).
# Where Slurm cannot run, the test fails when CI=true and is skipped otherwise.
# The project must be built (npm run build). Usage: bash test/slurm/run.sh
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

# The sweep each task runs a quarter of: 1152 units, 288 per task, about 5 s per task on
# an idle core of the 2-core machine it was tuned on (10-15 s when that machine is busy):
# the cancel comes right after a task's first batch, so it lands mid-run, and the whole
# test takes about a minute.
# The backend is what `auto` picks (native when it is built): every backend stops after
# its current batch on SIGTERM, which the clean-stop check below relies on.
SWEEP=(--clients 50,100,200 --drops 16 --realizations 384 --methods all)
TASKS=4
CANCEL=1 # the task cancelled mid-run and requeued

say() { printf 'slurm-test: %s\n' "$*" >&2; }
started_at=$(date +%s)
elapsed() { echo "$(($(date +%s) - started_at)) s"; }

scratch=''
conf=''
job=''
daemons_started=0
passed=0
skipped=0
munged_pid='' ctld_pid='' slurmd_pid='' reference_pid=''

# Runs a Slurm command against this test's cluster only.
sl() { env SLURM_CONF="$conf" "$@"; }

show_logs() {
  [ -n "$scratch" ] || return 0
  local f
  for f in "$scratch"/work/logs/*.log; do
    [ -f "$f" ] || continue
    printf '\n===== job log %s =====\n' "${f#"$scratch"/}" >&2
    tail -n 60 "$f" >&2
  done
  if [ -n "$job" ]; then
    printf '\n===== scontrol show job %s =====\n' "$job" >&2
    sl scontrol -o show job "$job" 2>&1 |
      sed -E 's/.*(JobId=[^ ]*).*(ArrayTaskId=[^ ]*).*(JobState=[^ ]*).*(Restarts=[^ ]*).*(ExitCode=[^ ]*).*(RunTime=[^ ]*).*/\1 \2 \3 \4 \5 \6/' >&2 || true
  fi
  # The daemons' stderr (everything their log files hold, and errors from before they open them).
  for f in "$scratch"/log/slurmctld.out "$scratch"/log/slurmd.out "$scratch"/log/munged.log "$scratch"/log/reference.out; do
    [ -s "$f" ] || continue
    printf '\n===== %s (last 30 lines) =====\n' "${f#"$scratch"/}" >&2
    tail -n 30 "$f" >&2
  done
}

# Slurm cannot run on this machine: a failure in CI, a skip elsewhere.
unavailable() {
  if [ "${CI:-}" = true ]; then
    say "FAIL: Slurm cannot run here (CI=true, so this is a failure): $*"
    show_logs
    exit 1
  fi
  say "SKIPPED: Slurm cannot run here: $* (with CI=true this fails)"
  show_logs
  skipped=1
  exit 0
}

fail() {
  say "FAIL: $*"
  show_logs
  exit 1
}

# Pids of live processes whose environment holds every NAME=VALUE given (no fork per
# process: this runs in polling loops).
pids_with_env() {
  local p want ok vars joined
  for p in /proc/[0-9]*; do
    mapfile -d '' -t vars 2>/dev/null <"$p/environ" || continue
    [ "${#vars[@]}" -gt 0 ] || continue
    printf -v joined '\n%s' "${vars[@]}"
    joined+=$'\n'
    ok=1
    for want in "$@"; do
      [[ "$joined" == *$'\n'"$want"$'\n'* ]] || { ok=0; break; }
    done
    [ "$ok" = 1 ] && echo "${p#/proc/}"
  done
  return 0
}

stop_pid() { # pid: TERM, up to 10 s, then KILL
  local pid="$1" i
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

cleanup() {
  local status=$? i p
  set +e
  trap - INT TERM
  if [ "$daemons_started" = 1 ]; then
    if [ -n "$job" ]; then
      sl scancel "$job" 2>/dev/null
      for i in $(seq 150); do [ -z "$(sl squeue -h -j "$job" 2>/dev/null)" ] && break; sleep 0.1; done
    fi
  fi
  stop_pid "$reference_pid"
  stop_pid "$slurmd_pid"
  stop_pid "$ctld_pid"
  stop_pid "$munged_pid"
  # Anything left that this test started: job processes and slurmstepd inherit SLURM_CONF.
  if [ -n "$conf" ]; then
    for p in $(pids_with_env "SLURM_CONF=$conf"); do kill -9 "$p" 2>/dev/null; done
  fi
  if [ -n "$scratch" ]; then
    if [ "$passed" = 1 ] || [ "$skipped" = 1 ]; then rm -rf "$scratch"; else say "kept the scratch folder for inspection: $scratch"; fi
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM

# ---------------------------------------------------------------------------------------
# 0. Preconditions: root, a built project, the Debian packages.
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    exec sudo -n env "PATH=$PATH" "CI=${CI:-}" bash "$0" "$@"
  fi
  unavailable "it needs root (or passwordless sudo) to install and start munged, slurmctld and slurmd"
fi
[ -f "$repo/dist/ts/cli/main.js" ] && [ -f "$repo/bindings/wasm/jcpba.wasm" ] ||
  fail "the project is not built: run npm run build first"
command -v node >/dev/null 2>&1 || fail "node is not on PATH"

tools=(munged munge unmunge slurmctld slurmd sbatch squeue scontrol scancel sinfo)
have_tools() {
  local t
  for t in "${tools[@]}"; do command -v "$t" >/dev/null 2>&1 || return 1; done
}
if ! have_tools; then
  command -v apt-get >/dev/null 2>&1 || unavailable "slurmctld, slurmd, slurm-client and munge are missing and there is no apt-get"
  say "installing Debian's slurmctld slurmd slurm-client munge"
  # Another apt run may hold the dpkg or lists lock: wait for it rather than fail.
  for i in $(seq 30); do
    apt-get -o DPkg::Lock::Timeout=600 update -qq && break
    say "apt-get update failed (another apt run holding the lock?); retrying in 10 s ($i/30)"
    sleep 10
  done
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
    slurmctld slurmd slurm-client munge >/dev/null || unavailable "apt-get install slurmctld slurmd slurm-client munge failed"
  have_tools || unavailable "installed the packages but some of ${tools[*]} are still missing"
fi
say "$(slurmctld -V), $(munged -V 2>&1 | head -n 1)"

# ---------------------------------------------------------------------------------------
# 1. A scratch cluster: munged on its own socket and key, slurmctld and slurmd on free ports.
scratch="$(mktemp -d "${TMPDIR:-/tmp}/jcpba-slurm.XXXXXX")"
chmod 755 "$scratch" # munged wants its socket's folder reachable by everyone
mkdir -p "$scratch"/{munge,run,state,spool,log} "$scratch/work/logs" "$scratch/work/node_modules/.bin"
chmod 700 "$scratch/munge"
head -c 1024 /dev/urandom >"$scratch/munge/munge.key"
chmod 400 "$scratch/munge/munge.key"
sock="$scratch/run/munge.sock"
munged -F --key-file="$scratch/munge/munge.key" --socket="$sock" --pid-file="$scratch/run/munged.pid" \
  --seed-file="$scratch/munge/munged.seed" --log-file="$scratch/log/munged.log" >"$scratch/log/munged.out" 2>&1 &
munged_pid=$!
for i in $(seq 100); do
  munge -S "$sock" -n 2>/dev/null | unmunge -S "$sock" >/dev/null 2>&1 && break
  kill -0 "$munged_pid" 2>/dev/null || unavailable "munged exited at start"
  sleep 0.1
done
munge -S "$sock" -n | unmunge -S "$sock" >/dev/null 2>&1 || unavailable "munged does not answer on $sock"

# Two free TCP ports below the ephemeral range (slurmctld and slurmd listen on all addresses).
read -r ctld_port slurmd_port < <(node -e '
  const net = require("net");
  const free = (p) => new Promise((ok) => { const s = net.createServer(); s.once("error", () => ok(false)); s.listen(p, () => s.close(() => ok(true))); });
  (async () => { const got = []; while (got.length < 2) { const p = 20000 + Math.floor(Math.random() * 12000); if (!got.includes(p) && await free(p)) got.push(p); } console.log(got.join(" ")); })();
')
node_line="$(slurmd -C | head -n 1)" # NodeName=<host> CPUs=... RealMemory=...
host="${node_line%% *}"
host="${host#NodeName=}"
conf="$scratch/slurm.conf"
sed -e "s|@HOST@|$host|g" -e "s|@CTLD_PORT@|$ctld_port|g" -e "s|@SLURMD_PORT@|$slurmd_port|g" \
  -e "s|@DIR@|$scratch|g" -e "s|@NODE@|$node_line|g" "$here/slurm.conf.in" >"$conf"

daemons_started=1
env SLURM_CONF="$conf" slurmctld -D >"$scratch/log/slurmctld.out" 2>&1 &
ctld_pid=$!
env SLURM_CONF="$conf" slurmd -D >"$scratch/log/slurmd.out" 2>&1 &
slurmd_pid=$!
state=''
for i in $(seq 300); do
  state="$(sl sinfo -h -n "$host" -o %T 2>/dev/null || true)"
  [ "$state" = idle ] && break
  kill -0 "$ctld_pid" 2>/dev/null || unavailable "slurmctld exited at start"
  kill -0 "$slurmd_pid" 2>/dev/null || unavailable "slurmd exited at start"
  sleep 0.1
done
[ "$state" = idle ] || unavailable "the node is not idle 30 s after start (state: ${state:-none})"
say "cluster up after $(elapsed): node $host, $(sl sinfo -h -o '%c CPUs'), ports $ctld_port/$slurmd_port, $scratch"

# ---------------------------------------------------------------------------------------
# 2. The job script: the README's, with this test's array size and sweep.
readme_script="$(awk '/^    #!\/bin\/bash$/ { on = 1 } on && /^$/ { exit } on { print substr($0, 5) }' "$repo/README.md")"
[ -n "$readme_script" ] || fail "no job-array script (an indented block starting with #!/bin/bash) in README.md"
script="$scratch/work/sweep.sh"
n_array=0 n_sweep=0
while IFS= read -r line; do
  if [[ "$line" == '#SBATCH --array='* ]]; then
    line="#SBATCH --array=0-$((TASKS - 1)) --cpus-per-task=1 --time=00:10:00"
    n_array=$((n_array + 1))
  elif [[ "$line" == 'exec jcpba sweep '*' \' ]]; then
    line="exec jcpba sweep ${SWEEP[*]} \\"
    n_sweep=$((n_sweep + 1))
  fi
  printf '%s\n' "$line"
done <<<"$readme_script" >"$script"
[ "$n_array" = 1 ] && [ "$n_sweep" = 1 ] ||
  fail "README's job-array script has changed shape: expected one '#SBATCH --array=' line and one 'exec jcpba sweep ... \\' line"
say "job script (README's, with this test's array and sweep):"
sed 's/^/    /' "$script" >&2
# What `npm install jcpba` would have put there.
ln -s "$repo/bin/jcpba.js" "$scratch/work/node_modules/.bin/jcpba"

# ---------------------------------------------------------------------------------------
# 3. Submit, cancel one task mid-run, requeue it.
cd "$scratch/work"
job="$(sl sbatch --parsable sweep.sh)" || fail "sbatch failed"
job="${job%%;*}"
say "submitted job array $job ($TASKS tasks)"
# The unsharded run of the same sweep, meanwhile (on a busy machine this shortens the test).
node "$repo/bin/jcpba.js" sweep "${SWEEP[@]}" --out reference --quiet >"$scratch/log/reference.out" 2>&1 &
reference_pid=$!
journal="shards/$CANCEL/units.jsonl"
lines() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }
deadline=$(($(date +%s) + 120))
# Mid-run: the task's first batch is in its journal (header + at least one unit).
until [ "$(lines "$journal")" -ge 2 ]; do
  [ "$(date +%s)" -lt "$deadline" ] || fail "task $CANCEL wrote no unit within 120 s"
  sleep 0.1
done
task_env=("SLURM_CONF=$conf" "SLURM_ARRAY_JOB_ID=$job" "SLURM_ARRAY_TASK_ID=$CANCEL")
mapfile -t pids < <(pids_with_env "${task_env[@]}")
[ "${#pids[@]}" -ge 1 ] || fail "found no process of task $CANCEL"
node_pids=()
for p in "${pids[@]}"; do
  if tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q 'jcpba sweep'; then node_pids+=("$p"); fi
done
[ "${#node_pids[@]}" -ge 1 ] || fail "task $CANCEL runs no 'jcpba sweep' process (pids ${pids[*]})"
say "cancelling task ${job}_$CANCEL after $(($(lines "$journal") - 1)) units (processes ${pids[*]}; jcpba: ${node_pids[*]})"
sl scancel "${job}_$CANCEL" || fail "scancel ${job}_$CANCEL failed"
# Every process of the task must end: SIGTERM, then SIGKILL after KillWait (10 s).
deadline=$(($(date +%s) + 30))
while :; do
  left="$(pids_with_env "${task_env[@]}" | tr '\n' ' ')"
  [ -z "$left" ] && break
  [ "$(date +%s)" -lt "$deadline" ] || fail "processes of cancelled task $CANCEL still run 30 s after scancel: $left"
  sleep 0.1
done
deadline=$(($(date +%s) + 30))
until sl scontrol -o show job "${job}_$CANCEL" | grep -q 'JobState=CANCELLED'; do
  [ "$(date +%s)" -lt "$deadline" ] || fail "task $CANCEL is not CANCELLED 30 s after scancel"
  sleep 0.1
done
info="$(sl scontrol -o show job "${job}_$CANCEL")"
# A clean stop: jcpba caught SIGTERM, finished its batch and wrote results (exit 130, or
# 143), rather than being SIGKILLed (ExitCode 0:9).
exit_code="$(grep -o 'ExitCode=[0-9]*:[0-9]*' <<<"$info")"
[[ "$exit_code" == ExitCode=130:0 || "$exit_code" == ExitCode=143:0 ]] ||
  fail "cancelled task $CANCEL did not stop cleanly on SIGTERM: $exit_code (expected 130:0 or 143:0)"
[ -f "shards/$CANCEL/results.json" ] || fail "cancelled task $CANCEL wrote no partial results"
done_before=$(($(lines "$journal") - 1))
[ "$done_before" -ge 1 ] || fail "cancelled task $CANCEL has no finished unit"
cp "$journal" "$scratch/journal-at-cancel"
say "task $CANCEL stopped cleanly ($exit_code) with $done_before units done; requeueing it"
sl scontrol requeue "${job}_$CANCEL" || fail "scontrol requeue ${job}_$CANCEL failed"
sl scontrol update JobId="${job}_$CANCEL" StartTime=now || fail "scontrol update StartTime=now failed"

# ---------------------------------------------------------------------------------------
# 4. Every task finishes; the requeued one resumed its own shard.
deadline=$(($(date +%s) + 300))
while [ -n "$(sl squeue -h -j "$job")" ]; do
  [ "$(date +%s)" -lt "$deadline" ] || fail "job array $job has not finished 300 s after the requeue"
  sleep 0.5
done
say "all tasks finished after $(elapsed)"
for t in $(seq 0 $((TASKS - 1))); do
  info="$(sl scontrol -o show job "${job}_$t")"
  grep -q 'JobState=COMPLETED' <<<"$info" && grep -q 'ExitCode=0:0' <<<"$info" ||
    fail "task $t did not complete: $(grep -o 'JobState=[A-Z_]*' <<<"$info") $(grep -o 'ExitCode=[0-9:]*' <<<"$info")"
  want=0
  [ "$t" = "$CANCEL" ] && want=1
  grep -q "Restarts=$want " <<<"$info" || fail "task $t: expected Restarts=$want, got $(grep -o 'Restarts=[0-9]*' <<<"$info")"
done
# Resumed, not restarted: the journal at the cancel is a prefix of the final one, and the
# cancel came before the task's last unit.
done_after=$(($(lines "$journal") - 1))
cmp -s -n "$(stat -c %s "$scratch/journal-at-cancel")" "$scratch/journal-at-cancel" "$journal" ||
  fail "task $CANCEL's journal at the cancel is not a prefix of its final journal: it did not resume"
[ "$done_before" -lt "$done_after" ] || fail "the cancel did not land mid-run: $done_before of $done_after units were done"
say "task $CANCEL resumed at unit $done_before of $done_after"

# ---------------------------------------------------------------------------------------
# 5. Merge; compare with one unsharded run.
node "$repo/bin/jcpba.js" merge --out merged shards/* --quiet || fail "jcpba merge failed"
grep -q '"complete": true' merged/results.json || fail "merged results.json is not complete"
wait "$reference_pid" || fail "the unsharded reference sweep failed: $(cat "$scratch/log/reference.out")"
reference_pid=''
cmp merged/results.csv reference/results.csv ||
  fail "merged results.csv differs from the unsharded run's ($scratch/work/merged, $scratch/work/reference)"
passed=1
say "PASS: merged results.csv ($(($(lines merged/results.csv) - 1)) rows) is byte-identical to the unsharded run; total $(elapsed)"
