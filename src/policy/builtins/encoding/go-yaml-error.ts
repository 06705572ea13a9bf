/**
 * yaml.unmarshal's failures worded as OPA's (sigs.k8s.io/yaml over go-yaml v2, a libyaml port):
 * `yaml: line N: <problem>`. The `yaml` package finds the same faults but names them its own
 * way; this maps its error codes to libyaml's problems and reproduces libyaml's line numbers.
 *
 * go-yaml's `parser.fail` reports the problem mark's 0-based line, plus one for scanner errors
 * only; a parser error at the end of the stream sits on the line after the last one (libyaml
 * forces a final line break), which makes `[1,2,3` "line 1" as well.
 */

import { isAlias, isCollection, isScalar, visit, type Document } from 'yaml';

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
 * What is still open at the end of `src`: a quoted scalar, or the innermost flow collection.
 * The yaml package reports all three as MISSING_CHAR; libyaml words them differently.
 */
function unclosedAtEnd(src: string): 'quote' | '[' | '{' | undefined {
  const flows: ('[' | '{')[] = [];
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < src.length; i++) {
    const c = src[i] as string;
    if (quote === '"') {
      if (c === '\\') i++;
      else if (c === '"') quote = undefined;
    } else if (quote === "'") {
      if (c === "'" && src[i + 1] === "'") i++;
      else if (c === "'") quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(src[i - 1] as string))) {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '[' || c === '{') flows.push(c);
    else if ((c === ']' || c === '}') && flows.length > 0) flows.pop();
  }
  return quote !== undefined ? 'quote' : flows[flows.length - 1];
}

/**
 * The go-yaml message for a syntax error the `yaml` package found in `src` (chosen by its error
 * code and the source around the error, never by its message text).
 *
 * @example goYamlSyntaxError('[1,2,3', { code: 'MISSING_CHAR', message: '…', pos: [6, 7] })
 * // "yaml: line 1: did not find expected ',' or ']'"
 */
export function goYamlSyntaxError(src: string, e: YamlLibError): string {
  const at = e.pos[0];
  const atEnd = at >= src.trimEnd().length;
  switch (e.code) {
    case 'MISSING_CHAR':
    case 'BAD_INDENT': {
      // (A flow collection under a block one that never closes is BAD_INDENT to the yaml package.)
      const open = atEnd ? unclosedAtEnd(src) : undefined;
      if (open === '[') return `yaml: ${where(streamEndLine(src))}did not find expected ',' or ']'`;
      if (open === '{') return `yaml: ${where(streamEndLine(src))}did not find expected ',' or '}'`;
      // An unterminated quoted scalar: the scanner runs into the end of the input.
      if (open === 'quote') return `yaml: ${where(lineAt(src, src.length) + 1)}found unexpected end of stream`;
      // A block mapping item out of column: libyaml's parser wanted the next key (0-based line).
      if (e.code === 'BAD_INDENT') return `yaml: ${where(lineAt(src, at))}did not find expected key`;
      break;
    }
    case 'BLOCK_AS_IMPLICIT_KEY':
      if (src[at] !== '-') {
        // `a: b: c`: libyaml stops at the second `:` (a value indicator where no simple key may start).
        const m = /:(?=[ \t\r\n]|$)/.exec(src.slice(at));
        return `yaml: ${where(lineAt(src, m === null ? at : at + m.index) + 1)}mapping values are not allowed in this context`;
      }
      break;
    case 'TAB_AS_INDENT':
    case 'BAD_SCALAR_START':
      return `yaml: ${where(lineAt(src, at) + 1)}found character that cannot start any token`;
    case 'MULTILINE_IMPLICIT_KEY':
      // `- b` under a block mapping: the parser wanted a key (a parser error: 0-based line).
      if (src[at] === '-') return `yaml: ${where(lineAt(src, at))}did not find expected key`;
      // A plain scalar continued onto a line that then has a `:`: libyaml's simple key expired.
      return `yaml: ${where(lineAt(src, e.pos[1]) + 1)}could not find expected ':'`;
  }
  return `yaml: ${where(lineAt(src, at) + 1)}${e.message.split(' at line ')[0] ?? e.message}`;
}

/**
 * The first alias in `doc` whose anchor is not defined before it (document order), as go-yaml's
 * composer reports it: `yaml: unknown anchor 'x' referenced`; undefined when every alias resolves.
 */
export function goYamlUnknownAnchor(doc: Document): string | undefined {
  const anchors = new Set<string>();
  let missing: string | undefined;
  visit(doc, (_key, node) => {
    if (isAlias(node)) {
      if (!anchors.has(node.source)) {
        missing = node.source;
        return visit.BREAK;
      }
    } else if ((isScalar(node) || isCollection(node)) && node.anchor !== undefined) anchors.add(node.anchor);
    return undefined;
  });
  return missing === undefined ? undefined : `yaml: unknown anchor '${missing}' referenced`;
}

/**
 * go-yaml v2's reader (readerc.go yaml_parser_update_buffer) refuses input that is not UTF-8
 * before any parsing, with the first problem it meets; undefined when the bytes are UTF-8.
 *
 * @example goYamlUtf8Error(Uint8Array.of(0x61, 0xff)) // 'yaml: invalid leading UTF-8 octet'
 */
export function goYamlUtf8Error(b: Uint8Array): string | undefined {
  for (let i = 0; i < b.length; ) {
    const c = b[i] as number;
    const width = (c & 0x80) === 0 ? 1 : (c & 0xe0) === 0xc0 ? 2 : (c & 0xf0) === 0xe0 ? 3 : (c & 0xf8) === 0xf0 ? 4 : 0;
    if (width === 0) return 'yaml: invalid leading UTF-8 octet';
    if (i + width > b.length) return 'yaml: incomplete UTF-8 octet sequence';
    let value = width === 1 ? c : width === 2 ? c & 0x1f : width === 3 ? c & 0x0f : c & 0x07;
    for (let k = 1; k < width; k++) {
      const t = b[i + k] as number;
      if ((t & 0xc0) !== 0x80) return 'yaml: invalid trailing UTF-8 octet';
      value = (value << 6) | (t & 0x3f);
    }
    const minimal = width === 1 || (width === 2 && value >= 0x80) || (width === 3 && value >= 0x800) || (width === 4 && value >= 0x10000);
    if (!minimal) return 'yaml: invalid length of a UTF-8 sequence';
    if ((value >= 0xd800 && value <= 0xdfff) || value > 0x10ffff) return 'yaml: invalid Unicode character';
    i += width;
  }
  return undefined;
}
