/** MQTT topic rules (MQTT 3.1.1 §4.7): filter matching and the checks a publish topic must pass. */

/** Whether `topic` matches the filter `filter` (`+` one level, `#` the rest, `$`-topics only explicitly). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  // Wildcards at the first level never match system topics like $SYS/… (§4.7.2).
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** Whether the topic is covered by one of the allowed filters. */
export function topicAllowed(topic: string, allowTopics: readonly string[]): boolean {
  return allowTopics.some((f) => topicMatches(f, topic));
}

/** Why a topic cannot be published to or read, or undefined when it is a plain topic name. */
export function topicProblem(topic: string): string | undefined {
  if (topic.length === 0) return 'the topic is empty';
  if (Buffer.byteLength(topic) > 65_535) return 'the topic is longer than MQTT allows';
  if (/[+#]/.test(topic)) return 'a topic to publish to or read cannot contain the wildcards + or #';
  if (topic.includes('\u0000')) return 'the topic contains a NUL character';
  return undefined;
}
