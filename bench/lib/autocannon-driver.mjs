// The autocannon process of a bench run: reads its options as JSON from stdin, runs autocannon's
// programmatic API (which, unlike its CLI, can vary a header per request) and prints one JSON
// line: autocannon's result plus `cpuS`, this process's CPU seconds during the run itself
// (process.cpuUsage around the run, so start-up is left out).
// Started by bench/lib/autocannon.ts in its own pinned process; not meant to be run by hand.
// Plain JavaScript on purpose: it starts once per load run on the load CPU, next to the
// upstream, and `--import tsx` would add ~0.3 s of CPU (seconds of wall time on a busy machine)
// to every run. Its input shape is AutocannonDriverInput in autocannon.ts.
import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';

let text = '';
for await (const chunk of process.stdin) text += String(chunk);
/** @type {{ url: string; connections: number; duration: number | null; amount: number | null; headers: Record<string, string>; headerCycle?: { name: string; values: string[] }; timeoutS?: number; clientCert?: { cert: string; key: string } }} */
const input = JSON.parse(text);
/** @type {Record<string, unknown>} */
const opts = { url: input.url, connections: input.connections, pipelining: 1, headers: input.headers };
// seconds before autocannon gives up on a request (its default is 10); bench/instructions.ts
// raises it for a gateway under valgrind on a loaded machine
if (input.timeoutS !== undefined) opts.timeout = input.timeoutS;
// a client certificate for an mTLS listener (bench/tls.ts, the regate-mtls row)
if (input.clientCert) opts.tlsOptions = { cert: readFileSync(input.clientCert.cert), key: readFileSync(input.clientCert.key) };
if (input.amount !== null) opts.amount = input.amount;
else opts.duration = input.duration;
const cycle = input.headerCycle;
if (cycle && cycle.values.length > 0) {
  // one counter for all connections: concurrent requests carry different values
  let i = 0;
  opts.requests = [{ setupRequest: (/** @type {{ headers?: Record<string, string> }} */ req) => ({ ...req, headers: { ...req.headers, [cycle.name]: cycle.values[i++ % cycle.values.length] } }) }];
}

const cpu0 = process.cpuUsage();
const result = await autocannon(opts);
const cpu = process.cpuUsage(cpu0);
process.stdout.write(JSON.stringify({ ...result, cpuS: (cpu.user + cpu.system) / 1e6 }) + '\n');
