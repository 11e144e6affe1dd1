/**
 * Text as the keyword index sees it, the same for stored chunks and for questions. Two things a
 * plain Unicode word tokenizer (FTS5 unicode61, PostgreSQL's parser) gets wrong:
 *   - Chinese and Japanese are written without spaces, so a whole clause would be one "word" and
 *     a question would only match a passage holding that exact clause. CJK runs are cut into words
 *     by the ICU dictionary segmenter Node ships (`Intl.Segmenter`), and the words spaced apart.
 *   - Documentation names options in camelCase (`connectionTimeout`); a user asks about the
 *     "connection timeout". Such identifiers are kept and followed by their parts.
 * The stored passage text is never changed: this is only what gets indexed and searched.
 */
import { stemmer } from 'stemmer';

/** Han, kana and hangul runs (with the iteration mark and prolonged sound mark). */
const CJK_CHARS = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}\\u3005\\u30fc';
const CJK_RUN = new RegExp(`[${CJK_CHARS}]+`, 'gu');
const CJK_ANY = new RegExp(`[${CJK_CHARS}]`, 'u');
const KANA = /[\p{Script=Hiragana}\p{Script=Katakana}]/u;
const HANGUL = /\p{Script=Hangul}/u;

/** An identifier with an inner capital: fooBar, getHTTPServer, onRequestAbort. */
const CAMEL = /\b[\p{Ll}\p{Lu}][\p{Ll}\p{N}]*\p{Lu}[\p{L}\p{N}]*\b/gu;

const segmenters = new Map<string, Intl.Segmenter>();
function segmenter(locale: string): Intl.Segmenter {
  let s = segmenters.get(locale);
  if (!s) segmenters.set(locale, (s = new Intl.Segmenter(locale, { granularity: 'word' })));
  return s;
}

/** The words of one CJK run, by dictionary segmentation. */
export function cjkWords(run: string): string[] {
  const locale = KANA.test(run) ? 'ja' : HANGUL.test(run) ? 'ko' : 'zh';
  const out: string[] = [];
  for (const s of segmenter(locale).segment(run)) if (s.isWordLike) out.push(s.segment);
  return out;
}

/** The parts of a camelCase identifier: "getHTTPServer" → get, HTTP, Server. */
export function camelParts(word: string): string[] {
  return word.split(/(?<=[\p{Ll}\p{N}])(?=\p{Lu})|(?<=\p{Lu})(?=\p{Lu}\p{Ll})/u).filter(Boolean);
}

/** The indexed (and searched) form of a text: CJK words spaced apart, camelCase identifiers followed by their parts. */
export function searchForm(text: string): string {
  if (!text) return text;
  let out = text.normalize('NFKC');
  if (CJK_ANY.test(out)) out = out.replace(CJK_RUN, (run) => ` ${cjkWords(run).join(' ')} `);
  return out.replace(CAMEL, (word) => {
    const parts = camelParts(word);
    return parts.length > 1 ? `${word} ${parts.join(' ')}` : word;
  });
}

/** Whether a word is written in a CJK script (one character can be a whole word there). */
export function isCjk(word: string): boolean {
  return CJK_ANY.test(word);
}

const stems = new Map<string, string>();

/**
 * The Porter stem of a lowercased word (the same stemmer as FTS5's `porter` tokenizer), memoized:
 * the keyword index and the feedback ranking stem the same words over and over.
 */
export function porterStem(word: string): string {
  let s = stems.get(word);
  if (s === undefined) {
    s = stemmer(word);
    if (stems.size > 50_000) stems.clear();
    stems.set(word, s);
  }
  return s;
}
