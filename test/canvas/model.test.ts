/**
 * The pure parts of the canvas: element checks (what a peer or the model writes cannot break a
 * reader), the update check that guards rooms, the SVG export, and the eraser's hit test.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as Y from 'yjs';
import {
  elementsOf,
  hitsElement,
  parseElement,
  readElements,
  removeElements,
  storedElement,
  type CanvasElement,
} from '../../src/canvas/model/elements.js';
import { renderSvg } from '../../src/canvas/render/svg.js';
import { checkUpdate } from '../../src/canvas/update-check.js';
import { decodeClientMessage, MalformedMessage } from '../../src/canvas/wire.js';

describe('canvas elements', () => {
  it('accepts each element type and normalizes a shape dragged up and left', () => {
    assert.deepEqual(parseElement({ id: 'a', type: 'rect', x: 100, y: 100, w: -40, h: -20, color: '#abc', width: 2 }), {
      id: 'a',
      type: 'rect',
      color: '#abc',
      width: 2,
      x: 60,
      y: 80,
      w: 40,
      h: 20,
    });
    assert.ok(parseElement({ id: 'b', type: 'arrow', points: [0, 0, 5, 5] }));
    assert.ok(parseElement({ id: 'c', type: 'text', x: 1, y: 2, text: 'hi' }));
    assert.ok(parseElement({ id: 'd', type: 'stroke', points: [1, 2] }));
  });

  it('refuses what would break a reader: bad ids, types, numbers, point counts, colours', () => {
    assert.equal(parseElement({ id: '../x', type: 'rect', x: 0, y: 0, w: 1, h: 1 }), undefined);
    assert.equal(parseElement({ id: 'a', type: 'script', x: 0, y: 0 }), undefined);
    assert.equal(parseElement({ id: 'a', type: 'rect', x: NaN, y: 0, w: 1, h: 1 }), undefined);
    assert.equal(parseElement({ id: 'a', type: 'rect', x: 1e12, y: 0, w: 1, h: 1 }), undefined);
    assert.equal(parseElement({ id: 'a', type: 'line', points: [0, 0, 1] }), undefined);
    assert.equal(parseElement({ id: 'a', type: 'stroke', points: Array(20_002).fill(1) }), undefined);
    assert.equal(parseElement({ id: 'a', type: 'text', x: 0, y: 0, text: '' }), undefined);
    // A colour that is not one falls back to the default instead of reaching SVG or canvas.
    assert.equal(
      parseElement({ id: 'a', type: 'rect', x: 0, y: 0, w: 1, h: 1, color: 'red" onload="x' })!.color,
      '#1e1e1e',
    );
  });

  it('reads plain and stroke elements back from a document, skipping junk, and removes by id', () => {
    const doc = new Y.Doc();
    const list = elementsOf(doc);
    list.push([storedElement({ id: 's', type: 'stroke', color: '#000', width: 2, points: [0, 0, 3, 4] })]);
    list.push([storedElement({ id: 'r', type: 'rect', color: '#000', width: 2, x: 0, y: 0, w: 5, h: 5 })]);
    list.push([{ nonsense: true } as never, 'text' as never]);
    assert.deepEqual(
      readElements(doc).map((e) => e.id),
      ['s', 'r'],
    );
    assert.deepEqual(readElements(doc)[0]!.points, [0, 0, 3, 4]);
    assert.equal(removeElements(doc, new Set(['s'])), 1);
    assert.deepEqual(
      readElements(doc).map((e) => e.id),
      ['r'],
    );
  });

  it('hit-tests strokes, outlines and filled shapes for the eraser', () => {
    const line: CanvasElement = { id: 'l', type: 'stroke', color: '#000', width: 2, points: [0, 0, 100, 0] };
    assert.ok(hitsElement(line, 50, 3, 4));
    assert.ok(!hitsElement(line, 50, 20, 4));
    const box: CanvasElement = { id: 'b', type: 'rect', color: '#000', width: 2, x: 0, y: 0, w: 100, h: 100 };
    assert.ok(hitsElement(box, 0, 50, 4));
    assert.ok(!hitsElement(box, 50, 50, 4), 'an outline is not hit in its middle');
    assert.ok(hitsElement({ ...box, fill: '#fff' }, 50, 50, 4), 'a filled shape is');
  });
});

describe('canvas update check', () => {
  const updateOf = (build: (doc: Y.Doc) => void) => {
    const doc = new Y.Doc();
    build(doc);
    return Y.encodeStateAsUpdate(doc);
  };

  it('accepts updates to the elements list and flags empty ones', () => {
    assert.deepEqual(
      checkUpdate(
        updateOf((d) => elementsOf(d).push([{ id: 'x' }])),
        1000,
      ),
      { ok: true, empty: false },
    );
    assert.deepEqual(
      checkUpdate(
        updateOf(() => undefined),
        1000,
      ),
      { ok: true, empty: true },
    );
  });

  it('refuses oversized, undecodable and foreign-root updates', () => {
    assert.equal(
      (
        checkUpdate(
          updateOf((d) => elementsOf(d).push([{ id: 'x'.repeat(2000) }])),
          1000,
        ) as { reason: string }
      ).reason,
      'too-large',
    );
    assert.equal(
      (checkUpdate(new Uint8Array([1, 1, 200, 200, 200, 200, 9]), 1000) as { reason: string }).reason,
      'malformed',
    );
    assert.equal(
      (
        checkUpdate(
          updateOf((d) => d.getText('elsewhere').insert(0, 'hi')),
          1000,
        ) as { reason: string }
      ).reason,
      'foreign-root',
    );
  });

  it('parses the y-websocket framing strictly', () => {
    assert.deepEqual(decodeClientMessage(new Uint8Array([3])), { kind: 'query-awareness' });
    assert.throws(() => decodeClientMessage(new Uint8Array([9])), MalformedMessage);
    assert.throws(() => decodeClientMessage(new Uint8Array([3, 0])), MalformedMessage, 'trailing bytes');
    assert.throws(() => decodeClientMessage(new Uint8Array([])), MalformedMessage);
  });
});

describe('canvas SVG export', () => {
  it('draws each element and escapes text', () => {
    const svg = renderSvg([
      { id: 'a', type: 'ellipse', color: '#1971c2', width: 2, x: 0, y: 0, w: 100, h: 50, fill: '#d0ebff' },
      { id: 'b', type: 'arrow', color: '#000', width: 2, points: [0, 100, 200, 100] },
      {
        id: 'c',
        type: 'text',
        color: '#000',
        width: 1,
        x: 10,
        y: 200,
        text: '</svg><script>alert(1)</script>\nline 2',
        size: 20,
      },
      { id: 'd', type: 'stroke', color: '#e03131', width: 4, points: [0, 0, 10, 10, 20, 0] },
    ]);
    assert.match(svg, /<ellipse cx="50" cy="25" rx="50" ry="25" fill="#d0ebff" stroke="#1971c2"/);
    assert.match(svg, /<path d="M0 100L200 100M/);
    assert.match(svg, /<path d="M0 0L10 10L20 0" fill="none" stroke="#e03131" stroke-width="4"/);
    assert.ok(!svg.includes('<script>'));
    assert.match(svg, /&lt;\/svg&gt;&lt;script&gt;/);
    assert.match(svg, /<tspan x="10" dy="24">line 2<\/tspan>/);
    // The view box covers everything drawn (the arrow head reaches left of x=0), padded by 20.
    assert.match(svg, /viewBox="-29 -22 /);
  });

  it('an empty room exports a blank page', () => {
    assert.match(renderSvg([]), /width="800" height="600"/);
  });
});
