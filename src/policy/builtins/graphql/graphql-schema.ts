/**
 * Schema validation with gqlparser's rules (validator/schema.go as vendored by OPA): extensions
 * of undeclared types create them, object/interface/input types need fields, unions and
 * interfaces must name declared types of the right kind, directives must exist and be
 * applicable. graphql-js's own schema validation differs (it rejects extending an undeclared
 * type, which gqlparser — and so OPA — accepts), hence this file.
 *
 * The validated schema is printed as SDL so graphql-js can run the executable-document rules
 * (`validate`), which gqlparser ported from graphql-js with the same messages.
 *
 * Documents here may come from Rego objects (OPA unmarshals them into gqlparser's structs), so
 * every field is read defensively: absent means Go's zero value.
 *
 * @example
 *   const s = validateGraphqlSchema(parseGraphqlSchema('type Query { a: Int }'));
 *   printSchemaSdl(s); // 'type Query {\n  a: Int\n}\n…'
 */
import type { GqlJson, GqlNode } from './graphql-parser.js';

export class GraphqlSchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GraphqlSchemaError';
  }
}

export interface ValidatedSchema {
  types: Map<string, GqlNode>;
  directives: Map<string, GqlNode>;
  query: string | undefined;
  mutation: string | undefined;
  subscription: string | undefined;
}

export const arr = (x: GqlJson | undefined): GqlNode[] => (Array.isArray(x) ? (x.filter((e) => e !== null && typeof e === 'object' && !Array.isArray(e)) as GqlNode[]) : []);
export const strs = (x: GqlJson | undefined): string[] => (Array.isArray(x) ? (x.filter((e) => typeof e === 'string') as string[]) : []);
export const str = (x: GqlJson | undefined): string => (typeof x === 'string' ? x : '');
export const node = (x: GqlJson | undefined): GqlNode | null => (x !== null && typeof x === 'object' && !Array.isArray(x) ? x : null);

export function typeName(t: GqlNode | null): string {
  // Bounded by the nesting depth of the (finite) type node.
  for (let cur = t; cur; cur = node(cur.Elem)) if (str(cur.NamedType) !== '') return str(cur.NamedType);
  return '';
}

export function typeString(t: GqlNode | null): string {
  if (!t) return '';
  const nn = t.NonNull === true ? '!' : '';
  if (str(t.NamedType) !== '') return str(t.NamedType) + nn;
  return '[' + typeString(node(t.Elem)) + ']' + nn;
}

function typesEqual(a: GqlNode | null, b: GqlNode | null): boolean {
  if (!a || !b) return a === b;
  return str(a.NamedType) === str(b.NamedType) && (a.NonNull === true) === (b.NonNull === true) && typesEqual(node(a.Elem), node(b.Elem));
}

// The prelude gqlparser merges in front of every schema (builtin scalars, introspection types
// and directives). Only names, kinds and directive locations/arguments matter for validation.
const PRELUDE_TYPES: [string, string][] = [
  ['Int', 'SCALAR'],
  ['Float', 'SCALAR'],
  ['String', 'SCALAR'],
  ['Boolean', 'SCALAR'],
  ['ID', 'SCALAR'],
  ['__Schema', 'OBJECT'],
  ['__Type', 'OBJECT'],
  ['__Field', 'OBJECT'],
  ['__InputValue', 'OBJECT'],
  ['__EnumValue', 'OBJECT'],
  ['__Directive', 'OBJECT'],
  ['__TypeKind', 'ENUM'],
  ['__DirectiveLocation', 'ENUM'],
];

function arg(name: string, type: string, nonNull: boolean): GqlNode {
  return { Name: name, Type: { NamedType: type, NonNull: nonNull, Elem: null } };
}
const PRELUDE_DIRECTIVES: GqlNode[] = [
  { Name: 'include', Arguments: [arg('if', 'Boolean', true)], Locations: ['FIELD', 'FRAGMENT_SPREAD', 'INLINE_FRAGMENT'] },
  { Name: 'skip', Arguments: [arg('if', 'Boolean', true)], Locations: ['FIELD', 'FRAGMENT_SPREAD', 'INLINE_FRAGMENT'] },
  {
    Name: 'deprecated',
    Arguments: [arg('reason', 'String', false)],
    Locations: ['FIELD_DEFINITION', 'ARGUMENT_DEFINITION', 'INPUT_FIELD_DEFINITION', 'ENUM_VALUE'],
  },
  { Name: 'specifiedBy', Arguments: [arg('url', 'String', true)], Locations: ['SCALAR'] },
  { Name: 'defer', Arguments: [arg('if', 'Boolean', false), arg('label', 'String', false)], Locations: ['FRAGMENT_SPREAD', 'INLINE_FRAGMENT'] },
];
const BUILTIN_DIRECTIVES = new Set(['include', 'skip', 'deprecated', 'specifiedBy']);

