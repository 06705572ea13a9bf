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

/**
 * A schema or document given as an object, an array or JSON text (OPA astValueToJSONSchemaLoader).
 * Its failures are SchemaErrors worded as OPA's ("invalid JSON string", "wrong type, expected
 * string or object"): json.verify_schema reports them in its result, json.match_schema raises them.
 */
function jsonOperand(v: Value): Value {
  if (typeof v !== 'string') {
    if (!isObject(v) && !Array.isArray(v)) throw new SchemaError('wrong type, expected string or object');
    return v;
  }
  try {
    return parseJson(v);
  } catch {
    throw new SchemaError('invalid JSON string');
  }
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
      // OPA answers [false, "jsonschema: <why>"] for anything that is not a valid schema,
      // an operand of the wrong type included: the builtin itself never fails.
      try {
        compileSchema(jsonOperand(args[0] as Value));
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
      try {
        const doc = jsonOperand(args[0] as Value);
        const r = validateDocument(compileSchema(jsonOperand(args[1] as Value)), doc);
        return [r.ok, fromJs(r.errors)];
      } catch (e) {
        if (e instanceof SchemaError) throw new BuiltinError('json.match_schema', e.message);
        throw e;
      }
    },
  },
];
