/**
 * METADATA blocks: a comment starting with `METADATA`, then the comment lines right below it
 * that start in column 1, read as YAML. As OPA's parser does (ast/parser.go parseAnnotations,
 * metadataParser.Parse; ast/parser_ext.go attachAnnotationsNodes), a block that is empty, is not
 * YAML, has a field of the wrong type, names an unknown scope, or sits above a statement its
 * scope cannot take is a parse error, with OPA's message.
 *
 * Example: `# METADATA\n# title: t\np := 1` → [{ yaml: 'title: t', span }] for rule p.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import type { Annotation } from './ast.js';
import type { Parser } from './parser.js';
import type { Token } from './tokens.js';

const SCOPES = ['rule', 'document', 'package', 'subpackages'];

/** What follows the block: OPA's TypeName of the statement it attaches to. */
export type AnnotationTarget = 'rule' | 'package' | 'import' | 'none';

/** The METADATA blocks among the comments before `tok`, checked against `target` when `p` is given. */
export function parseAnnotations(tok: Token, p?: Parser, target: AnnotationTarget = 'rule'): Annotation[] {
  const out: Annotation[] = [];
  const cs = tok.comments ?? [];
  for (let i = 0; i < cs.length; i++) {
    if (!cs[i]!.text.trim().startsWith('METADATA')) continue;
    const lines: string[] = [];
    let j = i + 1;
    while (j < cs.length && cs[j]!.span.line === cs[j - 1]!.span.line + 1 && cs[j]!.span.col === 1) {
      lines.push(cs[j]!.text.startsWith(' ') ? cs[j]!.text.slice(1) : cs[j]!.text);
      j++;
    }
    const yaml = lines.join('\n');
    const span = cs[i]!.span;
    let scope = /^scope:\s*(\S+)/m.exec(yaml)?.[1];
    if (p !== undefined) {
      // OPA's metadataParser places an error that names a YAML line on the comment holding that
      // line (the block's lines start after `# METADATA`; past the end, the last one)
      const fail = (message: string, yamlLine?: number): never => {
        const at = yamlLine === undefined ? span : cs[Math.min(i + yamlLine, j - 1)]!.span;
        throw p.error('REGO_ERR_PARSE_ANNOTATION', message, at);
      };
      if (yaml.trim() === '') fail('expected METADATA block, found whitespace');
      // go-yaml's reader refuses what is not printable (yaml_parser_update_buffer), before parsing
      if (NOT_PRINTABLE.test(yaml)) fail('yaml: control characters are not allowed');
      const lc = new LineCounter();
      const doc = parseDocument(yaml, { prettyErrors: false, lineCounter: lc });
      const yamlError = doc.errors[0];
      const block = cs.slice(i, j);
      if (yamlError !== undefined) {
        const line = lc.linePos(yamlError.pos[0]).line;
        const goYaml = goYamlMessage(yamlError.code, yamlError.message, line, lines.length);
        fail(augmentYamlError(`yaml: ${goYaml?.[0] ?? yamlError.message.split('\n')[0]}`, block), goYaml?.[1] ?? line);
      }
      const typeError = checkFieldTypes(doc.contents, lc);
      if (typeError !== undefined) fail(augmentYamlError(`yaml: unmarshal errors:\n  ${typeError}`, block), Number(/^line (\d+):/.exec(typeError)?.[1] ?? 0) || undefined);
      const v = doc.toJS() as Record<string, unknown> | null;
      const semantic = v === null ? undefined : checkFieldValues(v);
      if (semantic !== undefined) fail(semantic);
      // an entrypoint without a scope documents the whole rule set (attachAnnotationsNodes)
      if (scope === undefined && target === 'rule' && v?.entrypoint === true) scope = 'document';
      const effective = scope ?? (target === 'none' ? '' : target);
      if (!SCOPES.includes(effective)) {
        fail(`invalid annotation scope '${effective}'. Use one of 'rule', 'document', 'package', or 'subpackages'`);
      }
      const wants = effective === 'rule' || effective === 'document' ? 'rule' : 'package';
      if (wants !== target) fail(`annotation scope '${effective}' must be applied to ${wants}${target === 'none' ? '' : ` (have ${target})`}`);
      if (v?.entrypoint === true && effective !== 'document' && effective !== 'package') {
        fail(`annotation entrypoint applied to non-document or package scope '${effective}'`);
      }
    }
    out.push(scope === undefined ? { yaml, span } : { yaml, scope, span });
    i = j - 1;
  }
  return out;
}

