/**
 * Gateway errors: one base class, stable codes, one HTTP mapping (this table).
 *
 * A stage rejects a call by throwing a GatewayError. The server turns it into a response in one
 * place: status from the table, a generic JSON body `{"error": code, "message": …}` (details
 * never reach the client; they go to `cause` and the logs), and the headers the error carries
 * (e.g. `WWW-Authenticate`, `Retry-After`). Codes are never reused or renamed: tests and
 * clients match on them.
 */
export const GATEWAY_ERRORS = {
  GW_ERR_BAD_REQUEST: { status: 400, message: 'bad request' },
  // the edge's refusals (server/client-head.ts), one code per class of malformed input
  GW_ERR_BAD_TARGET: { status: 400, message: 'invalid request target' },
  GW_ERR_BAD_PATH: { status: 400, message: 'this request path is not accepted' },
  GW_ERR_BAD_HEADER: { status: 400, message: 'invalid request header field' },
  GW_ERR_BAD_HOST: { status: 400, message: 'invalid Host header' },
  GW_ERR_BAD_FRAMING: { status: 400, message: 'invalid message framing' },
  GW_ERR_TRANSFER_CODING: { status: 501, message: 'transfer coding not implemented' },
  GW_ERR_LENGTH_REQUIRED: { status: 411, message: 'a request body needs a Content-Length' },
  GW_ERR_METHOD_NOT_IMPLEMENTED: { status: 501, message: 'method not implemented' },
  GW_ERR_BODY_TIMEOUT: { status: 408, message: 'the request body did not arrive in time' },
  GW_ERR_NOT_FOUND: { status: 404, message: 'no route matches this request' },
  GW_ERR_METHOD_NOT_ALLOWED: { status: 405, message: 'method not allowed on this route' },
  GW_ERR_BODY_TOO_LARGE: { status: 413, message: 'request body too large' },
  GW_ERR_HEADERS_TOO_LARGE: { status: 431, message: 'request headers too large' },

  GW_ERR_TOKEN_MISSING: { status: 401, message: 'a bearer token is required' },
  GW_ERR_TOKEN_MALFORMED: { status: 400, message: 'malformed authorization header' },
  GW_ERR_TOKEN_INVALID: { status: 401, message: 'the access token is invalid' },
  GW_ERR_TOKEN_EXPIRED: { status: 401, message: 'the access token has expired' },
  GW_ERR_TOKEN_INACTIVE: { status: 401, message: 'the access token is not active' },
  GW_ERR_TOKEN_TOO_LARGE: { status: 431, message: 'the access token is too large' },
  GW_ERR_TOKEN_SERVER_UNAVAILABLE: { status: 503, message: 'the token server is unavailable' },
  // RFC 8705 §3: a certificate-bound token (cnf.x5t#S256) without that client certificate
  GW_ERR_TOKEN_CERT_MISMATCH: { status: 401, message: 'the access token is bound to a client certificate this request did not present' },
  // README "Token revocation": the token (its sha256, jti or subject) is on the revocation list
  GW_ERR_TOKEN_REVOKED: { status: 401, message: 'the access token has been revoked' },
  // tokens.revocation.on_redis_unavailable: fail_closed and the revocation feed is not connected
  GW_ERR_TOKEN_REVOCATION_UNAVAILABLE: { status: 503, message: 'token revocation cannot be checked' },

  GW_ERR_FORBIDDEN: { status: 403, message: 'forbidden' },
  GW_ERR_INSUFFICIENT_SCOPE: { status: 403, message: 'insufficient scope' },
  GW_ERR_POLICY_DENIED_UNAUTHENTICATED: { status: 401, message: 'authentication required' },
  GW_ERR_POLICY_ERROR: { status: 403, message: 'forbidden' },
  /** the decision did not finish within policies.eval_budget_ms (fail closed, like a policy error) */
  GW_ERR_POLICY_BUDGET: { status: 403, message: 'forbidden' },
  GW_ERR_POLICY_DECISION: { status: 500, message: 'the policy returned an invalid decision' },
  GW_ERR_POLICY_UNAVAILABLE: { status: 503, message: 'no policy is loaded' },

  GW_ERR_RATE_LIMITED: { status: 429, message: 'rate limit exceeded' },
  GW_ERR_RATE_LIMIT_UNAVAILABLE: { status: 503, message: 'rate limiting is unavailable' },

  // an oauth2_client_credentials backend credential could not obtain a token (mapping/credentials)
  GW_ERR_BACKEND_TOKEN_UNAVAILABLE: { status: 503, message: 'the backend credential is unavailable' },
  // a CORS preflight from an origin, or for a method or header, the route's `cors` does not allow
  GW_ERR_CORS_REJECTED: { status: 403, message: 'this cross-origin request is not allowed' },
  GW_ERR_UPSTREAM_UNAVAILABLE: { status: 503, message: 'the upstream is unavailable' },
  GW_ERR_UPSTREAM_CONNECT: { status: 502, message: 'could not connect to the upstream' },
  // the upstream's certificate did not verify (CA, expiry, name) or it refused ours (mutual TLS)
  GW_ERR_UPSTREAM_TLS: { status: 502, message: 'could not establish TLS with the upstream' },
  GW_ERR_UPSTREAM_PROTOCOL: { status: 502, message: 'the upstream sent an invalid response' },
  GW_ERR_UPSTREAM_TIMEOUT: { status: 504, message: 'the upstream did not answer in time' },
  GW_ERR_UPSTREAM_BUSY: { status: 503, message: 'the upstream is busy' },
  GW_ERR_ROUTE_BUSY: { status: 503, message: 'too many concurrent requests on this route' },

  // payload encryption (README "Payload encryption"): one generic code for every decryption
  // failure — which check failed is in the log only, so a client learns nothing to probe with
  GW_ERR_PAYLOAD_DECRYPT: { status: 400, message: 'the encrypted body could not be processed' },
  GW_ERR_PAYLOAD_REQUIRED: { status: 415, message: 'this route accepts only an encrypted body (application/jose)' },
  GW_ERR_PAYLOAD_TOO_LARGE: { status: 413, message: 'encrypted body too large' },
  GW_ERR_PAYLOAD_RESPONSE_TOO_LARGE: { status: 502, message: 'the answer is too large to encrypt' },
  GW_ERR_PAYLOAD_UNAVAILABLE: { status: 503, message: 'payload encryption is unavailable' },

  GW_ERR_SHUTTING_DOWN: { status: 503, message: 'the gateway is shutting down' },
  GW_ERR_INTERNAL: { status: 500, message: 'internal gateway error' },
} as const satisfies Record<string, { status: number; message: string }>;

