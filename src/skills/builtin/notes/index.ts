/** Built-in notes: a per-user memory the assistant can save to, search and prune. */
import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { PersonalDataSource } from '../../../core/personal-data.js';
import { parseManifest } from '../../manifest.js';
import { builtinDataDir, stringArg, type BuiltinSkill } from '../builtin-skill.js';
import { JsonFile } from '../json-file.js';

interface Note {
  id: string;
  text: string;
  createdAt: number;
}

const maxNotesPerUser = 500;
const maxNoteChars = 2_000;

/**
 * One `JsonFile` per notes file in this process, shared by the skill and the privacy service, so
 * a deletion queues behind a save under way instead of being overwritten by it.
 */
const openFiles = new Map<string, JsonFile<Note[]>>();

/** A user's notes file in `dir`, named by a hash so user ids never become paths. */
function notesFile(dir: string, userId: string): JsonFile<Note[]> {
  const path = join(dir, `${createHash('sha256').update(userId).digest('hex').slice(0, 32)}.json`);
  let f = openFiles.get(path);
  if (!f) openFiles.set(path, (f = new JsonFile<Note[]>(path, () => [])));
  return f;
}

/** The notes of each user, for per-user export and deletion (`dataDir`: Hearth's data folder). */
export function notesData(dataDir: string): PersonalDataSource {
  const dir = builtinDataDir(dataDir, 'notes');
  return {
    name: 'notes',
    export: (userId) => notesFile(dir, userId).read(),
    // The file is left holding `[]`: removing it could race a save queued behind this update.
    delete: (userId) => notesFile(dir, userId).update((list) => list.splice(0).length),
  };
}

export const notes: BuiltinSkill = {
  manifest: parseManifest({
    name: 'notes',
    version: '1.0.0',
    description: 'Per-user notes and memory',
    runtime: 'in-process',
    entry: '(built-in)',
    triggers: [
      'note',
      'remember',
      'memo',
      'forget',
      'recall',
      'wrote down',
      'what did i',
      'list',
      '记住',
      '笔记',
      '备忘',
    ],
    tools: [
      {
        name: 'note_save',
        description: "Save a note to the user's memory",
        parameters: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
      },
      {
        name: 'note_list',
        description: "List the user's notes, optionally those containing a word",
        parameters: { type: 'object', properties: { query: { type: 'string' } } },
      },
      {
        name: 'note_delete',
        description: 'Delete a note by id',
        parameters: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
      },
    ],
  }),
  create: (deps) => {
    const fileOf = (userId: string) => notesFile(deps.dataDir, userId);
    return {
      execute: async ({ tool, arguments: args, context }) => {
        const file = fileOf(context.userId);
        if (tool === 'note_save') {
          const text = stringArg(args, 'text').slice(0, maxNoteChars);
          const id = randomUUID().slice(0, 8);
          await file.update((list) => {
            if (list.length >= maxNotesPerUser) throw new Error(`at most ${maxNotesPerUser} notes; delete some first`);
            list.push({ id, text, createdAt: Date.now() });
          });
          return `Saved note ${id}.`;
        }
        if (tool === 'note_delete') {
          const id = stringArg(args, 'id');
          const removed = await file.update((list) => {
            const i = list.findIndex((n) => n.id === id);
            if (i >= 0) list.splice(i, 1);
            return i >= 0;
          });
          return removed ? `Deleted note ${id}.` : { content: `No note ${id}.`, isError: true };
        }
        const query = typeof args.query === 'string' ? args.query.toLowerCase() : '';
        const list = (await file.read()).filter((n) => !query || n.text.toLowerCase().includes(query));
        if (list.length === 0) return 'No notes.';
        return list.map((n) => `[${n.id}] ${new Date(n.createdAt).toISOString().slice(0, 10)} ${n.text}`).join('\n');
      },
    };
  },
};