/** Validates a schema document (gqlparser ValidateSchemaDocument); throws GraphqlSchemaError. */
export function validateGraphqlSchema(doc: GqlNode): ValidatedSchema {
  const types = new Map<string, GqlNode>();
  for (const [n, k] of PRELUDE_TYPES) types.set(n, { Kind: k, Name: n, BuiltIn: true, Fields: k === 'SCALAR' || k === 'ENUM' ? null : [] });
  const fail = (m: string): never => {
    throw new GraphqlSchemaError(m);
  };
  // Copy definitions: extensions append to them and the caller's AST must stay untouched.
  const defs: GqlNode[] = [];
  for (const d of arr(doc.Definitions)) {
    const name = str(d.Name);
    if (types.has(name)) fail(`Cannot redeclare type ${name}.`);
    const c = { ...d };
    types.set(name, c);
    defs.push(c);
  }
  for (const ext of arr(doc.Extensions)) {
    const name = str(ext.Name);
    let def = types.get(name);
    if (!def) {
      def = { Kind: str(ext.Kind), Name: name };
      types.set(name, def);
      defs.push(def);
    }
    if (str(def.Kind) !== str(ext.Kind)) fail(`Cannot extend type ${name} because the base type is a ${str(def.Kind)}, not ${str(ext.Kind)}.`);
    for (const k of ['Directives', 'Interfaces', 'Fields', 'Types', 'EnumValues']) {
      const add = Array.isArray(ext[k]) ? (ext[k] as GqlJson[]) : [];
      if (add.length) def[k] = [...(Array.isArray(def[k]) ? (def[k] as GqlJson[]) : []), ...add];
    }
  }
  const possible = new Map<string, string[]>();
  const addPossible = (n: string, t: string) => possible.set(n, [...(possible.get(n) ?? []), t]);
  for (const def of defs) {
    const kind = str(def.Kind);
    if (kind === 'UNION') for (const t of strs(def.Types)) addPossible(str(def.Name), t);
    else if (kind === 'OBJECT' || kind === 'INPUT_OBJECT' || kind === 'INTERFACE') {
      for (const i of strs(def.Interfaces)) addPossible(i, str(def.Name));
      if (kind !== 'INTERFACE') addPossible(str(def.Name), str(def.Name));
    }
  }
  const directives = new Map<string, GqlNode>();
  for (const d of PRELUDE_DIRECTIVES) directives.set(str(d.Name), d);
  for (const d of arr(doc.Directives)) {
    const name = str(d.Name);
    if (directives.has(name) && !BUILTIN_DIRECTIVES.has(name) && name !== 'defer') fail(`Cannot redeclare directive ${name}.`);
    if (!directives.has(name) || !BUILTIN_DIRECTIVES.has(name)) directives.set(name, d);
  }
  const schemaDefs = arr(doc.Schema);
  if (schemaDefs.length > 1) fail('Cannot have multiple schema entry points, consider schema extensions instead.');
  const roots: Record<string, string | undefined> = {};
  for (const sd of [...schemaDefs, ...arr(doc.SchemaExtension)]) {
    for (const op of arr(sd.OperationTypes)) {
      const t = str(op.Type);
      if (!types.has(t)) fail(`Schema root ${str(op.Operation)} refers to a type ${t} that does not exist.`);
      roots[str(op.Operation)] = t;
    }
  }
  const schema: ValidatedSchema = { types, directives, query: roots.query, mutation: roots.mutation, subscription: roots.subscription };

  for (const name of [...types.keys()].sort()) validateDefinition(schema, types.get(name) as GqlNode, possible);
  for (const name of [...directives.keys()].sort()) {
    const d = directives.get(name) as GqlNode;
    validateName(name);
    validateArgs(schema, arr(d.Arguments), d);
  }
  if (schemaDefs.length === 0) {
    schema.query ??= types.has('Query') ? 'Query' : undefined;
    schema.mutation ??= types.has('Mutation') ? 'Mutation' : undefined;
    schema.subscription ??= types.has('Subscription') ? 'Subscription' : undefined;
  }
  return schema;
}