export type GatewayErrorCode = keyof typeof GATEWAY_ERRORS;

export interface GatewayErrorOptions {
  /** Extra response headers (WWW-Authenticate, Retry-After, RateLimit-*, …). */
  headers?: Record<string, string>;
  /** Overrides the table's client message (e.g. a policy's `reason`). Never put secrets here. */
  message?: string;
  /** Overrides the table's status where the contract allows it (a policy's `status`). */
  status?: number;
  /** Internal detail for logs; never sent to the client. */
  cause?: unknown;
  /** Extra JSON fields for the client body (e.g. OAuth `error`), already safe to expose. */
  body?: Record<string, unknown>;
}

export class GatewayError extends Error {
  readonly code: GatewayErrorCode;
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown> | undefined;

  constructor(code: GatewayErrorCode, opts: GatewayErrorOptions = {}) {
    const def = GATEWAY_ERRORS[code];
    super(opts.message ?? def.message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.status = opts.status ?? def.status;
    this.headers = opts.headers ?? {};
    this.body = opts.body;
  }

  /** The JSON the client sees. */
  toResponseBody(requestId: string | undefined): string {
    return JSON.stringify({ error: this.code, message: this.message, ...(this.body ?? {}), ...(requestId ? { request_id: requestId } : {}) });
  }
}

/**
 * A header field value the edge refuses (a control character, or bytes uWS could not decode as
 * UTF-8): one text wherever the check runs — the edge itself, or later for the Authorization
 * value whose check the edge defers (server/client-head.ts says why).
 */
export function badHeaderValueError(name: string): GatewayError {
  return new GatewayError('GW_ERR_BAD_HEADER', { cause: `header ${name} has a control character or bytes that are not UTF-8` });
}

/** Configuration mistakes found at start-up: they name the key and, when known, the file line. */
export class ConfigError extends Error {
  readonly code = 'GW_ERR_CONFIG' as const;
  constructor(
    message: string,
    readonly key: string,
    readonly line?: number,
    readonly file?: string,
  ) {
    super(`${file ?? 'config'}${line ? `:${line}` : ''}: ${key}: ${message}`);
    this.name = 'ConfigError';
  }
}
