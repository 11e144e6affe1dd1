/**
 * Built-in canvas: the assistant draws on a live room (everyone in it sees the shapes appear) and
 * reads one back as a list of elements plus a PNG (an image attachment, for vision models and for
 * the user). It works on the room registry of its own process, which in the scaled shape is an
 * engine's: edits reach the gateways' browsers through the room log and the bus.
 */
import { createHash } from 'node:crypto';
import type { Attachment } from '../../../core/message.js';
import { newElementId, parseElement, type CanvasElement } from '../../../canvas/model/shapes.js';
import { renderPng } from '../../../canvas/render/png.js';
import { ROOM_NAME } from '../../../canvas/room-name.js';
import { parseManifest } from '../../manifest.js';
import type { BuiltinSkill } from '../builtin-skill.js';

/** Most elements one call may add: a diagram, not a flood. */
const MAX_ELEMENTS_PER_CALL = 200;

const elementSchema = {
  type: 'object',
  properties: {
    type: { enum: ['stroke', 'rect', 'ellipse', 'line', 'arrow', 'text'] },
    x: { type: 'number' },
    y: { type: 'number' },
    w: { type: 'number' },
    h: { type: 'number' },
    points: { type: 'array', items: { type: 'number' }, description: 'stroke: x,y,x,y…; line/arrow: x1,y1,x2,y2' },
    text: { type: 'string' },
    color: { type: 'string' },
    fill: { type: 'string' },
    width: { type: 'number' },
    size: { type: 'number' },
  },
  required: ['type'],
};

/** The conversation's own room when the model names none: stable, and not guessable from the chat id. */
function defaultRoom(conversationId: string): string {
  return `chat-${createHash('sha256').update(conversationId).digest('hex').slice(0, 16)}`;
}

function roomArg(args: Record<string, unknown>, conversationId: string): string {
  const room = typeof args.room === 'string' && args.room.trim() ? args.room.trim() : defaultRoom(conversationId);
  if (!ROOM_NAME.test(room)) throw new Error('room names are 1-64 letters, digits, - or _');
  return room;
}

/** The model's element descriptions, checked; the first bad one is named so the model can fix it. */
function elementsArg(args: Record<string, unknown>): CanvasElement[] {
  const list = args.elements;
  if (!Array.isArray(list) || list.length === 0) throw new Error('"elements" must be a non-empty array');
  if (list.length > MAX_ELEMENTS_PER_CALL) throw new Error(`at most ${MAX_ELEMENTS_PER_CALL} elements per call`);
  return list.map((raw, i) => {
    const el = parseElement({ color: '#1e1e1e', width: 3, ...(raw as object), id: newElementId() });
    if (!el)
      throw new Error(
        `element ${i} is not valid: rect/ellipse need x, y, w, h; text needs x, y, text; stroke needs points; line/arrow need 4 points`,
      );
    return el;
  });
}

export const canvas: BuiltinSkill = {
  manifest: parseManifest({
    name: 'canvas',
    version: '1.0.0',
    description: 'Draw on and read live canvas rooms',
    runtime: 'in-process',
    entry: '(built-in)',
    triggers: ['canvas', 'draw', 'sketch', 'diagram', 'whiteboard', '画', '白板'],
    tools: [
      {
        name: 'canvas_draw',
        description:
          'Add shapes, strokes or text to a live canvas room (pixels, origin top-left); answers with the room link',
        parameters: {
          type: 'object',
          properties: {
            room: { type: 'string' },
            elements: { type: 'array', items: elementSchema },
            clear: { type: 'boolean', description: 'erase the room first' },
          },
          required: ['elements'],
        },
      },
      {
        name: 'canvas_read',
        description: "List a canvas room's elements, with a PNG of it",
        parameters: { type: 'object', properties: { room: { type: 'string' } } },
      },
    ],
  }),
  create: (deps) => ({
    execute: async ({ tool, arguments: args, context }) => {
      const service = deps.canvas;
      if (!service) return { content: 'The canvas is disabled on this server (canvas.enabled: false).', isError: true };
      const room = roomArg(args, context.conversationId);
      if (tool === 'canvas_draw') {
        const elements = elementsArg(args);
        // Yjs is loaded with the first canvas room, not at start.
        const { elementsOf, storedElement } = await import('../../../canvas/model/elements.js');
        const total = await service.rooms.edit(room, (doc) => {
          const list = elementsOf(doc);
          if (args.clear === true) list.delete(0, list.length);
          list.push(elements.map(storedElement));
          return list.length;
        });
        return `Drew ${elements.length} element(s) in room ${room} (${total} in all): ${service.roomUrl(room)}`;
      }
      const elements = await service.rooms.elements(room);
      const attachments: Attachment[] = [];
      if (deps.blobs) {
        const png = renderPng(elements, 1024);
        const fileName = `${room}.png`;
        const blobKey = `canvas/${room}/${Date.now()}.png`;
        await deps.blobs.put(blobKey, png, { mimeType: 'image/png', fileName });
        attachments.push({
          kind: 'image',
          blobKey,
          mimeType: 'image/png',
          fileName,
          size: png.length,
          description: `Rendering of canvas room ${room}`,
        });
      }
      const listed = elements.map(({ id: _id, ...rest }) => rest);
      return {
        content: `Room ${room} (${service.roomUrl(room)}) has ${elements.length} element(s):\n${JSON.stringify(listed)}`,
        attachments,
      };
    },
  }),
};
