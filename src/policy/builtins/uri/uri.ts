/**
 * uri.parse and uri.is_valid (OPA topdown/uri.go): a URI split by Go's url.Parse into an
 * object with only the parts it has — `scheme`, `hostname` (IPv6 without brackets), `port`,
 * `path` (percent-decoded) with `raw_path` beside it (as written when that differs from the
 * decoded path's own escaping, else the path), `raw_query` (for urlquery.decode_object) and
 * `fragment`. What url.Parse refuses is a builtin error with Go's message; uri.is_valid says
 * false for it, for an empty string and for an operand that is not a string.
 *
 * @example uri.parse("https://[::1]:8443/a%20b?x=1#top") // {"scheme": "https", "hostname": "::1", "port": "8443", "path": "/a b", "raw_path": "/a b", "raw_query": "x=1", "fragment": "top"}
 */
import type { BuiltinDef } from '../registry.js';
import { BuiltinError } from '../../errors.js';
import { argString } from '../shared/args.js';
import { GoUrlError, parseGoUrl, splitGoHostPort, type GoUrl } from '../shared/go-url.js';
import type { Value } from '../../value/index.js';

function parseOrRaise(s: string): GoUrl {
  try {
    return parseGoUrl(s);
  } catch (e) {
    if (e instanceof GoUrlError) throw new BuiltinError('uri.parse', e.message);
    throw e;
  }
}

function uriParse(args: readonly Value[]): Value {
  const u = parseOrRaise(argString('uri.parse', args, 0));
  const out: Record<string, string> = {};
  if (u.scheme !== '') out.scheme = u.scheme;
  const { hostname, port } = splitGoHostPort(u.host);
  if (hostname !== '') out.hostname = hostname;
  if (port !== '') out.port = port;
  if (u.path !== '') {
    out.path = u.path;
    // always there with a path, so a policy can normalise from it
    out.raw_path = u.rawPath !== '' ? u.rawPath : u.path;
  }
  if (u.rawQuery !== '') out.raw_query = u.rawQuery;
  if (u.fragment !== '') out.fragment = u.fragment;
  return out;
}

function uriIsValid(args: readonly Value[]): Value {
  const s = args[0];
  if (typeof s !== 'string' || s === '') return false;
  try {
    parseGoUrl(s);
    return true;
  } catch (e) {
    if (e instanceof GoUrlError) return false;
    throw e;
  }
}

export const uriBuiltins: BuiltinDef[] = [
  { name: 'uri.parse', arity: 1, impl: uriParse },
  { name: 'uri.is_valid', arity: 1, impl: uriIsValid },
];
