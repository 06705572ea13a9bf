import t from 'tap';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidConfigError, loadConfigFile, loadConfigText } from '../../src/gateway/config/load.js';
import { substituteEnv } from '../../src/gateway/config/env.js';
import { ConfigError } from '../../src/gateway/errors.js';

const base = `listen:
  port: 0
upstreams:
  echo:
    url: http://127.0.0.1:9
routes:
  - id: echo
    match: { path_prefix: /echo }
    upstream: echo
`;

function configError(text: string, env: Record<string, string> = {}): ConfigError {
  try {
    loadConfigText(text, { file: 'bad.yaml', env });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

t.test('defaults are filled from the schema and the result is frozen', async (t) => {
  const c = loadConfigText(base, { env: {} });
  t.equal(c.listen.host, '0.0.0.0');
  t.equal(c.listen.workers, 1);
  t.equal(c.admin.port, 9901);
  t.equal(c.admin.host, '127.0.0.1');
  t.equal(c.upstreams.echo?.timeout_ms, 30000);
  t.equal(c.upstreams.echo?.pool.connections, 128);
  t.equal(c.upstreams.echo?.breaker.reset_timeout_ms, 10000);
  t.equal(c.routes[0]?.auth, 'none');
  t.equal(c.limits.max_header_bytes, 16384);
  t.ok(Object.isFrozen(c) && Object.isFrozen(c.upstreams.echo) && Object.isFrozen(c.routes[0]?.match));
  t.throws(() => {
    (c.listen as { port: number }).port = 1;
  });
});

t.test('${ENV} and ${ENV:-default} are substituted in values', async (t) => {
  t.equal(substituteEnv('a${X}b', { X: '1' }), 'a1b');
  t.equal(substituteEnv('${X:-d}', {}), 'd');
  t.equal(substituteEnv('${X:-d}', { X: '' }), 'd');
  t.equal(substituteEnv('$${X}', { X: '1' }), '${X}');
  const c = loadConfigText(base.replace('http://127.0.0.1:9', 'http://127.0.0.1:${UP_PORT:-7}'), { env: {} });
  t.equal(c.upstreams.echo?.url, 'http://127.0.0.1:7');
  // a secret containing YAML syntax stays one string value
  const c2 = loadConfigText(base + 'credentials:\n  c: { type: basic, username: u, password: "${PW}" }\n', { env: { PW: 'x: [y]\n- z' } });
  t.equal(c2.credentials.c?.password, 'x: [y]\n- z');
  const e = configError(base.replace('http://127.0.0.1:9', '${MISSING_UPSTREAM}'));
  t.equal(e.key, 'upstreams.echo.url');
  t.equal(e.line, 5);
});

t.test('schema errors name the key path and the line', async (t) => {
  let e = configError(base.replace('    upstream: echo', '    upstream: echo\n    retries: 3'));
  t.equal(e.code, 'GW_ERR_CONFIG');
  t.equal(e.key, 'routes[0].retries');
  t.equal(e.line, 10);
  t.match(e.message, /^bad\.yaml:10: routes\[0\]\.retries: /);

  e = configError(base.replace('port: 0', 'port: eighty'));
  t.equal(e.key, 'listen.port');
  t.equal(e.line, 2);

  e = configError(base.replace('{ path_prefix: /echo }', '{ path_prefix: /echo, path: /x }'));
  t.equal(e.key, 'routes[0].match');
  t.equal(e.line, 8);

  e = configError(base.replace('    match: { path_prefix: /echo }\n', ''));
  t.equal(e.key, 'routes[0].match');
  t.equal(e.line, 7);

  e = configError(base.replace('url: http://127.0.0.1:9', 'url: ftp://x'));
  t.equal(e.key, 'upstreams.echo.url');
  t.equal(e.line, 5);

  e = configError(base.replace('listen:\n  port: 0', 'listen:\n  port: 0\n  workers: many'));
  t.equal(e.key, 'listen.workers');
  t.equal(e.line, 3);
});

t.test('cross-checks: upstream names, unique ids, auth needs tokens', async (t) => {
  let e = configError(base.replace('    upstream: echo', '    upstream: nowhere'));
  t.equal(e.key, 'routes[0].upstream');
  t.equal(e.line, 9);
  e = configError(base + '  - id: echo\n    match: { path: /x }\n    upstream: echo\n');
  t.equal(e.key, 'routes[1].id');
  t.equal(e.line, 10);
  e = configError(base.replace('    upstream: echo', '    upstream: echo\n    auth: jwt'));
  t.equal(e.key, 'routes[0].auth');
  t.equal(e.line, 10);
});

t.test('YAML syntax errors carry the line; files that cannot be read are ConfigErrors', async (t) => {
  const e = configError('listen:\n  port: 0\nupstreams: [\n');
  t.equal(e.key, '(yaml)');
  t.ok(e.line !== undefined && e.line >= 3);
  const dir = mkdtempSync(join(tmpdir(), 'regate-cfg-'));
  t.throws(() => loadConfigFile(join(dir, 'missing.yaml')), { code: 'GW_ERR_CONFIG' });
  const f = join(dir, 'ok.yaml');
  writeFileSync(f, base);
  t.equal(loadConfigFile(f).source.file, f);
});

t.test('every mistake of a file is reported at once, in file order, each with key and line', async (t) => {
  const text = `listen:
  port: eighty
  colour: blue
upstreams:
  echo:
    url: \${ECHO_URL}
routes:
  - id: echo
    match: { path_prefix: /echo }
    upstream: nowhere
  - id: two
    match: { path: /a, path_prefix: /b }
    upstream: echo
    auth: jwt
`;
  const e = configError(text);
  t.equal(e.code, 'GW_ERR_CONFIG');
  t.ok(e instanceof InvalidConfigError);
  const problems = (e as InvalidConfigError).problems;
  t.same(
    problems.map((p) => [p.key, p.line]),
    [
      ['listen.port', 2],
      ['listen.colour', 3],
      ['upstreams.echo.url', 6],
      ['routes[0].upstream', 10],
      ['routes[1].match', 12],
      ['routes[1].auth', 14],
    ],
  );
  t.ok(problems.every((p) => p.code === 'GW_ERR_CONFIG' && p.file === 'bad.yaml'));
  // the first problem is the error's own key/line (callers that show one error keep working)
  t.equal(e.key, 'listen.port');
  t.equal(e.line, 2);
  t.equal(e.message.split('\n').length, problems.length, 'one line per problem');
});

t.test('a value whose ${VAR} is missing is reported once, not again by the schema', async (t) => {
  const e = configError(base.replace('port: 0', 'port: ${NO_PORT}'));
  t.same((e as InvalidConfigError).problems.map((p) => p.key), ['listen.port']);
});

t.test('case-insensitive paths: the default comes from security, a route may set its own; mistakes name key and line', async (t) => {
  const two = `${base}  - id: other\n    match: { path: /Other, case_sensitive: false }\n    upstream: echo\n`;
  let c = loadConfigText(two, { env: {} });
  t.equal(c.security.case_sensitive_paths, true, 'case-sensitive by default');
  t.same(c.routes.map((r) => r.match.case_sensitive), [true, false], 'each route carries its own value');
  c = loadConfigText(`${two}security: { case_sensitive_paths: false }\n`, { env: {} });
  t.same(c.routes.map((r) => r.match.case_sensitive), [false, false], 'the default applies where a route says nothing');
  c = loadConfigText(`${two.replace('case_sensitive: false', 'case_sensitive: true')}security: { case_sensitive_paths: false }\n`, { env: {} });
  t.same(c.routes.map((r) => r.match.case_sensitive), [false, true], 'a route\'s own value wins');

  let e = configError(base.replace('{ path_prefix: /echo }', '{ path_prefix: /echo, case_sensitive: maybe }'));
  t.equal(e.key, 'routes[0].match.case_sensitive');
  t.equal(e.line, 8);
  e = configError(`${base}security:\n  case_sensitive_paths: sometimes\n`);
  t.equal(e.key, 'security.case_sensitive_paths');
  t.equal(e.line, 11);
  // only ASCII folds: a Kelvin sign (U+212A) in a case-insensitive route would match only itself
  e = configError(base.replace('{ path_prefix: /echo }', '{ path_prefix: "/\u212Aeys", case_sensitive: false }'));
  t.equal(e.key, 'routes[0].match.path_prefix');
  t.equal(e.line, 8);
  e = configError(`${base.replace('{ path_prefix: /echo }', '{ path: /caf\u00e9 }')}security: { case_sensitive_paths: false }\n`);
  t.equal(e.key, 'routes[0].match.path');
  t.ok(loadConfigText(base.replace('/echo', '/caf\u00e9'), { env: {} }), 'a case-sensitive route is not concerned');
});
