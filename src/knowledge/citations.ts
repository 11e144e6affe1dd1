/**
 * What the model and the user see of retrieved passages: the context block placed in the prompt,
 * the sources Hearth appends to the reply (so citing never depends on the model obeying), and the
 * plain "no answer" reply. Pure functions.
 */
import type { RetrievedPassage } from './retrieval.js';

export interface Source {
  n: number;
  title: string;
  section: string;
  page?: number;
  url?: string;
}

/** "Title — Section (p. 3)". */
export function sourceLabel(s: Pick<Source, 'title' | 'section' | 'page'>): string {
  const section = s.section && s.section !== s.title ? ` — ${s.section}` : '';
  return `${s.title}${section}${s.page ? ` (p. ${s.page})` : ''}`;
}

/** Numbers the passages' sources: passages of one document section share a number. */
export function numberSources(passages: RetrievedPassage[]): { sources: Source[]; numberOf: number[] } {
  const sources: Source[] = [];
  const byKey = new Map<string, number>();
  const numberOf = passages.map((p) => {
    const key = `${p.documentId}\u0000${p.section}`;
    let n = byKey.get(key);
    if (n === undefined) {
      n = sources.length + 1;
      byKey.set(key, n);
      sources.push({
        n,
        title: p.title,
        section: p.section,
        ...(p.page ? { page: p.page } : {}),
        ...(p.url ? { url: p.url } : {}),
      });
    }
    return n;
  });
  return { sources, numberOf };
}

/** The system block holding the passages, each headed by its source number and label. */
export function contextBlock(passages: RetrievedPassage[], numberOf: number[], sources: Source[]): string {
  const parts = passages.map((p, i) => `[${numberOf[i]}] ${sourceLabel(sources[numberOf[i] - 1])}\n${p.text}`);
  return (
    'Answer from the knowledge base passages below; cite them by number, like [1]. ' +
    'If they do not contain the answer, say that the knowledge base has no answer instead of guessing.\n\n' +
    parts.join('\n\n')
  );
}

/** The sources line appended to the reply: titles and sections, as Markdown links where there is a URL. */
export function sourcesText(sources: Source[]): string {
  if (sources.length === 0) return '';
  const lines = sources.map((s) => {
    const label = sourceLabel(s);
    return `[${s.n}] ${s.url ? `[${label}](${s.url})` : label}`;
  });
  return `\n\nSources:\n${lines.join('\n')}`;
}

/** The reply when no passage of the agent's collections is relevant enough (strict mode). */
export function noAnswerText(collections: string[]): string {
  const names = collections.map((c) => `"${c}"`).join(', ');
  return `No answer in ${names}: the knowledge base has no passage that answers this question, so I won't guess. Try rephrasing, or ask an operator to add the document that covers it.`;
}
