/**
 * Renders the Hearth Helm chart without Helm (no `helm` binary and no network here). It implements
 * the small part of Go templates and Sprig that the chart uses — trim markers, comments, `define`,
 * `include`, `if/else/end`, pipelines, and the functions below — with Go's semantics for those, and
 * refuses everything else. The chart is meant to stay inside this subset: a template that leaves it
 * fails the deploy test instead of being rendered wrongly. Value lookups are strict: a path that
 * names no value is an error (Helm would print nothing), which catches typos in value names.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, parseAllDocuments, stringify } from 'yaml';

type Value = unknown;
type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipe: string }
  | { kind: 'if'; cond: string; then: Node[]; else: Node[] };

interface Token {
  kind: 'text' | 'action';
  text: string;
}

/** Splits a template into text and `{{ }}` actions, applying `{{-` and `-}}` whitespace trimming. */
function lex(src: string, file: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  let trimNext = false;
  while (pos < src.length) {
    const open = src.indexOf('{{', pos);
    let text = open < 0 ? src.slice(pos) : src.slice(pos, open);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (open < 0) {
      tokens.push({ kind: 'text', text });
      break;
    }
    const close = src.indexOf('}}', open);
    if (close < 0) throw new Error(`${file}: unclosed action`);
    let inner = src.slice(open + 2, close);
    if (/^-\s/.test(inner)) {
      text = text.replace(/\s+$/, '');
      inner = inner.slice(1);
    }
    trimNext = /\s-$/.test(inner);
    if (trimNext) inner = inner.slice(0, -1);
    tokens.push({ kind: 'text', text });
    inner = inner.trim();
    if (!(inner.startsWith('/*') && inner.endsWith('*/'))) tokens.push({ kind: 'action', text: inner });
    pos = close + 2;
  }
  return tokens.filter((t) => t.kind === 'action' || t.text !== '');
}

/** Builds the node tree; `define` bodies go into `defines`. */
function parseTemplate(src: string, file: string, defines: Map<string, Node[]>): Node[] {
  const root: Node[] = [];
  const stack: Array<{ nodes: Node[]; close: (body: Node[]) => void; ifNode?: Extract<Node, { kind: 'if' }> }> = [];
  let current = root;
  for (const tok of lex(src, file)) {
    if (tok.kind === 'text') {
      current.push({ kind: 'text', text: tok.text });
      continue;
    }
    const [word] = tok.text.split(/\s+/, 1);
    if (word === 'define') {
      const name = /^define\s+"([^"]+)"$/.exec(tok.text)?.[1];
      if (!name) throw new Error(`${file}: bad define: ${tok.text}`);
      const body: Node[] = [];
      stack.push({ nodes: current, close: () => defines.set(name, body) });
      current = body;
    } else if (word === 'if') {
      const node: Extract<Node, { kind: 'if' }> = { kind: 'if', cond: tok.text.slice(2).trim(), then: [], else: [] };
      current.push(node);
      stack.push({ nodes: current, close: () => undefined, ifNode: node });
      current = node.then;
    } else if (word === 'else') {
      const top = stack[stack.length - 1];
      if (tok.text !== 'else' || !top?.ifNode) throw new Error(`${file}: unsupported: {{ ${tok.text} }}`);
      current = top.ifNode.else;
    } else if (word === 'end') {
      const top = stack.pop();
      if (!top) throw new Error(`${file}: {{ end }} without an open block`);
      top.close(current);
      current = top.nodes;
    } else if (['range', 'with', 'template', 'block', 'tpl'].includes(word) || tok.text.includes('$')) {
      throw new Error(`${file}: outside the rendered subset: {{ ${tok.text} }}`);
    } else {
      current.push({ kind: 'action', pipe: tok.text });
    }
  }
  if (stack.length > 0) throw new Error(`${file}: missing {{ end }}`);
  return root;
}

/** Splits a pipeline into words, strings, parentheses and bars. */
function words(pipe: string): string[] {
  const out = pipe.match(/"(?:[^"\\]|\\.)*"|\(|\)|\||[^\s()|]+/g);
  if (!out) throw new Error(`empty action`);
  return out;
}

/** Go template truth: false, 0, nil and empty strings, lists and maps are false. */
function truthy(v: Value): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

function toYaml(v: Value): string {
  if (v === null || v === undefined) return 'null';
  // sigs.k8s.io/yaml (Helm's toYaml) sorts map keys; Helm trims the final newline.
  return stringify(v, { sortMapEntries: true, lineWidth: 0 }).replace(/\n$/, '');
}

const indentLines = (n: number, s: string) =>
  s
    .split('\n')
    .map((line) => ' '.repeat(n) + line)
    .join('\n');

function printf(format: string, ...args: Value[]): string {
  let i = 0;
  return format.replace(/%[sdv]/g, () => String(args[i++]));
}

/** A renderer for one chart: its defines, values and release. */
export class ChartRenderer {
  private readonly defines = new Map<string, Node[]>();
  private readonly templates = new Map<string, Node[]>();
  private readonly functions: Record<string, (...args: Value[]) => Value>;

