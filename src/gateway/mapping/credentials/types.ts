/**
 * Backend credentials: what the gateway adds to an upstream request so that an API which never
 * heard of OAuth can trust it. A policy names a credential declared in the config
 * (`upstream.credentials`); it never sees or holds the secret.
 */
export interface OutgoingRequest {
  readonly method: string;
  /** authority of the upstream as the request will carry it (host[:port]) */
  readonly authority: string;
  /** path + query as sent upstream */
  readonly target: string;
  /** the caller's identity, for credentials that speak for the user */
  readonly sub?: string | undefined;
  readonly clientId?: string | undefined;
  readonly scope?: readonly string[] | undefined;
  /** RFC 9530 Content-Digest of the body when the body is known (empty bodies included) */
  readonly contentDigest?: string | undefined;
}

export interface Credential {
  readonly name: string;
  readonly type: string;
  /** Headers to set on the upstream request. Sync when the value is cached or static. */
  headersFor(req: OutgoingRequest): Record<string, string> | Promise<Record<string, string>>;
  /**
   * Set when the headers never depend on the request (what `headersFor` always returns): the
   * map stage then skips describing the request to the credential.
   */
  readonly staticHeaders?: Readonly<Record<string, string>>;
}
