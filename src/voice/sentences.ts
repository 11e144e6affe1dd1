/**
 * Cuts a streamed answer into sentences so speech can start as soon as the first one is complete,
 * instead of waiting for the whole answer.
 */

/** Sentence end: . ! ? … (optionally closing quotes/brackets) followed by space, or a line break. */
const BOUNDARY = /([.!?…]+["')\]]*)(\s+)|\n+/g;

export class SentenceSplitter {
  private buffer = '';

  /** Adds streamed text; returns the sentences it completed. */
  push(delta: string): string[] {
    this.buffer += delta;
    const out: string[] = [];
    let last = 0;
    BOUNDARY.lastIndex = 0;
    for (let m = BOUNDARY.exec(this.buffer); m; m = BOUNDARY.exec(this.buffer)) {
      const end = m.index + (m[1]?.length ?? 0);
      const sentence = this.buffer.slice(last, end).trim();
      // "e.g. " or "3. " are not sentence ends worth a pause: require a few letters first.
      if (sentence.length >= 3 || m[0].includes('\n')) {
        if (sentence) out.push(sentence);
        last = m.index + m[0].length;
      }
    }
    this.buffer = this.buffer.slice(last);
    return out;
  }

  /** Whatever is left when the answer is done. */
  flush(): string[] {
    const rest = this.buffer.trim();
    this.buffer = '';
    return rest ? [rest] : [];
  }
}

/** Removes what should not be read aloud: Markdown markers, code fences, URLs. */
export function speakable(text: string): string {
  return text
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\[([^\]]+)\]\([^)]+\)/g, '$1')
    .replace(/https?:\/\/\S+/g, 'a link')
    .replace(/[*_#>~|]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
