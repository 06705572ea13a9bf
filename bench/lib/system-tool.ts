/**
 * Programs the benches need from the system (nginx, wrk): found at their Debian paths, installed
 * with apt-get when missing and running as root, otherwise reported with the reason so the
 * scenario that needs them is skipped rather than failed.
 */
import { execFileSync, spawnSync } from 'node:child_process';

/** A Debian-packaged program: where it lives and how to tell that it runs. */
export interface SystemTool {
  /** Debian package name, also used in messages */
  pkg: string;
  /** absolute paths to try, in order */
  paths: string[];
  /** arguments that make it print its version */
  versionArgs: string[];
  /**
   * The version from the output of `versionArgs`, or null when this is not the program. Some
   * programs exit non-zero after printing their version (`wrk -v` prints usage and exits 1), so
   * the output decides, not the exit status.
   */
  version(output: string): string | null;
}

/** True when `cmd args` runs and exits 0. */
export function hasCommand(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * The first of `tool.paths` that runs, with its version; null when none does. Never installs.
 * @example
 * const wrk = locateTool(WRK); // { bin: '/usr/bin/wrk', version: '4.1.0-3+b2' } or null
 */
export function locateTool(tool: SystemTool): { bin: string; version: string } | null {
  for (const bin of tool.paths) {
    const r = spawnSync(bin, tool.versionArgs, { encoding: 'utf8', timeout: 10_000 });
    if (r.error) continue;
    const version = tool.version(`${r.stdout ?? ''}\n${r.stderr ?? ''}`);
    if (version !== null) return { bin, version };
  }
  return null;
}

/**
 * `locateTool`, else `apt-get install -y <pkg>` when running as root; `{ reason }` when the
 * program cannot be had, for a skipped row's note.
 * @example
 * const found = findOrInstallTool(NGINX, log);
 * if ('reason' in found) return skip('nginx', found.reason);
 */
export function findOrInstallTool(tool: SystemTool, log: (line: string) => void): { bin: string; version: string } | { reason: string } {
  const here = locateTool(tool);
  if (here) return here;
  if (process.getuid?.() !== 0) return { reason: `${tool.pkg} is not installed and apt-get needs root (apt-get install -y ${tool.pkg})` };
  log(`${tool.pkg} missing: apt-get install -y ${tool.pkg}`);
  try {
    execFileSync('apt-get', ['install', '-y', tool.pkg], { stdio: 'ignore', timeout: 120_000 });
  } catch (err) {
    return { reason: `apt-get install ${tool.pkg} failed: ${String(err).slice(0, 200)}` };
  }
  return locateTool(tool) ?? { reason: `${tool.pkg} still missing after apt-get install` };
}

/** nginx: `nginx -v` prints "nginx version: nginx/1.22.1" on stderr. */
export const NGINX: SystemTool = {
  pkg: 'nginx',
  paths: ['/usr/sbin/nginx', '/usr/bin/nginx'],
  versionArgs: ['-v'],
  version: (out) => /nginx\/(\S+)/.exec(out)?.[1] ?? null,
};

/** wrk: `wrk -v` prints "wrk debian/4.1.0-3+b2 [epoll] Copyright …" then its usage, and exits 1. */
export const WRK: SystemTool = {
  pkg: 'wrk',
  paths: ['/usr/bin/wrk', '/usr/local/bin/wrk'],
  versionArgs: ['-v'],
  version: (out) => /^wrk (\S+)/m.exec(out)?.[1] ?? null,
};

/** HAProxy: `haproxy -v` prints "HAProxy version 2.6.12-1+deb12u4 2026/10/17 - https://haproxy.org/". */
export const HAPROXY: SystemTool = {
  pkg: 'haproxy',
  paths: ['/usr/sbin/haproxy', '/usr/bin/haproxy', '/usr/local/sbin/haproxy'],
  versionArgs: ['-v'],
  version: (out) => /HAProxy version (\S+)/.exec(out)?.[1] ?? null,
};