/** Characters go-yaml's reader does not take (its is_printable): C0/C1 controls but tab, LF, CR and NEL. */
// eslint-disable-next-line no-control-regex
const NOT_PRINTABLE = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uFFFE\uFFFF]/;

/**
 * go-yaml's wording (and line) of the malformed blocks one meets most, where the yaml package
 * words them otherwise: a key line without `:` (also one a `:` without a space after it runs
 * into the next line) is its scanner's simple key without `:`, numbered by the block's last line;
 * a reserved character starting a value cannot start a token; a `- item` indented under the mapping the item above opened is its parser's "did
 * not find expected key", numbered by that mapping's line counted from 0. Others keep the yaml
 * package's words.
 */
function goYamlMessage(code: string, message: string, line: number, lines: number): [string, number] | undefined {
  // go-yaml v3 finds a key without its `:` once the block has ended: at its last line
  if ((code === 'MISSING_CHAR' && message.startsWith('Implicit map keys')) || code === 'MULTILINE_IMPLICIT_KEY') return [`line ${lines}: could not find expected ':'`, lines];
  if (code === 'BAD_SCALAR_START' && line > 0) return [`line ${line}: found character that cannot start any token`, line];
  if (code === 'BLOCK_AS_IMPLICIT_KEY' && line > 2) return [`line ${line - 2}: did not find expected key`, line - 2];
  return undefined;
}

/**
 * OPA's augmentYamlError: a YAML error gets a hint for each comment of the block where a `:` is
 * followed by something other than a space or tab (`description:p`, a no-break space), which
 * YAML does not read as a key/value separator.
 */
function augmentYamlError(message: string, block: readonly { text: string; span: { line: number } }[]): string {
  let out = message;
  for (const c of block) {
    const parts = c.text.split(':').slice(1);
    if (parts.length === 0) continue;
    const invalid: string[] = [];
    for (let k = 0; k < parts.length; k++) {
      const part = parts[k]!;
      if (part === '' && k === parts.length - 1) break;
      const r = part.codePointAt(0);
      if (r === undefined || r === 0x20 || r === 0x09) break;
      invalid.push(goQuoteRune(r));
    }
    if (invalid.length > 0) {
      out += `\n  Hint: on line ${c.span.line}, symbol(s) [${invalid.join(' ')}] immediately following a key/value separator ':' is not a legal yaml space character`;
    }
  }
  return out;
}

/** A rune as Go's `%+q` prints it: ASCII as is, anything else escaped (`'\u00a0'`). */
function goQuoteRune(r: number): string {
  if (r >= 0x20 && r < 0x7f) return r === 0x27 || r === 0x5c ? `'\\${String.fromCodePoint(r)}'` : `'${String.fromCodePoint(r)}'`;
  if (r < 0x80) return `'\\x${r.toString(16).padStart(2, '0')}'`;
  return r <= 0xffff ? `'\\u${r.toString(16).padStart(4, '0')}'` : `'\\U${r.toString(16).padStart(8, '0')}'`;
}

/** Go's yaml.v3 names of a node's tag (`!!seq`, `!!str`, …). */
function tagOf(n: YamlNode): string {
  if (isSeq(n)) return '!!seq';
  if (isMap(n)) return '!!map';
  if (!isScalar(n)) return '!!str';
  const v = n.value;
  if (v === null) return '!!null';
  if (typeof v === 'boolean') return '!!bool';
  if (typeof v === 'number') return Number.isInteger(v) ? '!!int' : '!!float';
  return '!!str';
}

/** The fields of OPA's rawAnnotation and the Go type yaml.v3 decodes each into. */
const FIELD_TYPES: Record<string, 'string' | 'bool' | '[]string' | '[]interface {}' | 'map[string]interface {}' | '[]map[string]interface {}'> = {
  scope: 'string',
  title: 'string',
  description: 'string',
  entrypoint: 'bool',
  organizations: '[]string',
  related_resources: '[]interface {}',
  authors: '[]interface {}',
  schemas: '[]map[string]interface {}',
  custom: 'map[string]interface {}',
  compile: 'map[string]interface {}',
};

/**
 * yaml.v3 decoding into rawAnnotation: a value of the wrong kind is an "unmarshal error" naming
 * its line (`line 2: cannot unmarshal !!seq into string`); null leaves the field empty.
 */
