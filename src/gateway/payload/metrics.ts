/**
 * The payload stage's metrics (README "Telemetry" → "Metrics"), on the admin `/metrics`:
 *
 * - `regate_payload_requests_total{route, alg, result}` — every request on a route with
 *   `payload_encryption` other than `off`: `result` is `decrypted`, `plaintext` (let through on
 *   `optional`, or a CORS preflight) or the refusal's stable code (`GW_ERR_PAYLOAD_REQUIRED`,
 *   `GW_ERR_PAYLOAD_DECRYPT`, `GW_ERR_PAYLOAD_TOO_LARGE`, `GW_ERR_PAYLOAD_UNAVAILABLE`,
 *   `GW_ERR_INTERNAL` for anything else); `alg` is the key management of an opened body (`dir`,
 *   `ECDH-ES`, `ECDH-ES+A256KW`, `RSA-OAEP-256`) and `-` otherwise.
 * - `regate_payload_answers_total{route, to, result}` — answers that were to be sealed: `to` is
 *   `rsp` (ECDH to the client's key) or `session`; `result` is `sealed`,
 *   `GW_ERR_PAYLOAD_RESPONSE_TOO_LARGE` (refused), `passed` (too large, relayed with
 *   `oversize: pass`) or `failed` (the sealing threw; the exchange was cut and the error logged).
 * - `regate_payload_sessions_issued_total` — sessions granted.
 *
 * Labels are bounded: routes come from the config, everything else from the fixed sets above —
 * nothing a client sends becomes a label value (an `alg` the gateway refused counts as `-`, why
 * it was refused stays in the debug log). Cells are plain numbers (shared/deferred-metrics.ts).
 */
import type { Registry } from 'prom-client';
import { GatewayError } from '../errors.js';
import { createDeferredCounter, type CounterCell } from '../shared/deferred-metrics.js';

const ALGS = new Set(['dir', 'ECDH-ES', 'ECDH-ES+A256KW', 'RSA-OAEP-256']);
const REFUSALS = new Set(['GW_ERR_PAYLOAD_REQUIRED', 'GW_ERR_PAYLOAD_DECRYPT', 'GW_ERR_PAYLOAD_TOO_LARGE', 'GW_ERR_PAYLOAD_UNAVAILABLE']);

export type AnswerResult = 'sealed' | 'GW_ERR_PAYLOAD_RESPONSE_TOO_LARGE' | 'passed' | 'failed';

export interface PayloadMetrics {
  opened(route: string, alg: string): void;
  plaintext(route: string): void;
  refused(route: string, err: unknown): void;
  answer(route: string, to: 'rsp' | 'session', result: AnswerResult): void;
  sessionIssued(): void;
}

/** @example const m = createPayloadMetrics(registry); m.opened('pay', 'dir'); */
export function createPayloadMetrics(registry: Registry): PayloadMetrics {
  const requests = createDeferredCounter({ name: 'regate_payload_requests_total', help: 'Requests on payload-encrypted routes by key management and result (decrypted, plaintext or the refusal code)', labelNames: ['route', 'alg', 'result'] as const, registers: [registry] });
  const answers = createDeferredCounter({ name: 'regate_payload_answers_total', help: 'Answers to seal by target (rsp or session) and result', labelNames: ['route', 'to', 'result'] as const, registers: [registry] });
  const issued = createDeferredCounter({ name: 'regate_payload_sessions_issued_total', help: 'Payload-encryption sessions granted', labelNames: [] as const, registers: [registry] });
  const issuedCell = issued.cell({});
  // one cell per label set, found without building the joined key on every request
  const cells = new Map<string, CounterCell>();
  const requestCell = (route: string, alg: string, result: string): CounterCell => {
    const k = `${route}\u0000${alg}\u0000${result}`;
    let c = cells.get(k);
    if (c === undefined) cells.set(k, (c = requests.cell({ route, alg, result })));
    return c;
  };
  return {
    opened(route, alg) {
      requestCell(route, ALGS.has(alg) ? alg : '-', 'decrypted').n++;
    },
    plaintext(route) {
      requestCell(route, '-', 'plaintext').n++;
    },
    refused(route, err) {
      const code = err instanceof GatewayError && REFUSALS.has(err.code) ? err.code : 'GW_ERR_INTERNAL';
      requestCell(route, '-', code).n++;
    },
    answer(route, to, result) {
      answers.cell({ route, to, result }).n++;
    },
    sessionIssued() {
      issuedCell.n++;
    },
  };
}
