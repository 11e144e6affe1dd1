/**
 * The import graph of src/, read with a real TypeScript parser (oxc-parser), not with regexes:
 * static imports and re-exports (type-only ones included — they are dependencies of the design
 * even when erased), and dynamic `import()` with a literal path (lazy loading).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseSync } from 'oxc-parser';

export interface ImportEdge {
  /** Repository-relative path of the imported file (`src/core/message.ts`), or the package name. */
  to: string;
  dynamic: boolean;
}

export type ImportGraph = Map<string, ImportEdge[]>;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Collects `import('…')` calls with a string literal anywhere in the tree. */
function dynamicImports(node: unknown, out: string[]): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const child of node) dynamicImports(child, out);
    return;
  }
  const n = node as { type?: string; source?: { type?: string; value?: unknown } };
  if (n.type === 'ImportExpression' && n.source?.type === 'Literal' && typeof n.source.value === 'string')
    out.push(n.source.value);
  for (const value of Object.values(node)) if (value && typeof value === 'object') dynamicImports(value, out);
}

/** `./x.js` from `src/a/b.ts` → `src/a/x.ts`; a bare specifier stays as it is (a package). */
function resolveSpecifier(root: string, from: string, specifier: string): string {
  if (!specifier.startsWith('.')) return specifier;
  return relative(root, resolve(dirname(join(root, from)), specifier.replace(/\.js$/, '.ts')));
}

/** Parses every .ts file under `root/src`. Throws on a file the parser rejects. */
export function readImportGraph(root: string): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const file of sourceFiles(join(root, 'src'))) {
    const from = relative(root, file);
    const source = readFileSync(file, 'utf8');
    const parsed = parseSync(file, source);
    if (parsed.errors.length > 0) throw new Error(`${from}: ${parsed.errors[0].message}`);
    const edges: ImportEdge[] = [];
    for (const i of parsed.module.staticImports)
      edges.push({ to: resolveSpecifier(root, from, i.moduleRequest.value), dynamic: false });
    for (const e of parsed.module.staticExports) {
      for (const entry of e.entries)
        if (entry.moduleRequest)
          edges.push({ to: resolveSpecifier(root, from, entry.moduleRequest.value), dynamic: false });
    }
    const lazy: string[] = [];
    dynamicImports(parsed.program, lazy);
    for (const specifier of lazy) edges.push({ to: resolveSpecifier(root, from, specifier), dynamic: true });
    graph.set(from, edges);
  }
  return graph;
}

/** Import cycles among static imports (Tarjan's strongly connected components of more than one file, or a self-import). */
export function importCycles(graph: ImportGraph): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const next = (file: string) => (graph.get(file) ?? []).filter((e) => !e.dynamic && graph.has(e.to)).map((e) => e.to);
  const visit = (file: string): void => {
    indices.set(file, index);
    low.set(file, index++);
    stack.push(file);
    onStack.add(file);
    for (const to of next(file)) {
      if (!indices.has(to)) {
        visit(to);
        low.set(file, Math.min(low.get(file)!, low.get(to)!));
      } else if (onStack.has(to)) low.set(file, Math.min(low.get(file)!, indices.get(to)!));
    }
    if (low.get(file) === indices.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      if (component.length > 1 || next(file).includes(file)) cycles.push(component.sort());
    }
  };
  for (const file of graph.keys()) if (!indices.has(file)) visit(file);
  return cycles;
}
