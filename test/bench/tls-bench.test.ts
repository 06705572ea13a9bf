/**
 * bench/tls.ts starts every server it measures (regate with listen.tls, nginx with `listen ssl`,
 * regate to an http and an https upstream), reports each row and stops them all — run for one
 * second with two connections and no warm-up: a start/stop check, not a measurement.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

t.test('bench/tls.ts --duration 1 runs every row and exits 0', async (t) => {
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'bench/tls.ts', '--duration', '1', '--warmup', '0', '--connections', '2'], { cwd: root, timeout: 240_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
  t.equal(code, 0, stderr.slice(-500));
  for (const row of ['regate-tls', 'regate-http', 'regate-https']) t.match(stdout, new RegExp(`^${row} +\\d+ +\\S+ +\\S+ +0 +0 `, 'm'), `${row}: answered, no errors`);
  if (!/nginx not available/.test(stderr)) t.match(stdout, /^nginx-tls +\d+ +\S+ +\S+ +0 +0 /m);
  t.match(stdout, /^TLS listener: regate\/nginx rps/m);
  t.match(stdout, /^https upstream: CPU per request/m);
});
