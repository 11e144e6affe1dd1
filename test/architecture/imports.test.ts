/**
 * The house rules of docs/architecture.md, checked on every build: dependencies point inward.
 * Adapters never import the gateway, core imports nothing else of ours, and there is no import
 * cycle. The graph is read with a TypeScript parser (import-graph.ts).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { importCycles, readImportGraph, type ImportGraph } from './import-graph.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const graph = readImportGraph(ROOT);

const ADAPTERS = ['src/channels/', 'src/storage/', 'src/engine/providers/', 'src/skills/runtimes/', 'src/voice/'];
const ours = (to: string) => to.startsWith('src/');

/** Every `from → to` edge where `from` matches and `to` breaks the rule. */
function violations(g: ImportGraph, from: (file: string) => boolean, forbidden: (to: string) => boolean): string[] {
  const out: string[] = [];
  for (const [file, edges] of g)
    if (from(file))
      for (const e of edges) if (forbidden(e.to)) out.push(`${file} → ${e.to}${e.dynamic ? ' (dynamic)' : ''}`);
  return out;
}

describe('the import rules', () => {
  it('reads the whole source tree', () => {
    assert.ok(graph.size > 100, `only ${graph.size} files parsed`);
    assert.ok(
      graph.get('src/gateway/server.ts')?.some((e) => e.to === 'src/engine/engine.ts'),
      'a known import was not found',
    );
  });

  it('no adapter imports the gateway', () => {
    assert.deepEqual(
      violations(
        graph,
        (f) => ADAPTERS.some((a) => f.startsWith(a)),
        (to) => to.startsWith('src/gateway/'),
      ),
      [],
    );
  });

  it('core imports nothing of ours outside core', () => {
    assert.deepEqual(
      violations(
        graph,
        (f) => f.startsWith('src/core/'),
        (to) => ours(to) && !to.startsWith('src/core/'),
      ),
      [],
    );
  });

  it('channel adapters do not import each other (only core and src/channels/ shared parts)', () => {
    const platform = (f: string) => /^src\/channels\/[^/]+\//.exec(f)?.[0];
    const shared = (f: string) => f.startsWith('src/channels/shared/') || /^src\/channels\/[^/]+\.ts$/.test(f);
    const found: string[] = [];
    for (const [file, edges] of graph) {
      const own = platform(file);
      if (!own || own === 'src/channels/shared/') continue;
      for (const e of edges)
        if (e.to.startsWith('src/channels/') && !shared(e.to) && !e.to.startsWith(own)) found.push(`${file} → ${e.to}`);
    }
    assert.deepEqual(found, []);
  });

  it('voice does not import the channels, ops does not import the engine', () => {
    assert.deepEqual(
      violations(
        graph,
        (f) => f.startsWith('src/voice/'),
        (to) => to.startsWith('src/channels/'),
      ),
      [],
    );
    assert.deepEqual(
      violations(
        graph,
        (f) => f.startsWith('src/ops/'),
        (to) => to.startsWith('src/engine/'),
      ),
      [],
    );
  });

  it('there is no import cycle', () => {
    assert.deepEqual(importCycles(graph), []);
  });

  it('the cycle check finds a cycle when there is one', () => {
    const g: ImportGraph = new Map([
      ['src/a.ts', [{ to: 'src/b.ts', dynamic: false }]],
      ['src/b.ts', [{ to: 'src/c.ts', dynamic: false }]],
      ['src/c.ts', [{ to: 'src/a.ts', dynamic: false }]],
      ['src/d.ts', [{ to: 'src/a.ts', dynamic: true }]],
    ]);
    assert.deepEqual(importCycles(g), [['src/a.ts', 'src/b.ts', 'src/c.ts']]);
    g.set('src/a.ts', [{ to: 'src/d.ts', dynamic: false }]);
    assert.deepEqual(importCycles(g), [], 'a lazy import() is not a load-time cycle');
  });
});
