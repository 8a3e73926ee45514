#!/usr/bin/env bash
# A single-node SLURM cluster on this machine, for trying and testing the figure sweeps' job-array
# recipe (Scripts/sweep-array.sbatch) without a real cluster.
#
#   Scripts/local-slurm.sh start    # install slurm-wlm and munge if missing, start munged,
#                                   # slurmctld and slurmd, wait until the node is idle
#   export SLURM_CONF=/run/rankcollapse-slurm/slurm.conf   # printed by start: sbatch, squeue …
#   Scripts/local-slurm.sh status   # sinfo and squeue
#   Scripts/local-slurm.sh stop     # cancel every job, stop the daemons it started, remove state
#
# Run as root (the daemons need it). The node is this host (hostname -s) at 127.0.0.1 with the
# CPUs, sockets and cores that `slurmd -C` reports, in one partition `local`. Everything the
# cluster writes (slurm.conf, state, spool, logs, pid files) lives in one folder,
# $RANKCOLLAPSE_SLURM_DIR (default /run/rankcollapse-slurm), which `stop` removes. munged uses
# Debian's key and socket (/etc/munge/munge.key, /run/munge); a munged that was already running
# is used and left running.
set -euo pipefail

state=${RANKCOLLAPSE_SLURM_DIR:-/run/rankcollapse-slurm}
conf=$state/slurm.conf
export SLURM_CONF=$conf
# Bounds on every wait, in seconds.
start_timeout=${RANKCOLLAPSE_SLURM_START_TIMEOUT:-60}
stop_timeout=${RANKCOLLAPSE_SLURM_STOP_TIMEOUT:-60}

say() { echo "local-slurm: $*"; }
fail() {
  echo "local-slurm: error: $*" >&2
  exit 1
}

# Waits until the command succeeds, at most $1 seconds; returns 1 on time-out.
wait_for() {
  local limit=$1
  shift
  local deadline=$((SECONDS + limit))
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
pid_in() { if [ -s "$1" ]; then cat "$1"; fi; }
not_alive() { ! alive "$1"; }
munge_works() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }
node_idle() { [ "$(sinfo -h -N -n "$node" -o %T 2>/dev/null)" = idle ]; }
no_steps() { ! pgrep -x slurmstepd >/dev/null; }
queue_empty() { [ -z "$(squeue -h -o %i 2>/dev/null)" ]; }

install_packages() {
  local missing=()
  for package in slurm-wlm munge; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return
  say "installing ${missing[*]}"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}

start_munge() {
  if munge_works; then
    say "munged is already running: using it"
    return
  fi
  if [ ! -s /etc/munge/munge.key ]; then
    say "creating /etc/munge/munge.key"
    mungekey --create --keyfile=/etc/munge/munge.key
    chown munge:munge /etc/munge/munge.key
    chmod 0400 /etc/munge/munge.key
  fi
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  chmod 0755 /run/munge
  runuser -u munge -- munged --force
  wait_for "$start_timeout" munge_works || fail "munged did not start (see /var/log/munge/munged.log)"
  touch "$state/started-munged"
  say "munged started (pid $(pid_in /run/munge/munged.pid))"
}

write_conf() {
  # "NodeName=vm CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=…"
  local hardware
  hardware=$(slurmd -C | head -1 | tr ' ' '\n' \
    | grep -E '^(CPUs|Boards|SocketsPerBoard|CoresPerSocket|ThreadsPerCore)=' | tr '\n' ' ')
  [ -n "$hardware" ] || hardware="CPUs=$(nproc)"
  cat >"$conf" <<EOF
# Written by Scripts/local-slurm.sh: a single-node cluster on $node.
ClusterName=rankcollapse-local
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
KillWait=5
MinJobAge=300
StateSaveLocation=$state/state
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
NodeName=$node NodeAddr=127.0.0.1 ${hardware}State=UNKNOWN
PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
}

start() {
  [ "$(id -u)" -eq 0 ] || fail "run as root: the SLURM and munge daemons need it"
  if alive "$(pid_in "$state/slurmctld.pid")"; then
    say "already running (state in $state); 'stop' first to restart"
    echo "export SLURM_CONF=$conf"
    return
  fi
  # Daemons that cannot open /dev/null (replaced by a plain file) fail with confusing messages.
  [ -c /dev/null ] || fail "/dev/null is not a character device (mknod -m 666 /dev/null c 1 3)"
  install_packages
  mkdir -p "$state/state" "$state/spool"
  write_conf
  start_munge
  slurmctld -c -f "$conf" || fail "slurmctld did not start (see $state/slurmctld.log)"
  slurmd -f "$conf" || fail "slurmd did not start (see $state/slurmd.log)"
  if ! wait_for "$start_timeout" node_idle; then
    sinfo -N -l || true
    tail -20 "$state/slurmctld.log" "$state/slurmd.log" >&2 || true
    fail "the node $node is not idle after ${start_timeout} s"
  fi
  say "node $node idle ($(sinfo -h -N -n "$node" -o '%c CPUs')), state in $state"
  echo "export SLURM_CONF=$conf"
}

# Sends SIGTERM to the daemon whose pid file is $1 and waits for it to exit.
stop_daemon() {
  local name=$1 pid
  pid=$(pid_in "$2")
  alive "$pid" || return 0
  kill "$pid" 2>/dev/null || true
  if ! wait_for "$stop_timeout" not_alive "$pid"; then
    say "$name (pid $pid) did not stop in ${stop_timeout} s: killing it"
    kill -9 "$pid" 2>/dev/null || true
    wait_for 10 not_alive "$pid" || fail "$name (pid $pid) is still running"
  fi
  say "$name stopped"
}

stop() {
  [ -d "$state" ] || {
    say "not running (no $state)"
    return
  }
  if alive "$(pid_in "$state/slurmctld.pid")"; then
    local jobs
    jobs=$(squeue -h -o %A 2>/dev/null | sort -u | tr '\n' ' ')
    if [ -n "${jobs// /}" ]; then
      say "cancelling jobs $jobs"
      # shellcheck disable=SC2086 # one job id per word
      scancel $jobs || true
      wait_for "$stop_timeout" queue_empty || say "jobs still listed after ${stop_timeout} s"
    fi
  fi
  stop_daemon slurmd "$state/slurmd.pid"
  stop_daemon slurmctld "$state/slurmctld.pid"
  # The job steps (slurmstepd) end with their jobs; wait for any still tidying up.
  wait_for "$stop_timeout" no_steps || say "slurmstepd still running after ${stop_timeout} s"
  if [ -e "$state/started-munged" ]; then
    stop_daemon munged /run/munge/munged.pid
  fi
  rm -rf "$state"
  say "stopped; removed $state"
}

status() {
  sinfo -N -l
  squeue
}

node=$(hostname -s)
case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
