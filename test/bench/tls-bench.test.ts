/**
 * bench/tls.ts starts every server it measures (regate with listen.tls, nginx with `listen ssl`,
 * regate to an http and an https upstream), reports each row and stops them all — 150 requests
 * per row (autocannon's shortest timed run is a whole second) with two connections and no
 * warm-up: a start/stop check, not a measurement.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
// starts nine servers and runs five rows: on a loaded 2-core machine that outlasts tap's 120 s default
t.setTimeout(300_000);

t.test('bench/tls.ts --amount 150 runs every row and exits 0', async (t) => {
  // Its own process group, so that everything bench/tls.ts started goes with it: killed as a group
  // when this file exits (tap's timeout included — bench/tls.ts's own cleanup would not run then)
  // or when the run outlasts 240 s, before this file's 300 s limit.
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/tls.ts', '--amount', '150', '--warmup', '0', '--connections', '2'], { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const killGroup = () => {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', killGroup);
  const timer = setTimeout(killGroup, 240_000);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number>((resolve) => child.once('close', (c) => resolve(c ?? 1)));
  clearTimeout(timer);
  process.off('exit', killGroup);
  killGroup();
  t.equal(code, 0, stderr.slice(-500));
  for (const row of ['regate-tls', 'regate-http', 'regate-https']) t.match(stdout, new RegExp(`^${row} +\\d+ +\\S+ +\\S+ +0 +0 `, 'm'), `${row}: answered, no errors`);
  if (!/nginx not available/.test(stderr)) t.match(stdout, /^nginx-tls +\d+ +\S+ +\S+ +0 +0 /m);
  t.match(stdout, /^tls: autocannon \S+, 2 connections, 150 requests,/m, 'the run says what it measured');
  t.match(stdout, /^TLS listener: regate\/nginx rps/m);
  t.match(stdout, /^https upstream: CPU per request/m);
});
