/**
 * A private `redis-server` for tests that stop, kill or pause Redis (the shared one at :6379
 * must never be disturbed). It listens on 127.0.0.1 on a free port, persists with
 * `appendfsync always` into its own temp dir so a kill loses nothing Redis acknowledged, and
 * can be killed and restarted on the same port.
 *
 * Example:
 * ```ts
 * const redis = await startRedisServer();
 * await redis.kill(); await redis.restart(); await redis.pause(2000);
 * await redis.stop();
 * ```
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisServer {
  port: number;
  url: string;
  dir: string;
  /** SIGKILL, no shutdown save (what a crash looks like). */
  kill(): Promise<void>;
  /** Start again on the same port and data dir; resolves when it accepts connections. */
  restart(): Promise<void>;
  /** `CLIENT PAUSE ms ALL`: Redis stays connected but answers nothing until the pause ends. */
  pause(ms: number): Promise<void>;
  /** Run one command through redis-cli and return its output. */
  cli(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, proc: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect(port, '127.0.0.1');
      c.once('connect', () => {
        c.end('PING\r\n');
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('redis-server did not start');
}

export async function startRedisServer(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'regate-redis-'));
  let port = 0;
  let proc: ChildProcess | null = null;

  async function launch(): Promise<void> {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--protected-mode', 'no', '--loglevel', 'warning'];
    proc = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'inherit'] });
    await waitForPort(port, proc);
  }

  // A free port can be taken between probe and bind: retry with another (bounded).
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    try {
      await launch();
      break;
    } catch (err) {
      if (attempt >= 4) throw err;
    }
  }

  function cli(...args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      const c = spawn('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      c.stdout.on('data', (d: Buffer) => (out += d.toString()));
      c.on('error', reject);
      c.on('close', () => resolve(out.trim()));
    });
  }

  async function kill(): Promise<void> {
    const p = proc;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    });
    proc = null;
  }

  return {
    get port() {
      return port;
    },
    get url() {
      return `redis://127.0.0.1:${port}`;
    },
    dir,
    kill,
    restart: launch,
    async pause(ms: number) {
      const out = await cli('CLIENT', 'PAUSE', String(ms), 'ALL');
      if (out !== 'OK') throw new Error(`CLIENT PAUSE failed: ${out}`);
    },
    cli,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  } as RedisServer;
}

export interface RedisCluster {
  ports: number[];
  /** `redis+cluster://127.0.0.1:p1,127.0.0.1:p2,…` */
  url: string;
  stop(): Promise<void>;
}

async function portPair(): Promise<number> {
  // A cluster node also listens on port+10000 (the cluster bus): both must be free.
  for (let i = 0; i < 50; i++) {
    const p = await freePort();
    if (p + 10000 > 65535) continue;
    const busFree = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(p + 10000, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (busFree) return p;
  }
  throw new Error('no free port pair for a cluster node');
}

/** A 3-master Redis Cluster on 127.0.0.1 (no replicas), ready when every slot is served. */
export async function startRedisCluster(): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'regate-rcluster-'));
  const procs: ChildProcess[] = [];
  const ports: number[] = [];
  const run = (args: string[]) =>
    new Promise<string>((resolve, reject) => {
      const c = spawn('redis-cli', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      c.stdout.on('data', (d: Buffer) => (out += d.toString()));
      c.stderr.on('data', (d: Buffer) => (out += d.toString()));
      c.on('error', reject);
      c.on('close', () => resolve(out));
    });
  const stop = async () => {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 3; i++) {
      const port = await portPair();
      const p = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--loglevel', 'warning'], { stdio: ['ignore', 'ignore', 'inherit'] });
      procs.push(p);
      await waitForPort(port, p);
      ports.push(port);
    }
    const out = await run(['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes']);
    if (!out.includes('All 16384 slots covered')) throw new Error(`cluster create failed: ${out}`);
    for (let i = 0; i < 200; i++) {
      const states = await Promise.all(ports.map((p) => run(['-p', String(p), 'cluster', 'info'])));
      if (states.every((s) => s.includes('cluster_state:ok'))) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { ports, url: 'redis+cluster://' + ports.map((p) => `127.0.0.1:${p}`).join(','), stop };
}

export interface RedisSentinel {
  port: number;
  /** `redis+sentinel://127.0.0.1:<port>/mymaster` */
  url: string;
  stop(): Promise<void>;
}

/** One Sentinel (quorum 1) watching `master` under the name `mymaster`. */
export async function startRedisSentinel(master: RedisServer): Promise<RedisSentinel> {
  const dir = mkdtempSync(join(tmpdir(), 'regate-sentinel-'));
  const port = await freePort();
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(conf, `port ${port}\nbind 127.0.0.1\nprotected-mode no\ndir ${dir}\nsentinel monitor mymaster 127.0.0.1 ${master.port} 1\n`);
  const p = spawn('redis-server', [conf, '--sentinel'], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitForPort(port, p);
  return {
    port,
    url: `redis+sentinel://127.0.0.1:${port}/mymaster`,
    async stop() {
      if (p.exitCode === null) p.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
