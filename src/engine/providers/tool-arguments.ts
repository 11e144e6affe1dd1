/**
 * Tool-call arguments travel as JSON text in Hearth (`ToolCall.arguments`, as Chat Completions
 * sends them); Anthropic and Ollama want the parsed object instead. Both accept only an object,
 * so this one rule decides what a malformed or non-object argument text becomes for them.
 */

/** Tool-call arguments as a JSON object; empty text is `{}`, and text that is not a JSON object becomes `{}`. */
export function parseToolArguments(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text || '{}');
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
