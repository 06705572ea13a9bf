/**
 * GraphQL query and schema parser producing gqlparser's AST as plain JSON-like objects: the
 * exact field names and zero values Go's encoding/json writes for gqlparser's structs, which
 * is what OPA's graphql.parse_query / parse_schema return (after pruning, see graphql.ts).
 * `Position` is kept on nodes for error reporting; the pruning drops it as OPA does.
 *
 * Grammar and error texts follow gqlparser's parser (query.go, schema.go): e.g. an empty
 * `{}` is "expected at least one definition, found }".
 *
 * @example
 *   parseGraphqlQuery('{hero {name}}').Operations[0].SelectionSet[0].Alias // 'hero'
 */
import { createGraphqlLexer, describeToken, GraphqlSyntaxError, type Token, type TokenKind } from './graphql-lexer.js';

/** A gqlparser AST node as JSON: every field present, nil pointers/slices as null. */
export type GqlNode = { [k: string]: GqlJson };
export type GqlJson = null | boolean | number | string | GqlJson[] | GqlNode;

interface Pos {
  line: number;
  col: number;
}

const VALUE_KIND = { Variable: 0, Int: 1, Float: 2, String: 3, Block: 4, Boolean: 5, Null: 6, Enum: 7, List: 8, Object: 9 } as const;

const DIRECTIVE_LOCATIONS = new Set([
  'QUERY',
  'MUTATION',
  'SUBSCRIPTION',
  'FIELD',
  'FRAGMENT_DEFINITION',
  'FRAGMENT_SPREAD',
  'INLINE_FRAGMENT',
  'VARIABLE_DEFINITION',
  'SCHEMA',
  'SCALAR',
  'OBJECT',
  'FIELD_DEFINITION',
  'ARGUMENT_DEFINITION',
  'INTERFACE',
  'UNION',
  'ENUM',
  'ENUM_VALUE',
  'INPUT_OBJECT',
  'INPUT_FIELD_DEFINITION',
]);

class Parser {
  private readonly lexer;
  err: GraphqlSyntaxError | undefined;
  private peeked = false;
  private peekTok!: Token;
  private peekErr: GraphqlSyntaxError | undefined;
  prev: Token = { kind: '<EOF>', value: '', line: 1, col: 1 };

  constructor(input: string) {
    this.lexer = createGraphqlLexer(input);
  }

  peek(): Token {
    if (this.err) return this.prev;
    if (!this.peeked) {
      const r = this.lexer.read();
      this.peekTok = r.tok;
      this.peekErr = r.err;
      this.peeked = true;
    }
    return this.peekTok;
  }

  pos(): Pos | null {
    if (this.err) return null;
    const t = this.peek();
    return { line: t.line, col: t.col };
  }

  error(tok: Token, msg: string): void {
    if (this.err) return;
    this.err = new GraphqlSyntaxError(msg, tok.line, tok.col);
  }

  next(): Token {
    if (this.err) return this.prev;
    if (this.peeked) {
      this.peeked = false;
      this.prev = this.peekTok;
      this.err = this.peekErr;
    } else {
      const r = this.lexer.read();
      this.prev = r.tok;
      this.err = r.err;
    }
    return this.prev;
  }

  expectKeyword(value: string): Token {
    const t = this.peek();
    if (t.kind === 'Name' && t.value === value) return this.next();
    this.error(t, `Expected ${JSON.stringify(value)}, found ${describeToken(t)}`);
    return t;
  }

  expect(kind: TokenKind): Token {
    const t = this.peek();
    if (t.kind === kind) return this.next();
    this.error(t, `Expected ${kind}, found ${t.kind}`);
    return t;
  }

  skip(kind: TokenKind): boolean {
    if (this.err) return false;
    if (this.peek().kind !== kind) return false;
    this.next();
    return true;
  }

  unexpected(tok: Token = this.peek()): void {
    this.error(tok, `Unexpected ${describeToken(tok)}`);
  }

  /** Zero or more items between delimiters (absent delimiters: nothing). */
  many(start: TokenKind, end: TokenKind, cb: () => void): void {
    if (!this.skip(start)) return;
    // Bounded: each callback consumes a token or sets err.
    while (this.peek().kind !== end && !this.err) cb();
    this.next();
  }

