/**
 * Reads a type written as OPA prints one (types.Sprint: `array[string]`, `array<number,
 * string>`, `object<op: string>[any: any]`, `set[any]`, `any<null, string>`) into the JSON form
 * OPA's capabilities files use for it (types/decode.go). builtin-decls.ts writes OPA's builtin
 * declarations this way, so they read like OPA's own type errors.
 *
 * @example parseTypeNotation('array[string]') // { type: 'array', dynamic: { type: 'string' } }
 */

export type OpaTypeJson =
  | { type: 'null' | 'boolean' | 'number' | 'string' }
  | { type: 'any'; of?: OpaTypeJson[] }
  | { type: 'array'; static?: OpaTypeJson[]; dynamic?: OpaTypeJson }
  | { type: 'set'; of: OpaTypeJson }
  | { type: 'object'; static?: { key: string; value: OpaTypeJson }[]; dynamic?: { key: OpaTypeJson; value: OpaTypeJson } };

class Reader {
  private i = 0;
  constructor(private readonly s: string) {}

  fail(): never {
    // a misspelt declaration is a bug in regate, caught when the table is first read
    throw new TypeError(`bad type notation at ${this.i}: ${this.s}`);
  }

  eat(tok: string): boolean {
    while (this.s[this.i] === ' ') this.i++;
    if (!this.s.startsWith(tok, this.i)) return false;
    this.i += tok.length;
    return true;
  }

  expect(tok: string): void {
    if (!this.eat(tok)) this.fail();
  }

  word(): string {
    while (this.s[this.i] === ' ') this.i++;
    const m = /^[a-z_]+/.exec(this.s.slice(this.i));
    if (m === null) this.fail();
    this.i += m[0].length;
    return m[0];
  }

  list<T>(item: () => T, close: string): T[] {
    const out = [item()];
    while (this.eat(',')) out.push(item());
    this.expect(close);
    return out;
  }

  type(): OpaTypeJson {
    const w = this.word();
    switch (w) {
      case 'null':
      case 'boolean':
      case 'number':
      case 'string':
        return { type: w };
      case 'any':
        return this.eat('<') ? { type: 'any', of: this.list(() => this.type(), '>') } : { type: 'any' };
      case 'set': {
        this.expect('[');
        const of = this.type();
        this.expect(']');
        return { type: 'set', of };
      }
      case 'array': {
        if (this.eat('<')) return { type: 'array', static: this.list(() => this.type(), '>') };
        this.expect('[');
        const dynamic = this.type();
        this.expect(']');
        return { type: 'array', dynamic };
      }
      case 'object': {
        const o: Extract<OpaTypeJson, { type: 'object' }> = { type: 'object' };
        if (this.eat('<'))
          o.static = this.list(() => {
            const key = this.word();
            this.expect(':');
            return { key, value: this.type() };
          }, '>');
        if (this.eat('[')) {
          const key = this.type();
          this.expect(':');
          o.dynamic = { key, value: this.type() };
          this.expect(']');
        }
        return o;
      }
      default:
        return this.fail();
    }
  }

  end(): void {
    while (this.s[this.i] === ' ') this.i++;
    if (this.i !== this.s.length) this.fail();
  }
}

/** The JSON form of a type in OPA's printed notation; a TypeError for text that is not one. */
export function parseTypeNotation(text: string): OpaTypeJson {
  const r = new Reader(text);
  const t = r.type();
  r.end();
  return t;
}

/**
 * A type's JSON with its keys in the order OPA's capabilities files have them (Go marshals the
 * type's map sorted by key: `dynamic`, `of`, `static`, `type`).
 */
export function sortedTypeJson(t: OpaTypeJson): unknown {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v === null || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(o)
        .sort()
        .map((k) => [k, sortKeys(o[k])]),
    );
  };
  return sortKeys(t);
}
