/**
 * Schema fragments for TLS (DESIGN.md "TLS"): the listener's `listen.tls` and the client side's
 * `tls` block shared by upstreams and token servers. Defaults live here, next to their keys;
 * what a schema cannot say (files readable, key matches certificate, what uWS can enforce) is
 * checked by config/tls-check.ts with a located message.
 */

const file = { type: 'string', minLength: 1 } as const;
const tlsVersion = { type: 'string', enum: ['TLSv1.2', 'TLSv1.3'], default: 'TLSv1.2' } as const;

/** `listen.tls`: serve HTTPS on the data listener (uWS SSLApp). */
export const listenTlsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['cert_file', 'key_file'],
  properties: {
    /** PEM certificate chain: the server certificate first, then its intermediates */
    cert_file: file,
    key_file: file,
    /** passphrase of an encrypted key_file (applies to the sni keys too) */
    passphrase: { type: 'string' },
    /** CA certificates that client certificates must chain to (client_auth: optional) */
    ca_file: file,
    client_auth: { type: 'string', enum: ['none', 'optional', 'required'], default: 'none' },
    min_version: tlsVersion,
    /** OpenSSL cipher list for TLS 1.2 (TLS 1.3 suites are not configurable in uWS's BoringSSL) */
    ciphers: { type: 'string', minLength: 1 },
    /** further certificates chosen by the client's SNI name; unknown names get cert_file */
    sni: {
      type: 'object',
      default: {},
      propertyNames: { pattern: '^(\\*\\.)?[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*$' },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['cert_file', 'key_file'],
        properties: { cert_file: file, key_file: file },
      },
    },
    /** a cleartext listener beside the TLS one: redirect to https (308) or serve */
    plain: {
      type: 'object',
      additionalProperties: false,
      required: ['port'],
      properties: {
        port: { type: 'integer', minimum: 0, maximum: 65535 },
        mode: { type: 'string', enum: ['redirect', 'serve'], default: 'redirect' },
        /** the https port in the Location (default listen.port; 443 is left out) */
        redirect_port: { type: 'integer', minimum: 1, maximum: 65535 },
      },
    },
    /** Strict-Transport-Security on every response of the TLS listener (RFC 6797) */
    hsts: {
      type: 'object',
      additionalProperties: false,
      properties: {
        max_age_s: { type: 'integer', minimum: 0, default: 31536000 },
        include_subdomains: { type: 'boolean', default: false },
        preload: { type: 'boolean', default: false },
      },
    },
  },
} as const;

/** `upstreams.<name>.tls`, `tokens.jwt.tls`, `tokens.introspection.tls`: how regate connects out. */
export const clientTlsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    /** CA certificates the server must chain to (default: Node's bundled public CAs) */
    ca_file: file,
    /** name sent as SNI and checked against the server certificate (default: the URL's host) */
    server_name: { type: 'string', minLength: 1 },
    /** client certificate and key for mutual TLS */
    cert_file: file,
    key_file: file,
    passphrase: { type: 'string' },
    min_version: tlsVersion,
    /** false turns off certificate verification (tests only; an upstream with it logs a warning at start) */
    verify: { type: 'boolean', default: true },
  },
  dependencies: { cert_file: ['key_file'], key_file: ['cert_file'] },
} as const;