  /** One or more items between delimiters. */
  some(start: TokenKind, end: TokenKind, cb: () => void): void {
    if (!this.skip(start)) return;
    let called = false;
    while (this.peek().kind !== end && !this.err) {
      called = true;
      cb();
    }
    if (!called) {
      this.error(this.peek(), `expected at least one definition, found ${this.peek().kind}`);
      return;
    }
    this.next();
  }

  name(): string {
    return this.expect('Name').value;
  }

  // ------------------------------------------------------------------ query documents

  queryDocument(): GqlNode {
    const ops: GqlNode[] = [];
    const frags: GqlNode[] = [];
    while (this.peek().kind !== '<EOF>') {
      if (this.err) break;
      const t = this.peek();
      if (t.kind === 'Name') {
        if (t.value === 'query' || t.value === 'mutation' || t.value === 'subscription') ops.push(this.operationDefinition());
        else if (t.value === 'fragment') frags.push(this.fragmentDefinition());
        else this.unexpected();
      } else if (t.kind === '{') ops.push(this.operationDefinition());
      else this.unexpected();
    }
    return { Operations: ops.length ? ops : null, Fragments: frags.length ? frags : null, Position: null };
  }

  operationDefinition(): GqlNode {
    const Position = this.pos() as GqlJson;
    if (this.peek().kind === '{') {
      return { Operation: 'query', Name: '', VariableDefinitions: null, Directives: null, SelectionSet: this.requiredSelectionSet(), Position };
    }
    const Operation = this.operationType();
    let Name = '';
    if (this.peek().kind === 'Name') Name = this.next().value;
    const VariableDefinitions = this.variableDefinitions();
    const Directives = this.directives(false);
    const SelectionSet = this.requiredSelectionSet();
    return { Operation, Name, VariableDefinitions, Directives, SelectionSet, Position };
  }

  operationType(): string {
    const t = this.next();
    if (t.value === 'query' || t.value === 'mutation' || t.value === 'subscription') return t.value;
    this.unexpected(t);
    return '';
  }

  variableDefinitions(): GqlNode[] | null {
    const defs: GqlNode[] = [];
    this.many('(', ')', () => defs.push(this.variableDefinition()));
    return defs.length ? defs : null;
  }

  variableDefinition(): GqlNode {
    const Position = this.pos() as GqlJson;
    const Variable = this.variable();
    this.expect(':');
    const Type = this.typeReference();
    const DefaultValue = this.skip('=') ? this.valueLiteral(true) : null;
    const Directives = this.directives(false);
    return { Variable, Type, DefaultValue, Directives, Position, Definition: null, Used: false };
  }

  variable(): string {
    this.expect('$');
    return this.name();
  }

  selections(): GqlNode[] | null {
    const sel: GqlNode[] = [];
    this.some('{', '}', () => sel.push(this.selection()));
    return sel.length ? sel : null;
  }

  requiredSelectionSet(): GqlNode[] | null {
    if (this.peek().kind !== '{') {
      this.error(this.peek(), `Expected {, found ${this.peek().kind}`);
      return null;
    }
    return this.selections();
  }

  selection(): GqlNode {
    return this.peek().kind === '...' ? this.fragment() : this.field();
  }

  field(): GqlNode {
    const Position = this.pos() as GqlJson;
    const Alias = this.name();
    const Name = this.skip(':') ? this.name() : Alias;
    const Arguments = this.arguments(false);
    const Directives = this.directives(false);
    const SelectionSet = this.peek().kind === '{' ? this.selections() : null;
    return { Alias, Name, Arguments, Directives, SelectionSet, Position, Definition: null, ObjectDefinition: null };
  }

  arguments(isConst: boolean): GqlNode[] | null {
    const args: GqlNode[] = [];
    this.many('(', ')', () => {
      const Position = this.pos() as GqlJson;
      const Name = this.name();
      this.expect(':');
      args.push({ Name, Value: this.valueLiteral(isConst), Position });
    });
    return args.length ? args : null;
  }