function validateName(name: string): void {
  if (name.startsWith('__')) throw new GraphqlSchemaError(`Name "${name}" must not begin with "__", which is reserved by GraphQL introspection.`);
}

function validateTypeRef(s: ValidatedSchema, t: GqlNode | null): void {
  if (!s.types.has(typeName(t))) throw new GraphqlSchemaError(`Undefined type ${typeName(t)}.`);
}

function validateArgs(s: ValidatedSchema, args: GqlNode[], current: GqlNode | null): void {
  for (const a of args) {
    validateName(str(a.Name));
    const t = node(a.Type);
    validateTypeRef(s, t);
    const kind = str(s.types.get(typeName(t))?.Kind);
    if (kind !== 'SCALAR' && kind !== 'ENUM' && kind !== 'INPUT_OBJECT')
      throw new GraphqlSchemaError(`cannot use ${typeString(t)} as argument ${str(a.Name)} because ${kind} is not a valid input type`);
    validateDirectives(s, arr(a.Directives), 'ARGUMENT_DEFINITION', current);
  }
}

function validateDirectives(s: ValidatedSchema, dirs: GqlNode[], location: string, current: GqlNode | null): void {
  for (const d of dirs) {
    const name = str(d.Name);
    validateName(name);
    if (current && name === str(current.Name)) throw new GraphqlSchemaError(`Directive ${name} cannot refer to itself.`);
    const def = s.directives.get(name);
    if (!def) throw new GraphqlSchemaError(`Undefined directive ${name}.`);
    if (!strs(def.Locations).includes(location)) throw new GraphqlSchemaError(`Directive ${name} is not applicable on ${location}.`);
  }
}

function isCovariant(s: ValidatedSchema, possible: Map<string, string[]>, req: GqlNode | null, act: GqlNode | null): boolean {
  if (!req || !act) return false;
  if (req.NonNull === true && act.NonNull !== true) return false;
  if (str(req.NamedType) !== '') {
    if (str(req.NamedType) === str(act.NamedType)) return true;
    return (possible.get(str(req.NamedType)) ?? []).includes(str(act.NamedType));
  }
  if (node(req.Elem) && !node(act.Elem)) return false;
  return isCovariant(s, possible, node(req.Elem), node(act.Elem));
}

