/**
 * yaml.unmarshal's failures worded as OPA's (sigs.k8s.io/yaml over go-yaml v2, a libyaml port):
 * `yaml: line N: <problem>`. The `yaml` package finds the same faults but names them its own
 * way; this maps its error codes to libyaml's problems and reproduces libyaml's line numbers.
 *
 * go-yaml's `parser.fail` reports the problem mark's 0-based line, plus one for scanner errors
 * only; a parser error at the end of the stream sits on the line after the last one (libyaml
 * forces a final line break), which makes `[1,2,3` "line 1" as well.
 */

/** What the `yaml` package reports: its error code, message and offsets. */
export interface YamlLibError {
  code: string;
  message: string;
  pos: [number, number];
}

/** 0-based line of `offset` in `src`. */
function lineAt(src: string, offset: number): number {
  let n = 0;
  for (let i = 0; i < offset && i < src.length; i++) if (src.charCodeAt(i) === 10) n++;
  return n;
}

/** libyaml's line for a parser error at the end of the stream (after a forced line break). */
function streamEndLine(src: string): number {
  const breaks = lineAt(src, src.length);
  return src === '' || src.endsWith('\n') ? breaks : breaks + 1;
}

function where(line: number): string {
  return line > 0 ? `line ${line}: ` : '';
}

/**
 * The go-yaml message for a syntax error the `yaml` package found in `src`.
 *
 * @example goYamlSyntaxError('[1,2,3', { code: 'MISSING_CHAR', message: 'Flow sequence must end with a ]…', pos: [6, 7] })
 * // "yaml: line 1: did not find expected ',' or ']'"
 */
export function goYamlSyntaxError(src: string, e: YamlLibError): string {
  const at = e.pos[0];
  switch (e.code) {
    case 'MISSING_CHAR':
      if (e.message.startsWith('Flow sequence')) return `yaml: ${where(streamEndLine(src))}did not find expected ',' or ']'`;
      if (e.message.startsWith('Flow map')) return `yaml: ${where(streamEndLine(src))}did not find expected ',' or '}'`;
      // An unterminated quoted scalar: the scanner runs into the end of the input.
      if (e.message.startsWith('Missing closing')) return `yaml: ${where(lineAt(src, src.length) + 1)}found unexpected end of stream`;
      break;
    case 'BLOCK_AS_IMPLICIT_KEY':
      if (e.message.startsWith('Nested mappings')) {
        // libyaml stops at the second `:` (a value indicator where a simple key cannot start).
        const m = /:(?=[ \t\r\n]|$)/.exec(src.slice(at));
        return `yaml: ${where(lineAt(src, m === null ? at : at + m.index) + 1)}mapping values are not allowed in this context`;
      }
      break;
    case 'TAB_AS_INDENT':
    case 'BAD_SCALAR_START':
      return `yaml: ${where(lineAt(src, at) + 1)}found character that cannot start any token`;
    case 'MULTILINE_IMPLICIT_KEY':
      // A plain scalar continued onto a line that then has a `:`: libyaml's simple key expired.
      if (e.message.startsWith('Implicit keys need to be on a single line')) return `yaml: ${where(lineAt(src, e.pos[1]) + 1)}could not find expected ':'`;
      break;
  }
  return `yaml: ${where(lineAt(src, at) + 1)}${e.message.split(' at line ')[0] ?? e.message}`;
}

/** go-yaml's composer message for an alias to an anchor that was never defined. */
export function goYamlUnknownAnchor(message: string): string | undefined {
  const m = /^Unresolved alias \(the anchor must be set before the alias\): (.*)$/.exec(message);
  return m === null ? undefined : `yaml: unknown anchor '${m[1]}' referenced`;
}
