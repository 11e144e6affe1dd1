/**
 * Where encrypted values live, seen from key rotation: any store holding encrypted fields
 * (the secret store below, the history store's message bodies, …) implements `EncryptedFieldSource`
 * so `hearth keys rotate` can re-encrypt it without knowing its schema.
 */
export interface EncryptedField {
  id: string;
  value: string;
  /** The associated-data context the value was encrypted with. */
  context: string;
}

export interface EncryptedFieldSource {
  name: string;
  /** Every stored encrypted value (plaintext values may be included; rotation encrypts them). */
  fields(): AsyncIterable<EncryptedField> | Iterable<EncryptedField>;
  /** Replaces a value only if it still equals `expected` (a concurrent write wins); returns whether it did. */
  replace(id: string, expected: string, value: string): Promise<boolean>;
}