function validateDefinition(s: ValidatedSchema, def: GqlNode, possible: Map<string, string[]>): void {
  if (def.BuiltIn === true) return;
  const kind = str(def.Kind);
  const name = str(def.Name);
  const fields = arr(def.Fields);
  const err = (m: string): never => {
    throw new GraphqlSchemaError(m);
  };
  for (const f of fields) {
    validateName(str(f.Name));
    validateTypeRef(s, node(f.Type));
    validateArgs(s, arr(f.Arguments), null);
    validateDirectives(s, arr(f.Directives), kind === 'INPUT_OBJECT' ? 'INPUT_FIELD_DEFINITION' : 'FIELD_DEFINITION', null);
  }
  for (const t of strs(def.Types)) {
    const td = s.types.get(t);
    if (!td) err(`Undefined type ${JSON.stringify(t)}.`);
    if (str(td?.Kind) !== 'OBJECT') err(`${kind} type ${JSON.stringify(t)} must be OBJECT.`);
  }
  for (const i of strs(def.Interfaces)) {
    const intf = s.types.get(i);
    if (!intf) err(`Undefined type ${JSON.stringify(i)}.`);
    const idef = intf as GqlNode;
    if (str(idef.Kind) !== 'INTERFACE') err(`${JSON.stringify(i)} is a non interface type ${str(idef.Kind)}.`);
    for (const rf of arr(idef.Fields)) {
      const ff = fields.find((f) => str(f.Name) === str(rf.Name));
      if (!ff) return err(`For ${name} to implement ${i} it must have a field called ${str(rf.Name)}.`);
      if (!isCovariant(s, possible, node(rf.Type), node(ff.Type))) err(`For ${name} to implement ${i} the field ${str(rf.Name)} must have type ${typeString(node(rf.Type))}.`);
      for (const ra of arr(rf.Arguments)) {
        const fa = arr(ff.Arguments).find((a) => str(a.Name) === str(ra.Name));
        if (!fa) err(`For ${name} to implement ${i} the field ${str(rf.Name)} must have the same arguments but it is missing ${str(ra.Name)}.`);
        if (!typesEqual(node(ra.Type), node((fa as GqlNode).Type))) err(`For ${name} to implement ${i} the field ${str(rf.Name)} must have the same arguments but ${str(ra.Name)} has the wrong type.`);
      }
      for (const fa of arr(ff.Arguments)) {
        const req = arr(rf.Arguments).some((a) => str(a.Name) === str(fa.Name));
        if (!req && node(fa.Type)?.NonNull === true && node(fa.DefaultValue) === null)
          err(`For ${name} to implement ${i} any additional arguments on ${str(ff.Name)} must be optional or have a default value but ${str(fa.Name)} is required.`);
      }
    }
    for (const tr of strs(idef.Interfaces)) {
      if (!strs(def.Interfaces).includes(tr)) {
        if (tr === name) err(`Type ${name} cannot implement ${i} because it would create a circular reference.`);
        err(`Type ${name} must implement ${tr} because it is implemented by ${i}.`);
      }
    }
  }
  if (kind === 'OBJECT' || kind === 'INTERFACE') {
    if (fields.length === 0) err(`${kind} ${name}: must define one or more fields.`);
    for (const f of fields) {
      const t = s.types.get(typeName(node(f.Type)));
      if (t && !['SCALAR', 'OBJECT', 'INTERFACE', 'UNION', 'ENUM'].includes(str(t.Kind)))
        err(`${kind} ${name}: field must be one of SCALAR, OBJECT, INTERFACE, UNION, ENUM.`);
    }
  } else if (kind === 'ENUM') {
    const vals = arr(def.EnumValues);
    if (vals.length === 0) err(`${kind} ${name}: must define one or more unique enum values.`);
    for (const v of vals) if (['true', 'false', 'null'].includes(str(v.Name))) err(`${kind} ${name}: non-enum value ${str(v.Name)}.`);
  } else if (kind === 'INPUT_OBJECT') {
    if (fields.length === 0) err(`${kind} ${name}: must define one or more input fields.`);
    for (const f of fields) {
      const t = s.types.get(typeName(node(f.Type)));
      if (t && !['SCALAR', 'ENUM', 'INPUT_OBJECT'].includes(str(t.Kind))) err(`${str(t.Kind)} ${str(f.Name)}: field must be one of SCALAR, ENUM, INPUT_OBJECT.`);
    }
  }
  for (let i = 0; i < fields.length; i++)
    for (let j = i + 1; j < fields.length; j++) if (str(fields[i]?.Name) === str(fields[j]?.Name)) err(`Field ${name}.${str(fields[j]?.Name)} can only be defined once.`);
  validateName(name);
  validateDirectives(s, arr(def.Directives), kind, null);
}

// ---------------------------------------------------------------------------------------------
// Printing (gqlparser shape → GraphQL text) so graphql-js can validate executable documents.

export function printValue(v: GqlNode | null): string {
  if (!v) return 'null';
  const raw = str(v.Raw);
  switch (typeof v.Kind === 'number' ? v.Kind : 0) {
    case 0:
      return '$' + raw;
    case 3:
    case 4:
      return JSON.stringify(raw);
    case 8:
      return '[' + arr(v.Children).map((c) => printValue(node(c.Value))).join(', ') + ']';
    case 9:
      return '{' + arr(v.Children).map((c) => `${str(c.Name)}: ${printValue(node(c.Value))}`).join(', ') + '}';
    default:
      return raw;
  }
}

function printArgs(args: GqlNode[]): string {
  return args.length ? '(' + args.map((a) => `${str(a.Name)}: ${printValue(node(a.Value))}`).join(', ') + ')' : '';
}

function printDirectives(ds: GqlNode[]): string {
  return ds.map((d) => ` @${str(d.Name)}${printArgs(arr(d.Arguments))}`).join('');
}

