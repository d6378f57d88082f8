// What the platform rules read about the machine, passed in: the real machine by default
// (systemProbe), any operating system in the tables (test/platform).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type HostOs = 'linux' | 'darwin' | 'win32';

export interface Probe {
  os: HostOs;
  /** Node's spelling: x64, arm64. */
  arch: string;
  env: Record<string, string | undefined>;
  home: string;
  /** Whether a file, folder, socket or named pipe exists. */
  exists: (file: string) => boolean;
  /** A small text file's content, or undefined when it cannot be read. */
  readText: (file: string) => string | undefined;
  uid?: number;
  gid?: number;
  /** Linux kernel release text (/proc/version): how WSL2 is recognised. */
  kernel?: string;
}

export function hostOs(platform: string = process.platform): HostOs {
  return platform === 'win32' || platform === 'darwin' ? platform : 'linux';
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** This machine. */
export function systemProbe(env: Record<string, string | undefined> = process.env): Probe {
  const o = hostOs();
  return {
    os: o,
    arch: process.arch,
    env,
    home: os.homedir(),
    exists: existsSync,
    readText,
    ...(process.getuid ? { uid: process.getuid(), gid: process.getgid?.() } : {}),
    ...(o === 'linux' ? { kernel: readText('/proc/version') } : {}),
  };
}

/** The path functions of the probe's OS (path.win32 on Windows, path.posix elsewhere). */
export function pathsOf(probe: Pick<Probe, 'os'>): path.PlatformPath {
  return probe.os === 'win32' ? path.win32 : path.posix;
}

/** Linux inside Windows' WSL2 (its kernel says "microsoft", its distro sets WSL_DISTRO_NAME). */
export function isWsl(probe: Pick<Probe, 'os' | 'env' | 'kernel'>): boolean {
  return (
    probe.os === 'linux' && (Boolean(probe.env.WSL_DISTRO_NAME) || /microsoft/i.test(probe.kernel ?? ''))
  );
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Where a command is on PATH (with PATHEXT's extensions on Windows), or undefined. */
export function findOnPath(command: string, probe: Probe): string | undefined {
  const p = pathsOf(probe);
  const pathVar = probe.env.PATH ?? probe.env.Path ?? '';
  const dirs = pathVar.split(probe.os === 'win32' ? ';' : ':').filter(Boolean);
  const names = executableNames(command, probe);
  for (const dir of dirs)
    for (const name of names) if (probe.exists(p.join(dir, name))) return p.join(dir, name);
  return undefined;
}

/** The file names a command may have: itself, and on Windows with each PATHEXT extension. */
export function executableNames(command: string, probe: Pick<Probe, 'os' | 'env'>): string[] {
  if (probe.os !== 'win32' || /\.[a-z0-9]+$/i.test(command)) return [command];
  const exts = (probe.env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean);
  return exts.map((e) => `${command}${e.toLowerCase()}`);
}
