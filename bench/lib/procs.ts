/**
 * Process helpers for the benches: spawn pinned to CPUs with `taskset`, wait for a ready line,
 * run a pinned command to completion, read a process tree's CPU time from /proc (to compute CPU
 * µs per request).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

/**
 * Every server a bench started and has not seen exit. When the bench process exits for any reason
 * (a test file killed by tap's timeout, an exception, Ctrl-C turned into process.exit), these are
 * killed with it: otherwise nginx, HAProxy, regate and upstreams outlive it, reparented to init,
 * and eat the CPUs of whatever runs next (CI's remaining test files).
 */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' listeners run synchronously; kill() is a synchronous syscall, so this is safe there
  process.once('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

export interface Proc {
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/**
 * Spawns `cmd args` pinned to `cpus` (e.g. "1" or "0,1"); resolves when stdout/stderr matches
 * `ready`, or at once when `ready` is null (programs that print nothing, like nginx).
 */
export function spawnPinned(cpus: string | null, cmd: string, args: string[], ready: RegExp | null, env: NodeJS.ProcessEnv = process.env): Promise<Proc & { match: RegExpMatchArray }> {
  const [c, a] = cpus ? ['taskset', ['-c', cpus, cmd, ...args]] : [cmd, args];
  const child = spawn(c as string, a as string[], { stdio: ['ignore', 'pipe', 'pipe'], env });
  track(child);
  let out = '';
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    });
  return new Promise((resolve, reject) => {
    if (ready === null) {
      child.stdout?.on('data', (x: Buffer) => (out += x.toString()));
      child.stderr?.on('data', (x: Buffer) => (out += x.toString()));
      child.once('error', reject);
      return resolve({ child, output: () => out, stop, match: [''] as unknown as RegExpMatchArray });
    }
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = out.match(ready as RegExp);
      if (m) {
        child.stdout?.off('data', onData);
        child.stderr?.off('data', onData);
        child.stdout?.on('data', (x: Buffer) => (out += x.toString()));
        child.stderr?.on('data', (x: Buffer) => (out += x.toString()));
        resolve({ child, output: () => out, stop, match: m });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${cmd} exited ${code} before ready:\n${out}`)));
  });
}

/**
 * Moves a running process and all its threads to `cpus` (`taskset -a -p -c`): the scaling bench
 * keeps one upstream and one Redis for every CPU plan. A no-op when `cpus` is null (not pinned).
 * @example
 * repin(up.proc, plan.loadCpus);
 */
export function repin(proc: Proc, cpus: string | null): void {
  const pid = proc.child.pid;
  if (cpus === null || pid === undefined) return;
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
}

/** What a command run to completion left behind. */
export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
  /** CPU seconds (user + system) the command used, from this process's reaped-children times; NaN without /proc */
  cpuS: number;
}

/**
 * Runs `cmd args` pinned to `cpus` until it exits, with `stdin` (when given) as its input,
 * capturing its output and its CPU time. The CPU
 * time is the growth of this process's cutime+cstime across the run: the kernel adds a child's
 * times there when it is reaped (libuv does that before 'exit'), which works after the child's
 * /proc entry is gone. `taskset` execs the command, so there is no extra process in between.
 * Only one command may run at a time for the number to be the command's own.
 * @example
 * const r = await runPinned('0', '/usr/bin/wrk', ['-c', '8', '-d', '2', url]);
 * r.code === 0 && r.stdout.includes('Requests/sec');
 */
export function runPinned(cpus: string | null, cmd: string, args: string[], stdin?: string): Promise<Finished> {
  const [c, a] = cpus ? ['taskset', ['-c', cpus, cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const cpu0 = childrenCpuSeconds();
    const child = spawn(c as string, a as string[], { stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    track(child);
    if (stdin !== undefined) child.stdin?.end(stdin);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    // 'close', not 'exit': the output streams are complete then
    child.once('close', (code) => resolve({ code, stdout, stderr, cpuS: childrenCpuSeconds() - cpu0 }));
  });
}

/**
 * CPU seconds spread over requests, in µs per request; null when either is unknown or zero.
 * @example
 * perRequestUs(0.5, 10_000); // 50
 */
export function perRequestUs(cpuS: number, requests: number): number | null {
  return Number.isFinite(cpuS) && requests > 0 ? (cpuS * 1e6) / requests : null;
}

const CLK_TCK = 100; // USER_HZ on Linux

/** cutime+cstime of this process in seconds: the CPU time of its reaped children (NaN where /proc is missing). */
export function childrenCpuSeconds(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) / CLK_TCK; // cutime, cstime
  } catch {
    return NaN;
  }
}

/** utime+stime in seconds of `pid` and all its descendants (nginx workers, worker threads). */
export function cpuSeconds(pid: number): number {
  const { user, sys } = cpuSplitSeconds(pid);
  return user + sys;
}

/** utime and stime apart, in seconds, of `pid` and its descendants: the kernel's share tells syscalls from JS. */
export function cpuSplitSeconds(pid: number): { user: number; sys: number } {
  let user = 0;
  let sys = 0;
  const pids = [pid, ...descendants(pid)];
  for (const p of pids) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      user += Number(fields[11]) / CLK_TCK; // utime
      sys += Number(fields[12]) / CLK_TCK; // stime
    } catch {
      /* exited */
    }
  }
  return { user, sys };
}

function descendants(pid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(d), ...descendants(Number(d)));
    } catch {
      /* gone */
    }
  }
  return out;
}
