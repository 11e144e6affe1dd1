/**
 * Builds the prompt for one turn: a short system prompt, the history window that fits the agent's
 * token budget, and the user's message (with images for vision models, other files described).
 */
import type { Attachment, HistoryTurn, Message } from '../core/message.js';
import type { ChatMessage, ImagePart } from '../core/model-provider.js';
import type { BlobStore, StoredMessage } from '../core/stores.js';

/**
 * Kept deliberately short: prompt tokens are what users of assistants like this pay for most, and a
 * trivial turn must stay far below 1,500 prompt tokens (SPEC §3).
 */
export const DEFAULT_SYSTEM_PROMPT = 'You are Hearth, a helpful personal assistant. Answer concisely and accurately.';

/**
 * Rough token count: ~4 characters per token for English text plus a little per-message framing.
 * Used only to size the history window; billed usage comes from the provider's own counts.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4) + 4;
}

/** A short text description of an attachment, for models that cannot see it. */
export function describeAttachment(a: Attachment): string {
  const name = a.fileName ? ` "${a.fileName}"` : '';
  const size = a.size ? `, ${Math.max(1, Math.round(a.size / 1024))} KB` : '';
  const desc = a.description ? `: ${a.description}` : '';
  return `[${a.kind}${name}${a.mimeType ? ` (${a.mimeType}${size})` : ''}${desc}]`;
}

/** The user's text with non-image attachments described inline. */
export function userText(m: Pick<Message, 'text' | 'attachments' | 'kind' | 'value'>): string {
  const parts: string[] = [];
  if (m.kind === 'action' && m.value) parts.push(`[pressed button: ${m.value}]`);
  if (m.text) parts.push(m.text);
  for (const a of m.attachments) if (a.kind !== 'image' || !a.blobKey) parts.push(describeAttachment(a));
  return parts.join('\n');
}

/** Loads image attachments from the blob store for vision-capable models. */
export async function loadImages(
  attachments: Attachment[],
  blobs: BlobStore,
  maxBytes = 5 * 1024 * 1024,
): Promise<ImagePart[]> {
  const out: ImagePart[] = [];
  for (const a of attachments) {
    if (a.kind !== 'image' || !a.blobKey) continue;
    const data = await blobs.get(a.blobKey);
    if (data && data.length <= maxBytes)
      out.push({ mimeType: a.mimeType ?? 'image/jpeg', data: data.toString('base64') });
  }
  return out;
}

/** Limits on reading attached documents (config `knowledge.attachments`). */
export interface DocumentLimits {
  maxBytes: number;
  maxTokens: number;
}

/**
 * Reads document attachments (PDF, DOCX, HTML, Markdown, text) with the knowledge base's
 * extractors, for this turn's user message; one that cannot be read is named with the reason.
 * The extractors load only when a document is attached.
 */
export async function loadDocuments(
  attachments: Attachment[],
  blobs: BlobStore,
  limits: DocumentLimits = { maxBytes: 25 * 1024 * 1024, maxTokens: 6000 },
): Promise<string> {
  const docs = attachments.filter((a) => a.kind === 'document' && a.blobKey);
  if (docs.length === 0) return '';
  const { attachmentText } = await import('../knowledge/attachment-text.js');
  const out: string[] = [];
  for (const a of docs) {
    const name = a.fileName ?? 'document';
    try {
      if ((a.size ?? 0) > limits.maxBytes) throw new Error(`larger than ${limits.maxBytes} bytes`);
      const data = await blobs.get(a.blobKey!);
      if (!data) throw new Error('the file is no longer stored');
      if (data.length > limits.maxBytes) throw new Error(`larger than ${limits.maxBytes} bytes`);
      out.push(await attachmentText({ fileName: name, mimeType: a.mimeType, data }, limits.maxTokens));
    } catch (err) {
      out.push(
        `<document name="${name.replaceAll('"', "'")}">[could not be read: ${(err as Error).message}]</document>`,
      );
    }
  }
  return out.join('\n\n');
}

/**
 * System prompt, then earlier turns (stored window or client-supplied), then this turn's user message.
 * A client's own system messages (the OpenAI-compatible API) join the agent's in the one system
 * message at the top: many models accept only one, and only first.
 */
export function buildPrompt(
  systemPrompt: string,
  history: Array<Pick<StoredMessage, 'role' | 'content'> | HistoryTurn>,
  text: string,
  images: ImagePart[],
): ChatMessage[] {
  const system = [
    systemPrompt,
    ...history.filter((h) => h.role === 'system' && h.content.trim()).map((h) => h.content),
  ].join('\n\n');
  const messages: ChatMessage[] = [{ role: 'system', content: system }];
  for (const h of history) {
    if (h.role === 'user' || h.role === 'assistant') messages.push({ role: h.role, content: h.content });
    // A client's earlier tool round (the OpenAI-compatible API) keeps its calls and results.
    if ('toolCalls' in h && h.toolCalls?.length) Object.assign(messages.at(-1)!, { toolCalls: h.toolCalls });
    if ('toolCallId' in h) messages.push({ role: 'tool', toolCallId: h.toolCallId, name: h.name, content: h.content });
  }
  messages.push(images.length ? { role: 'user', content: text, images } : { role: 'user', content: text });
  return messages;
}