function checkFieldTypes(root: YamlNode | null, lc: LineCounter): string | undefined {
  if (root === null) return undefined;
  const line = (n: YamlNode): number => lc.linePos(n.range?.[0] ?? 0).line;
  const bad = (n: YamlNode, into: string): string => {
    const tag = tagOf(n);
    const shown = isScalar(n) ? ` \`${String(n.source ?? n.value)}\`` : '';
    return `line ${line(n)}: cannot unmarshal ${tag}${shown} into ${into}`;
  };
  if (!isMap(root)) return bad(root, 'ast.rawAnnotation');
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
    const want = key === undefined ? undefined : FIELD_TYPES[key];
    const value = pair.value as YamlNode | null;
    if (want === undefined || value === null || (isScalar(value) && value.value === null)) continue;
    const tag = tagOf(value);
    switch (want) {
      case 'string':
        if (tag === '!!seq' || tag === '!!map') return bad(value, 'string');
        break;
      case 'bool':
        if (tag !== '!!bool') return bad(value, 'bool');
        break;
      case '[]string':
        if (!isSeq(value)) return bad(value, want);
        for (const item of value.items as YamlNode[]) if (isSeq(item) || isMap(item)) return bad(item, 'string');
        break;
      case '[]interface {}':
        if (!isSeq(value)) return bad(value, want);
        break;
      case 'map[string]interface {}':
        if (!isMap(value)) return bad(value, want);
        break;
      case '[]map[string]interface {}':
        if (!isSeq(value)) return bad(value, want);
        for (const item of value.items as YamlNode[]) if (!isMap(item)) return bad(item, 'map[string]interface {}');
        break;
    }
  }
  return undefined;
}

const IDENT_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*|\[[^\]]+\])*$/;

/**
 * The refusals of Go's url.Parse that a related resource meets (OPA parses the ref with it):
 * a control character anywhere, a port that is not digits. Worded as Go's url.Error.
 */
function goUrlError(ref: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1F\x7F]/.test(ref)) return `parse ${JSON.stringify(ref)}: net/url: invalid control character in URL`;
  const authority = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(ref)?.[1];
  if (authority === undefined) return undefined;
  const host = authority.slice(authority.lastIndexOf('@') + 1);
  const colon = host.lastIndexOf(':');
  if (colon < 0 || (host.startsWith('[') && colon < host.lastIndexOf(']'))) return undefined;
  const port = host.slice(colon);
  if (!/^:\d*$/.test(port)) return `parse ${JSON.stringify(ref)}: invalid port ${JSON.stringify(port)} after host`;
  return undefined;
}

/** metadataParser.Parse's checks of related_resources, authors and schemas, with its messages. */
function checkFieldValues(v: Record<string, unknown>): string | undefined {
  const str = (x: unknown): string => (typeof x === 'string' ? x : JSON.stringify(x));
  for (const rr of (v.related_resources as unknown[] | undefined) ?? []) {
    let reason: string | undefined;
    if (typeof rr === 'string') reason = rr.length === 0 ? 'ref URL may not be empty string' : goUrlError(rr);
    else if (rr !== null && typeof rr === 'object' && !Array.isArray(rr)) {
      const ref = (rr as Record<string, unknown>).ref;
      reason = typeof ref === 'string' && ref.trim().length > 0 ? goUrlError(ref) : "'ref' value required in object";
    } else reason = 'invalid value type, must be string or map';
    if (reason !== undefined) return `invalid related-resource definition ${str(rr)}: ${reason}`;
  }
  for (const a of (v.authors as unknown[] | undefined) ?? []) {
    let reason: string | undefined;
    if (typeof a === 'string') reason = a.trim().length === 0 ? 'author is an empty string' : undefined;
    else if (a !== null && typeof a === 'object' && !Array.isArray(a)) {
      const o = a as Record<string, unknown>;
      const has = (k: string): boolean => typeof o[k] === 'string' && (o[k] as string).trim().length > 0;
      reason = has('name') || has('email') ? undefined : "'name' and/or 'email' values required in object";
    } else reason = 'invalid value type, must be string or map';
    if (reason !== undefined) return `invalid author definition ${str(a)}: ${reason}`;
  }
  for (const entry of (v.schemas as Record<string, unknown>[] | undefined) ?? []) {
    const [path, schema] = Object.entries(entry)[0] ?? ['', undefined];
    // the key is a ref (ParseRef: a bare name is no ref), the value a schema ref or a definition
    if (!IDENT_PATH.test(path) || !(/[.[]/.test(path) || path === 'input' || path === 'data')) return 'invalid document reference';
    if (typeof schema === 'string') {
      if (!/^schema(\.|\[|$)/.test(schema) || !IDENT_PATH.test(schema)) return 'invalid schema reference';
    } else if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) {
      return `invalid schema declaration for path "${path}"`;
    }
  }
  return undefined;
}
