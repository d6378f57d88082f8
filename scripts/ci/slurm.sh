#!/usr/bin/env bash
# CI setup for the batch engine's Slurm tests, idempotent: Debian's slurm-wlm and munge, a
# single-node cluster (this host is controller and compute node), munged, slurmctld, slurmd.
# No systemd here: the daemons are started directly and left running for the test run.
# Accounting is off (no slurmdbd), so `sacct` answers "accounting storage is disabled" and
# `mhub batch status` falls back to squeue.
set -euo pipefail

if ! command -v sbatch >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    slurm-wlm munge >/dev/null
fi

host="$(hostname -s)"
cpus="$(nproc)"
# Leave 1 GiB to the machine; each array task asks for the card's memory (or DefMemPerCPU).
mem_mb=$(( $(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo) - 1024 ))
conf_dir=/etc/slurm
mkdir -p "$conf_dir" /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge
conf="$(cat <<CONF
# Written by scripts/ci/slurm.sh: one node, this host.
ClusterName=mhub-ci
SlurmctldHost=${host}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
DefMemPerCPU=1024
SchedulerType=sched/backfill
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
KillWait=5
NodeName=${host} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=${mem_mb} State=UNKNOWN
PartitionName=batch Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
)"
if [[ ! -f "$conf_dir/slurm.conf" ]] || [[ "$(cat "$conf_dir/slurm.conf")" != "$conf" ]]; then
  printf '%s\n' "$conf" >"$conf_dir/slurm.conf"
  changed=1
else
  changed=0
fi

if [[ ! -s /etc/munge/munge.key ]]; then
  mkdir -p /etc/munge
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
chown -R munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge 2>/dev/null || true
chmod 0700 /etc/munge && chmod 0400 /etc/munge/munge.key
if ! pgrep -u munge -x munged >/dev/null; then
  runuser -u munge -- /usr/sbin/munged
fi

running() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }
if [[ $changed == 1 ]]; then
  running /run/slurmd.pid && kill "$(cat /run/slurmd.pid)" && sleep 1
  running /run/slurmctld.pid && kill "$(cat /run/slurmctld.pid)" && sleep 1
fi
running /run/slurmctld.pid || /usr/sbin/slurmctld
running /run/slurmd.pid || /usr/sbin/slurmd

for _ in $(seq 1 30); do
  if sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
    echo "ci/slurm: single-node cluster up ($host, $cpus CPUs, ${mem_mb} MB)"
    exit 0
  fi
  sleep 1
done
echo "ci/slurm: the node did not become idle; see /var/log/slurm/*.log" >&2
sinfo >&2 || true
exit 1