  fragment(): GqlNode {
    this.expect('...');
    const pk = this.peek();
    if (pk.kind === 'Name' && pk.value !== 'on') {
      const Position = this.pos() as GqlJson;
      const Name = this.fragmentName();
      return { Name, Directives: this.directives(false), ObjectDefinition: null, Definition: null, Position };
    }
    const Position = this.pos() as GqlJson;
    let TypeCondition = '';
    if (this.peek().value === 'on') {
      this.next();
      TypeCondition = this.name();
    }
    const Directives = this.directives(false);
    const SelectionSet = this.requiredSelectionSet();
    return { TypeCondition, Directives, SelectionSet, ObjectDefinition: null, Position };
  }

  fragmentDefinition(): GqlNode {
    const Position = this.pos() as GqlJson;
    this.expectKeyword('fragment');
    const Name = this.fragmentName();
    const VariableDefinition = this.variableDefinitions();
    this.expectKeyword('on');
    const TypeCondition = this.name();
    const Directives = this.directives(false);
    const SelectionSet = this.requiredSelectionSet();
    return { Name, VariableDefinition, TypeCondition, Directives, SelectionSet, Definition: null, Position };
  }

  fragmentName(): string {
    if (this.peek().value === 'on') {
      this.unexpected();
      return '';
    }
    return this.name();
  }

  valueNode(Raw: string, Children: GqlNode[] | null, Kind: number, Position: GqlJson): GqlNode {
    return { Raw, Children, Kind, Position, Definition: null, VariableDefinition: null, ExpectedType: null, ExpectedTypeHasDefault: false };
  }

  valueLiteral(isConst: boolean): GqlNode | null {
    const t = this.peek();
    const Position = { line: t.line, col: t.col };
    let kind: number;
    switch (t.kind) {
      case '[': {
        const pos = this.pos() as GqlJson;
        const ch: GqlNode[] = [];
        this.many('[', ']', () => ch.push({ Name: '', Value: this.valueLiteral(isConst), Position: null }));
        return this.valueNode('', ch.length ? ch : null, VALUE_KIND.List, pos);
      }
      case '{': {
        const pos = this.pos() as GqlJson;
        const ch: GqlNode[] = [];
        this.many('{', '}', () => {
          const p = this.pos() as GqlJson;
          const Name = this.name();
          this.expect(':');
          ch.push({ Name, Value: this.valueLiteral(isConst), Position: p });
        });
        return this.valueNode('', ch.length ? ch : null, VALUE_KIND.Object, pos);
      }
      case '$':
        if (isConst) {
          this.unexpected();
          return null;
        }
        return this.valueNode(this.variable(), null, VALUE_KIND.Variable, Position);
      case 'Int':
        kind = VALUE_KIND.Int;
        break;
      case 'Float':
        kind = VALUE_KIND.Float;
        break;
      case 'String':
        kind = VALUE_KIND.String;
        break;
      case 'BlockString':
        kind = VALUE_KIND.Block;
        break;
      case 'Name':
        kind = t.value === 'true' || t.value === 'false' ? VALUE_KIND.Boolean : t.value === 'null' ? VALUE_KIND.Null : VALUE_KIND.Enum;
        break;
      default:
        this.unexpected();
        return null;
    }
    this.next();
    return this.valueNode(t.value, null, kind, Position);
  }

  directives(isConst: boolean): GqlNode[] | null {
    const out: GqlNode[] = [];
    while (this.peek().kind === '@') {
      if (this.err) break;
      this.expect('@');
      const Position = this.pos() as GqlJson;
      const Name = this.name();
      const Arguments = this.arguments(isConst);
      out.push({ Name, Arguments, Position, ParentDefinition: null, Definition: null, Location: '' });
    }
    return out.length ? out : null;
  }

  typeReference(): GqlNode {
    let NamedType = '';
    let Elem: GqlNode | null = null;
    let Position = this.pos() as GqlJson;
    if (this.skip('[')) {
      Position = this.pos() as GqlJson;
      Elem = this.typeReference();
      this.expect(']');
    } else {
      NamedType = this.name();
    }
    let NonNull = false;
    if (this.skip('!')) NonNull = true;
    return { NamedType, Elem, NonNull, Position };
  }

  // ------------------------------------------------------------------ schema documents

