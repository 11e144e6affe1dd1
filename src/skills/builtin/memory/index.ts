/**
 * Built-in per-conversation memory: facts the user asked the assistant to remember in this
 * conversation, kept in the history store (encrypted with the message bodies when that is on) and
 * put in every prompt of the conversation by the engine. The per-user notes skill is separate:
 * notes follow the user everywhere and are read only when asked for.
 */
import { randomUUID } from 'node:crypto';
import { parseManifest } from '../../manifest.js';
import { stringArg, type BuiltinSkill } from '../builtin-skill.js';

const maxMemoriesPerConversation = 100;
const maxMemoryChars = 500;

export const memory: BuiltinSkill = {
  manifest: parseManifest({
    name: 'memory',
    version: '1.0.0',
    description: 'Facts to remember in this conversation',
    runtime: 'in-process',
    entry: '(built-in)',
    triggers: ['remember', 'forget', 'memor', "don't forget", 'keep in mind', '记住', '忘记'],
    tools: [
      {
        name: 'memory_save',
        description:
          'Remember a fact for the rest of this conversation, when the user asks you to (it is shown to you on every turn)',
        parameters: { type: 'object', properties: { fact: { type: 'string' } }, required: ['fact'] },
      },
      {
        name: 'memory_forget',
        description: 'Forget a remembered fact of this conversation, by its id',
        parameters: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
      },
    ],
  }),
  create: (deps) => ({
    execute: async ({ tool, arguments: args, context }) => {
      const store = deps.memories;
      if (!store) return { content: 'Memory is not available here.', isError: true };
      const { conversationId } = context;
      if (tool === 'memory_forget') {
        const id = stringArg(args, 'id').trim();
        return (await store.deleteMemory(conversationId, id))
          ? `Forgot memory ${id}.`
          : { content: `No memory ${id} in this conversation.`, isError: true };
      }
      const fact = stringArg(args, 'fact').trim().slice(0, maxMemoryChars);
      if ((await store.listMemories(conversationId)).length >= maxMemoriesPerConversation)
        return {
          content: `At most ${maxMemoriesPerConversation} memories per conversation; forget some first.`,
          isError: true,
        };
      const id = randomUUID().slice(0, 8);
      await store.addMemory({ id, conversationId, userId: context.userId, content: fact, createdAt: Date.now() });
      return `Remembered (memory ${id}).`;
    },
  }),
};
