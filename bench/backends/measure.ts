// Measuring helpers for bench/backends.bench.ts: peak memory of a process tree or a container
// (read from /proc, the same way for both backends), folder sizes, and summary statistics.
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Peak resident memory (VmHWM, kB -> bytes) of one process, 0 when it is gone. */
function peakRss(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Every descendant of `root` (not root itself), from /proc/<pid>/stat's parent field. */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      // the process ended while we read /proc
    }
  }
  const out: number[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** The processes of a running container (cgroup v1 cgroupfs layout, as on this machine). */
export function containerPids(id: string): number[] {
  for (const file of [
    `/sys/fs/cgroup/memory/docker/${id}/cgroup.procs`,
    `/sys/fs/cgroup/system.slice/docker-${id}.scope/cgroup.procs`,
  ]) {
    try {
      return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
    } catch {
      // try the next layout
    }
  }
  return [];
}

/**
 * Samples every `everyMs` the sum of the per-process peak RSS of the pids `list()` returns and
 * keeps the largest sum: VmHWM survives between samples, so short peaks are not missed.
 */
export function memorySampler(list: () => number[], everyMs = 50) {
  let peak = 0;
  const sample = () => {
    const sum = list().reduce((acc, pid) => acc + peakRss(pid), 0);
    if (sum > peak) peak = sum;
  };
  const timer = setInterval(sample, everyMs);
  return {
    stop(): number {
      sample();
      clearInterval(timer);
      return peak;
    },
  };
}

/** Bytes on disk (allocated blocks) of a folder, symlinks not followed. */
export function diskBytes(dir: string): number {
  const st = lstatSync(dir);
  let total = st.blocks * 512;
  if (st.isDirectory()) for (const name of readdirSync(dir)) total += diskBytes(path.join(dir, name));
  return total;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function spread(values: readonly number[]): Spread {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]!, n: s.length };
}
