/**
 * ns per policy decision on the JS back end (and the WASM back end when it is built).
 *
 *   npx tsx bench/policy-eval.ts [--policy-dir policies] [--entrypoint insurance/decision]
 *                                [--plan plan.json] [--engine js|wasm] [--batches 200] [--batch 5000]
 *                                [--budget-ms 100]
 *
 * The plan comes from our front end (the policy dir) or from a plan file (`opa build -t plan`
 * output works too). The input is the gateway's policy input (DESIGN.md) padded to ~1 KB of
 * JSON. A tight loop of `--batch` decisions is timed with process.hrtime.bigint; the report is
 * the median (and p10/p90) over `--batches` batches, after a warm-up. `--budget-ms` evaluates
 * with that evaluation budget, as the gateway does (`policies.eval_budget_ms`). Run it on a quiet machine:
 * numbers taken while other processes compete for the CPU are only indicative.
 */
import { readFile } from 'node:fs/promises';
import { loadPolicyBundle, type Engine, type Policy, type Value } from '../src/policy/index.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : dflt;
}

const policyDir = arg('--policy-dir', 'policies');
const entrypoint = arg('--entrypoint', 'insurance/decision');
const planFile = arg('--plan', '');
const engine = arg('--engine', 'js') as Engine;
const batches = Number(arg('--batches', '200'));
const batch = Number(arg('--batch', '5000'));
const budgetMs = arg('--budget-ms', '') === '' ? undefined : Number(arg('--budget-ms', ''));

function makeInput(sub: string, path: string): Value {
  const input = {
    request: {
      id: '2f6c1a9e-4b7d-4d1e-9a53-6f0f8c2b7e11',
      method: 'GET',
      path,
      query: { lang: ['en'], page: ['1'] },
      headers: {
        'x-device': 'ios',
        'user-agent': 'InsuranceApp/4.2.1 (iPhone; iOS 17.4; Scale/3.00)',
        accept: 'application/json',
        'accept-language': 'en-GB,en;q=0.9',
        'x-request-id': '2f6c1a9e-4b7d-4d1e-9a53-6f0f8c2b7e11',
        'x-forwarded-for': '203.0.113.9',
        'x-app-build': '4.2.1+20261101.1842',
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      },
      host: 'api.example.com',
      scheme: 'https',
      remote_addr: '203.0.113.9',
    },
    token: {
      active: true,
      sub,
      client_id: 'mobile-app',
      scope: ['car:read', 'home:read', 'profile'],
      exp: 1767225600,
      iss: 'https://idp.example.com',
      claims: { sub, aud: 'api', iat: 1767222000, exp: 1767225600, iss: 'https://idp.example.com', azp: 'mobile-app', email: `${sub}@example.com`, email_verified: true },
    },
    route: { id: 'car-insurance', upstream: 'car' },
  };
  return input as Value;
}

async function main(): Promise<void> {
  const plan = planFile ? (JSON.parse(await readFile(planFile, 'utf8')) as Policy) : undefined;
  const bundle = await loadPolicyBundle({ ...(plan ? { plan } : { dir: policyDir }), entrypoints: [entrypoint], engine });
  const input = makeInput('alice', '/car/insurance');
  const size = JSON.stringify(input).length;
  const sample = bundle.evaluate(entrypoint, input);
  console.log(`engine=${engine} entrypoint=${entrypoint} input=${size} B JSON budget=${budgetMs ?? 'none'}`);
  console.log('decision:', JSON.stringify(sample));

  const nowNs = 1767222000000000000n; // fixed clock: the loop measures the policy, not the clock
  const opts = { nowNs, ...(budgetMs !== undefined ? { budgetMs } : {}) };
  let sink = 0;
  for (let i = 0; i < 20000; i++) if (bundle.evaluate(entrypoint, input, opts) !== undefined) sink++; // warm-up (JIT)
  const perDecision: number[] = [];
  // CPU time of this process per decision too: on a shared machine the wall clock also counts
  // the time the process waited for a core, the CPU time does not.
  const cpuPerDecision: number[] = [];
  for (let b = 0; b < batches; b++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) if (bundle.evaluate(entrypoint, input, opts) !== undefined) sink++;
    perDecision.push(Number(process.hrtime.bigint() - t0) / batch);
    const c = process.cpuUsage(c0);
    cpuPerDecision.push(((c.user + c.system) * 1000) / batch);
  }
  perDecision.sort((a, b) => a - b);
  cpuPerDecision.sort((a, b) => a - b);
  console.log(`cpu ns/decision: median ${(cpuPerDecision[Math.floor(cpuPerDecision.length / 2)] as number).toFixed(0)}`);
  const q = (p: number): string => (perDecision[Math.min(perDecision.length - 1, Math.floor(p * perDecision.length))] as number).toFixed(0);
  console.log(`ns/decision: median ${q(0.5)}  min ${q(0)}  p10 ${q(0.1)}  p90 ${q(0.9)}  (${batches} batches × ${batch}; sink ${sink})`);
}

await main();