  schemaDocument(): GqlNode | null {
    const doc = { Schema: [] as GqlNode[], SchemaExtension: [] as GqlNode[], Directives: [] as GqlNode[], Definitions: [] as GqlNode[], Extensions: [] as GqlNode[] };
    while (this.peek().kind !== '<EOF>') {
      if (this.err) return null;
      let description = '';
      if (this.peek().kind === 'BlockString' || this.peek().kind === 'String') description = this.next().value;
      if (this.peek().kind !== 'Name') {
        this.unexpected();
        break;
      }
      switch (this.peek().value) {
        case 'scalar':
        case 'type':
        case 'interface':
        case 'union':
        case 'enum':
        case 'input':
          doc.Definitions.push(this.typeDefinition(description, false));
          break;
        case 'schema':
          this.expectKeyword('schema');
          doc.Schema.push(this.schemaDefinition(description, false));
          break;
        case 'directive':
          doc.Directives.push(this.directiveDefinition(description));
          break;
        case 'extend':
          if (description !== '') this.unexpected(this.prev);
          this.typeSystemExtension(doc);
          break;
        default:
          this.unexpected();
          return null;
      }
    }
    const orNull = (a: GqlNode[]) => (a.length ? a : null);
    return {
      Schema: orNull(doc.Schema),
      SchemaExtension: orNull(doc.SchemaExtension),
      Directives: orNull(doc.Directives),
      Definitions: orNull(doc.Definitions),
      Extensions: orNull(doc.Extensions),
      Position: null,
    };
  }

  schemaDefinition(Description: string, isExtension: boolean): GqlNode {
    const Position = this.pos() as GqlJson;
    const Directives = this.directives(true);
    const ops: GqlNode[] = [];
    this.some('{', '}', () => {
      const p = this.pos() as GqlJson;
      const Operation = this.operationType();
      this.expect(':');
      ops.push({ Operation, Type: this.name(), Position: p });
    });
    if (isExtension && Directives === null && ops.length === 0) this.unexpected();
    return { Description, Directives, OperationTypes: ops.length ? ops : null, Position };
  }

  /** `type`, `interface`, … definitions and (isExtension) their `extend` forms. */
  typeDefinition(Description: string, isExtension: boolean): GqlNode {
    const keyword = this.peek().value;
    this.expectKeyword(keyword);
    const Position = this.pos() as GqlJson;
    const def: GqlNode = {
      Kind: '',
      Description,
      Name: this.name(),
      Directives: null,
      Interfaces: null,
      Fields: null,
      Types: null,
      EnumValues: null,
      Position,
      BuiltIn: false,
    };
    switch (keyword) {
      case 'scalar':
        def.Kind = 'SCALAR';
        def.Directives = this.directives(true);
        if (isExtension && def.Directives === null) this.unexpected();
        break;
      case 'type':
      case 'interface':
        def.Kind = keyword === 'type' ? 'OBJECT' : 'INTERFACE';
        // gqlparser parses `implements` on interface definitions but not on interface extensions.
        if (keyword === 'type' || !isExtension) def.Interfaces = this.implementsInterfaces();
        def.Directives = this.directives(true);
        def.Fields = this.fieldsDefinition();
        if (isExtension && def.Interfaces === null && def.Directives === null && def.Fields === null) this.unexpected();
        break;
      case 'union':
        def.Kind = 'UNION';
        def.Directives = this.directives(true);
        def.Types = this.unionMembers();
        if (isExtension && def.Directives === null && def.Types === null) this.unexpected();
        break;
      case 'enum': {
        def.Kind = 'ENUM';
        def.Directives = this.directives(true);
        const vals: GqlNode[] = [];
        this.some('{', '}', () => {
          const p = this.pos() as GqlJson;
          const d = this.description();
          const Name = this.name();
          vals.push({ Description: d, Name, Directives: this.directives(true), Position: p });
        });
        def.EnumValues = vals.length ? vals : null;
        if (isExtension && def.Directives === null && def.EnumValues === null) this.unexpected();
        break;
      }
      case 'input': {
        def.Kind = 'INPUT_OBJECT';
        // gqlparser parses input extension directives as non-const.
        def.Directives = this.directives(!isExtension);
        const fields: GqlNode[] = [];
        this.some('{', '}', () => fields.push(this.inputValueDef(false)));
        def.Fields = fields.length ? fields : null;
        if (isExtension && def.Directives === null && def.Fields === null) this.unexpected();
        break;
      }
    }
    return def;
  }