function printSelections(sel: GqlNode[]): string {
  if (sel.length === 0) return '';
  const parts = sel.map((s) => {
    if ('TypeCondition' in s || !('Name' in s)) {
      const tc = str(s.TypeCondition);
      return `... ${tc ? 'on ' + tc : ''}${printDirectives(arr(s.Directives))} ${printSelections(arr(s.SelectionSet)) || '{}'}`;
    }
    if (!('Alias' in s) && !('SelectionSet' in s) && !('Arguments' in s)) return `...${str(s.Name)}${printDirectives(arr(s.Directives))}`;
    const alias = str(s.Alias);
    const name = str(s.Name);
    const head = alias && alias !== name ? `${alias}: ${name}` : name;
    return `${head}${printArgs(arr(s.Arguments))}${printDirectives(arr(s.Directives))} ${printSelections(arr(s.SelectionSet))}`;
  });
  return '{ ' + parts.join(' ') + ' }';
}

function printVarDefs(vs: GqlNode[]): string {
  if (!vs.length) return '';
  return (
    '(' +
    vs
      .map((v) => {
        const dv = node(v.DefaultValue);
        return `$${str(v.Variable)}: ${typeString(node(v.Type))}${dv ? ' = ' + printValue(dv) : ''}${printDirectives(arr(v.Directives))}`;
      })
      .join(', ') +
    ')'
  );
}

/** Prints a query document (gqlparser shape) as GraphQL text. */
export function printQueryDocument(doc: GqlNode): string {
  const out: string[] = [];
  for (const op of arr(doc.Operations)) {
    out.push(`${str(op.Operation) || 'query'} ${str(op.Name)}${printVarDefs(arr(op.VariableDefinitions))}${printDirectives(arr(op.Directives))} ${printSelections(arr(op.SelectionSet)) || '{}'}`);
  }
  for (const f of arr(doc.Fragments)) {
    out.push(`fragment ${str(f.Name)} on ${str(f.TypeCondition)}${printDirectives(arr(f.Directives))} ${printSelections(arr(f.SelectionSet)) || '{}'}`);
  }
  return out.join('\n');
}

function printInputValues(vs: GqlNode[]): string {
  return vs.map((a) => `${str(a.Name)}: ${typeString(node(a.Type))}${node(a.DefaultValue) ? ' = ' + printValue(node(a.DefaultValue)) : ''}`).join(', ');
}

/** Prints the user part of a validated schema as SDL (builtins come from graphql-js itself). */
export function printSchemaSdl(s: ValidatedSchema): string {
  const out: string[] = [];
  for (const def of s.types.values()) {
    if (def.BuiltIn === true) continue;
    const name = str(def.Name);
    const fields = arr(def.Fields);
    switch (str(def.Kind)) {
      case 'SCALAR':
        out.push(`scalar ${name}`);
        break;
      case 'OBJECT':
      case 'INTERFACE': {
        const ifs = strs(def.Interfaces);
        const body = fields.map((f) => {
          const args = arr(f.Arguments);
          return `  ${str(f.Name)}${args.length ? '(' + printInputValues(args) + ')' : ''}: ${typeString(node(f.Type))}`;
        });
        out.push(`${str(def.Kind) === 'OBJECT' ? 'type' : 'interface'} ${name}${ifs.length ? ' implements ' + ifs.join(' & ') : ''} {\n${body.join('\n')}\n}`);
        break;
      }
      case 'UNION':
        out.push(`union ${name} = ${strs(def.Types).join(' | ')}`);
        break;
      case 'ENUM':
        out.push(`enum ${name} {\n${arr(def.EnumValues).map((v) => '  ' + str(v.Name)).join('\n')}\n}`);
        break;
      case 'INPUT_OBJECT':
        out.push(`input ${name} {\n${fields.map((f) => '  ' + printInputValues([f])).join('\n')}\n}`);
        break;
    }
  }
  for (const d of s.directives.values()) {
    const name = str(d.Name);
    // graphql-js v16 has no @defer: the prelude's definition is printed like a user one.
    if (BUILTIN_DIRECTIVES.has(name)) continue;
    const args = arr(d.Arguments);
    out.push(`directive @${name}${args.length ? '(' + printInputValues(args) + ')' : ''}${d.IsRepeatable === true ? ' repeatable' : ''} on ${strs(d.Locations).join(' | ')}`);
  }
  const ops = (['query', 'mutation', 'subscription'] as const).filter((o) => s[o] !== undefined).map((o) => `  ${o}: ${s[o] as string}`);
  if (ops.length) out.push(`schema {\n${ops.join('\n')}\n}`);
  return out.join('\n\n') + '\n';
}
