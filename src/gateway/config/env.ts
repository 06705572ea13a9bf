/**
 * `${NAME}` / `${NAME:-default}` substitution in string values of regate.yaml, so secrets come
 * from the environment rather than the file. Done on parsed scalar values (never on the raw
 * text), so a secret containing YAML syntax cannot change the document's structure, and the
 * document keeps its line information for error messages. `$${` escapes a literal `${`.
 */
const PATTERN = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export class MissingEnvError extends Error {
  constructor(readonly variable: string) {
    super(`environment variable ${variable} is not set and has no default (use \${${variable}:-default})`);
  }
}

/**
 * Substitutes environment references in one string.
 * @example substituteEnv('redis://${HOST:-127.0.0.1}:6379', {}) === 'redis://127.0.0.1:6379'
 */
export function substituteEnv(value: string, env: Record<string, string | undefined>): string {
  if (!value.includes('${')) return value;
  return value.replace(PATTERN, (whole, name: string | undefined, fallback: string | undefined) => {
    if (whole === '$${') return '${';
    const v = env[name as string];
    // `:-` semantics as in POSIX sh: unset *or empty* takes the default.
    if (v !== undefined && v !== '') return v;
    if (fallback !== undefined) return fallback;
    throw new MissingEnvError(name as string);
  });
}