  constructor(private readonly chartDir: string) {
    const dir = join(chartDir, 'templates');
    for (const name of readdirSync(dir).sort()) {
      const nodes = parseTemplate(readFileSync(join(dir, name), 'utf8'), name, this.defines);
      if (!name.startsWith('_') && /\.ya?ml$/.test(name)) this.templates.set(name, nodes);
    }
    this.functions = {
      include: (name, ctx) => {
        const body = this.defines.get(String(name));
        if (!body) throw new Error(`include of an undefined template "${String(name)}"`);
        return this.renderNodes(body, ctx);
      },
      toYaml,
      nindent: (n, s) => '\n' + indentLines(Number(n), String(s)),
      indent: (n, s) => indentLines(Number(n), String(s)),
      quote: (s) => JSON.stringify(String(s ?? '')),
      default: (fallback, v) => (truthy(v) ? v : fallback),
      printf: (format, ...args) => printf(String(format), ...args),
      not: (v) => !truthy(v),
      and: (a, b) => (truthy(a) ? b : a),
      or: (a, b) => (truthy(a) ? a : b),
      eq: (a, b) => a === b,
      trunc: (n, s) => String(s).slice(0, Number(n)),
      trimSuffix: (suffix, s) => (String(s).endsWith(String(suffix)) ? String(s).slice(0, -String(suffix).length) : s),
    };
  }

  /** The chart's default values.yaml. */
  defaultValues(): Record<string, unknown> {
    return parseYaml(readFileSync(join(this.chartDir, 'values.yaml'), 'utf8')) as Record<string, unknown>;
  }

  /** Renders every template; returns the Kubernetes objects by template file. */
  render(
    values: Record<string, unknown>,
    release = { Name: 'hearth', Namespace: 'default' },
  ): Map<string, Array<Record<string, unknown>>> {
    const chart = parseYaml(readFileSync(join(this.chartDir, 'Chart.yaml'), 'utf8')) as Record<string, string>;
    const ctx = {
      Values: values,
      Release: { ...release, Service: 'Helm' },
      Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion },
    };
    const out = new Map<string, Array<Record<string, unknown>>>();
    for (const [name, nodes] of this.templates) {
      const text = this.renderNodes(nodes, ctx);
      const docs = parseAllDocuments(text);
      const objects: Array<Record<string, unknown>> = [];
      for (const doc of docs) {
        if (doc.errors.length > 0)
          throw new Error(`${name}: rendered YAML is invalid: ${doc.errors[0].message}\n${text}`);
        const obj = doc.toJS() as Record<string, unknown> | null;
        if (obj) objects.push(obj);
      }
      out.set(name, objects);
    }
    return out;
  }

  private renderNodes(nodes: Node[], dot: Value): string {
    let s = '';
    for (const node of nodes) {
      if (node.kind === 'text') s += node.text;
      else if (node.kind === 'if')
        s += this.renderNodes(truthy(this.evalPipe(node.cond, dot)) ? node.then : node.else, dot);
      else {
        const v = this.evalPipe(node.pipe, dot);
        s += v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
      }
    }
    return s;
  }

  private evalPipe(pipe: string, dot: Value): Value {
    const toks = words(pipe);
    let i = 0;
    const parsePipe = (): Value => {
      let value: Value = undefined;
      let piped = false;
      for (;;) {
        value = parseCommand(piped ? [value] : []);
        piped = true;
        if (toks[i] !== '|') return value;
        i++;
      }
    };
    const parseCommand = (pipedIn: Value[]): Value => {
      const head = toks[i];
      if (head in this.functions && !head.startsWith('.')) {
        i++;
        const args: Value[] = [];
        while (i < toks.length && toks[i] !== '|' && toks[i] !== ')') args.push(parseTerm());
        return this.functions[head](...args, ...pipedIn);
      }
      if (pipedIn.length > 0) throw new Error(`cannot pipe into "${head}" in {{ ${pipe} }}`);
      return parseTerm();
    };
    const parseTerm = (): Value => {
      const t = toks[i++];
      if (t === undefined) throw new Error(`unexpected end of {{ ${pipe} }}`);
      if (t === '(') {
        const v = parsePipe();
        if (toks[i++] !== ')') throw new Error(`missing ) in {{ ${pipe} }}`);
        return v;
      }
      if (t.startsWith('"')) return JSON.parse(t);
      if (/^-?\d+$/.test(t)) return Number(t);
      if (t === 'true' || t === 'false') return t === 'true';
      if (t === '.') return dot;
      if (t.startsWith('.')) return lookup(dot, t, pipe);
      throw new Error(`outside the rendered subset: "${t}" in {{ ${pipe} }}`);
    };
    const v = parsePipe();
    if (i !== toks.length) throw new Error(`unparsed rest of {{ ${pipe} }}`);
    return v;
  }
}

function lookup(dot: Value, path: string, pipe: string): Value {
  let cur = dot;
  for (const key of path.slice(1).split('.')) {
    if (!cur || typeof cur !== 'object' || !(key in (cur as object)))
      throw new Error(`no value at ${path} in {{ ${pipe} }}`);
    cur = (cur as Record<string, Value>)[key];
  }
  return cur;
}