  description(): string {
    const t = this.peek();
    if (t.kind !== 'BlockString' && t.kind !== 'String') return '';
    return this.next().value;
  }

  implementsInterfaces(): string[] | null {
    if (this.peek().value !== 'implements') return null;
    this.next();
    this.skip('&');
    const out = [this.name()];
    while (this.skip('&') && !this.err) out.push(this.name());
    return out;
  }

  unionMembers(): string[] | null {
    if (!this.skip('=')) return null;
    this.skip('|');
    const out = [this.name()];
    while (this.skip('|') && !this.err) out.push(this.name());
    return out;
  }

  fieldsDefinition(): GqlNode[] | null {
    const defs: GqlNode[] = [];
    this.some('{', '}', () => {
      const Position = this.pos() as GqlJson;
      const Description = this.description();
      const Name = this.name();
      const Arguments = this.argumentDefs();
      this.expect(':');
      const Type = this.typeReference();
      const Directives = this.directives(true);
      defs.push({ Description, Name, Arguments, DefaultValue: null, Type, Directives, Position });
    });
    return defs.length ? defs : null;
  }

  argumentDefs(): GqlNode[] | null {
    const args: GqlNode[] = [];
    this.some('(', ')', () => args.push(this.inputValueDef(true)));
    return args.length ? args : null;
  }

  /** An argument definition (ArgumentDefinition) or input field (FieldDefinition with no Arguments). */
  inputValueDef(isArgument: boolean): GqlNode {
    const Position = this.pos() as GqlJson;
    const Description = this.description();
    const Name = this.name();
    this.expect(':');
    const Type = this.typeReference();
    const DefaultValue = this.skip('=') ? this.valueLiteral(true) : null;
    const Directives = this.directives(true);
    if (isArgument) return { Description, Name, DefaultValue, Type, Directives, Position };
    return { Description, Name, Arguments: null, DefaultValue, Type, Directives, Position };
  }

  typeSystemExtension(doc: { SchemaExtension: GqlNode[]; Extensions: GqlNode[] }): void {
    this.expectKeyword('extend');
    const kw = this.peek().value;
    switch (kw) {
      case 'schema':
        this.expectKeyword('schema');
        doc.SchemaExtension.push(this.schemaDefinition('', true));
        break;
      case 'scalar':
      case 'type':
      case 'interface':
      case 'union':
      case 'enum':
      case 'input':
        doc.Extensions.push(this.typeDefinition('', true));
        break;
      default:
        this.unexpected();
    }
  }

  directiveDefinition(Description: string): GqlNode {
    this.expectKeyword('directive');
    this.expect('@');
    const Position = this.pos() as GqlJson;
    const Name = this.name();
    const Arguments = this.argumentDefs();
    let IsRepeatable = false;
    const pk = this.peek();
    if (pk.kind === 'Name' && pk.value === 'repeatable') {
      IsRepeatable = true;
      this.skip('Name');
    }
    this.expectKeyword('on');
    this.skip('|');
    const Locations = [this.directiveLocation()];
    while (this.skip('|') && !this.err) Locations.push(this.directiveLocation());
    return { Description, Name, Arguments, Locations, IsRepeatable, Position };
  }

  directiveLocation(): string {
    const t = this.expect('Name');
    if (DIRECTIVE_LOCATIONS.has(t.value)) return t.value;
    this.unexpected(t);
    return '';
  }
}

/** Parses an executable document; throws GraphqlSyntaxError. */
export function parseGraphqlQuery(input: string): GqlNode {
  const p = new Parser(input);
  const doc = p.queryDocument();
  if (p.err) throw p.err;
  return doc;
}

/** Parses a type-system document; throws GraphqlSyntaxError. */
export function parseGraphqlSchema(input: string): GqlNode {
  const p = new Parser(input);
  const doc = p.schemaDocument();
  if (p.err) throw p.err;
  return doc as GqlNode;
}
