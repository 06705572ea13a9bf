/**
 * JSON document builtins (OPA topdown/json.go, jsonschema.go): json.filter / json.remove by
 * paths, json.patch (RFC 6902), and JSON Schema verification/matching.
 */
import type { BuiltinDef } from '../registry.js';
import { BuiltinError } from '../../errors.js';
import { fromJs, isObject, parseJson, type Value } from '../../value/index.js';
import { argArray, argObject } from '../shared/args.js';
import { filterByTree, pathsOperand, pathsToTree, removeByTree } from './json-paths.js';
import { applyJsonPatch } from './json-patch.js';
import { SchemaError, compileSchema, validateDocument } from './json-schema.js';

/** Why an operand is no JSON document: OPA's loader error text. */
class LoadFailure {
  constructor(readonly reason: string) {}
}

/** A schema or document given as an object or as JSON text (OPA astValueToJSONSchemaLoader). */
function loadJsonOperand(v: Value): Value | LoadFailure {
  if (typeof v !== 'string') return isObject(v) ? v : new LoadFailure('wrong type, expected string or object');
  try {
    return parseJson(v);
  } catch {
    return new LoadFailure('invalid JSON string');
  }
}

function jsonOperand(name: string, v: Value, pos: number): Value {
  const x = loadJsonOperand(v);
  // OPA returns the loader's error as it is ("invalid JSON string"), naming no operand.
  void pos;
  if (x instanceof LoadFailure) throw new BuiltinError(name, x.reason);
  return x;
}

export const jsonBuiltins: BuiltinDef[] = [
  {
    name: 'json.filter',
    arity: 2,
    impl: (args) => {
      const o = argObject('json.filter', args, 0);
      const tree = pathsToTree(pathsOperand('json.filter', args[1] as Value));
      return filterByTree('json.filter', o, tree);
    },
  },
  {
    name: 'json.remove',
    arity: 2,
    impl: (args) => {
      const o = argObject('json.remove', args, 0);
      const tree = pathsToTree(pathsOperand('json.remove', args[1] as Value));
      return removeByTree(o, tree);
    },
  },
  {
    name: 'json.patch',
    arity: 2,
    impl: (args) => applyJsonPatch(args[0] as Value, argArray('json.patch', args, 1)),
  },
  {
    // [true, null] or [false, "jsonschema: <why>"]; never an error for a bad schema.
    name: 'json.verify_schema',
    arity: 1,
    impl: (args) => {
      // OPA answers [false, "jsonschema: <reason>"] for an operand it cannot load, too
      const schema = loadJsonOperand(args[0] as Value);
      if (schema instanceof LoadFailure) return [false, `jsonschema: ${schema.reason}`];
      try {
        compileSchema(schema);
        return [true, null];
      } catch (e) {
        if (e instanceof SchemaError) return [false, `jsonschema: ${e.message}`];
        throw e;
      }
    },
  },
  {
    name: 'json.match_schema',
    arity: 2,
    impl: (args) => {
      // OPA 1.x (astValueToJSONSchemaLoader) also takes an array document as it is
      const doc = Array.isArray(args[0]) ? (args[0] as Value) : jsonOperand('json.match_schema', args[0] as Value, 1);
      const schema = jsonOperand('json.match_schema', args[1] as Value, 2);
      let validate;
      try {
        validate = compileSchema(schema);
      } catch (e) {
        if (e instanceof SchemaError) throw new BuiltinError('json.match_schema', e.message);
        throw e;
      }
      const r = validateDocument(validate, doc);
      return [r.ok, fromJs(r.errors)];
    },
  },
];
