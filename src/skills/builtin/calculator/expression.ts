/**
 * A small arithmetic language, parsed by recursive descent and evaluated without eval:
 *   expr  := term (('+' | '-') term)*
 *   term  := unary (('*' | '/' | '%') unary)*
 *   unary := ('-' | '+') unary | power
 *   power := primary (('^' | '**') unary)?          right-associative; -2^2 = -4
 *   primary := number | name | name '(' expr (',' expr)* ')' | '(' expr ')'
 * Names: pi, e, tau; functions: sqrt cbrt abs round floor ceil sin cos tan asin acos atan
 * ln log log2 log10 exp min max pow hypot. `×` and `÷` are accepted for * and /.
 */

type Token = { kind: 'num'; value: number } | { kind: 'name'; value: string } | { kind: 'op'; value: string };

const constants: Record<string, number> = { pi: Math.PI, e: Math.E, tau: 2 * Math.PI };

const functions: Record<string, (...xs: number[]) => number> = {
  sqrt: Math.sqrt,
  cbrt: Math.cbrt,
  abs: Math.abs,
  round: (x, digits = 0) => Math.round(x * 10 ** digits) / 10 ** digits,
  floor: Math.floor,
  ceil: Math.ceil,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  ln: Math.log,
  log: (x, base) => (base === undefined ? Math.log10(x) : Math.log(x) / Math.log(base)),
  log2: Math.log2,
  log10: Math.log10,
  exp: Math.exp,
  min: Math.min,
  max: Math.max,
  pow: Math.pow,
  hypot: Math.hypot,
};

/** Splits the input into numbers, names and operators; rejects anything else. */
export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  const re =
    /\s*(?:(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(\*\*|[-+*/%^(),×÷]))/y;
  let pos = 0;
  while (pos < input.length) {
    if (/^\s*$/.test(input.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(input);
    if (!m) throw new Error(`unexpected "${input.slice(pos).trim()[0]}" at position ${pos + 1}`);
    pos = re.lastIndex;
    if (m[1] !== undefined) tokens.push({ kind: 'num', value: Number(m[1]) });
    else if (m[2] !== undefined) tokens.push({ kind: 'name', value: m[2].toLowerCase() });
    else tokens.push({ kind: 'op', value: m[3] === '×' ? '*' : m[3] === '÷' ? '/' : m[3]! });
  }
  return tokens;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): number {
    if (this.tokens.length === 0) throw new Error('empty expression');
    const v = this.expr();
    if (this.i < this.tokens.length) throw new Error(`unexpected "${this.tokens[this.i]!.value}"`);
    return v;
  }

  private peekOp(...ops: string[]): string | undefined {
    const t = this.tokens[this.i];
    return t?.kind === 'op' && ops.includes(t.value) ? t.value : undefined;
  }

  private expect(op: string): void {
    if (!this.peekOp(op)) throw new Error(`expected "${op}"`);
    this.i++;
  }

  private expr(): number {
    let v = this.term();
    for (let op = this.peekOp('+', '-'); op; op = this.peekOp('+', '-')) {
      this.i++;
      const r = this.term();
      v = op === '+' ? v + r : v - r;
    }
    return v;
  }

  private term(): number {
    let v = this.unary();
    for (let op = this.peekOp('*', '/', '%'); op; op = this.peekOp('*', '/', '%')) {
      this.i++;
      const r = this.unary();
      if ((op === '/' || op === '%') && r === 0) throw new Error('division by zero');
      v = op === '*' ? v * r : op === '/' ? v / r : v % r;
    }
    return v;
  }

  private unary(): number {
    const op = this.peekOp('-', '+');
    if (op) {
      this.i++;
      const v = this.unary();
      return op === '-' ? -v : v;
    }
    return this.power();
  }

  private power(): number {
    const base = this.primary();
    if (this.peekOp('^', '**')) {
      this.i++;
      return base ** this.unary();
    }
    return base;
  }

  private primary(): number {
    const t = this.tokens[this.i++];
    if (!t) throw new Error('expression ends too early');
    if (t.kind === 'num') return t.value;
    if (t.kind === 'op') {
      if (t.value !== '(') throw new Error(`unexpected "${t.value}"`);
      const v = this.expr();
      this.expect(')');
      return v;
    }
    if (this.peekOp('(')) {
      // Own properties only: "constructor" or "__proto__" must not reach Object.prototype.
      const fn = Object.hasOwn(functions, t.value) ? functions[t.value] : undefined;
      if (!fn) throw new Error(`unknown function "${t.value}"`);
      this.i++;
      const args = [this.expr()];
      while (this.peekOp(',')) {
        this.i++;
        args.push(this.expr());
      }
      this.expect(')');
      return fn(...args);
    }
    const c = Object.hasOwn(constants, t.value) ? constants[t.value] : undefined;
    if (c === undefined) throw new Error(`unknown name "${t.value}"`);
    return c;
  }
}

/** Evaluates an arithmetic expression. Throws with a short reason on bad input. */
export function evaluate(input: string): number {
  if (input.length > 1_000) throw new Error('expression too long');
  const v = new Parser(tokenize(input)).parse();
  if (!Number.isFinite(v)) throw new Error('the result is not a finite number');
  return v;
}

/** Formats a result without float noise (0.1 + 0.2 shows as 0.3). */
export function formatNumber(v: number): string {
  return String(Number(v.toPrecision(12)));
}
