/**
 * The grammar mode's files: a JSGF grammar of the configured command phrases and a dictionary cut
 * down to their words. A small dictionary is what makes the recognizer start in ~50 ms instead of
 * seconds, so it can run once per utterance.
 */
import { readFileSync } from 'node:fs';
import { ErrorCode, HearthError } from '../../../core/errors.js';

/** Lower-case words without punctuation, the way the dictionary spells them. */
export function phraseWords(phrase: string): string[] {
  return phrase
    .toLowerCase()
    .replace(/[^a-z0-9' ]+/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
}

/** A JSGF grammar accepting exactly one of the phrases. */
export function jsgfOf(phrases: string[]): string {
  const alternatives = phrases.map((p) => phraseWords(p).join(' ')).filter(Boolean);
  if (alternatives.length === 0)
    throw new HearthError(ErrorCode.config, 'voice.asr.phrases must list at least one phrase in grammar mode', 400);
  return `#JSGF V1.0;\ngrammar hearth;\npublic <phrase> = ${[...new Set(alternatives)].join(' | ')};\n`;
}

/** The lines of the full dictionary (pronunciation variants included) for the phrases' words. */
export function dictionaryFor(phrases: string[], fullDictFile: string): string {
  const words = new Set(phrases.flatMap(phraseWords));
  const lines: string[] = [];
  const found = new Set<string>();
  for (const line of readFileSync(fullDictFile, 'utf8').split('\n')) {
    const space = line.indexOf(' ');
    if (space < 0) continue;
    const word = line.slice(0, space).replace(/\(\d+\)$/, '');
    if (words.has(word)) {
      lines.push(line);
      found.add(word);
    }
  }
  const missing = [...words].filter((w) => !found.has(w));
  if (missing.length) {
    throw new HearthError(
      ErrorCode.config,
      `voice.asr.phrases use words the pronunciation dictionary lacks: ${missing.join(', ')}`,
      400,
    );
  }
  return lines.join('\n') + '\n';
}
