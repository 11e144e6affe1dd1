/**
 * Checks a skill's settings (`skills.config.<name>`) against the JSON Schema its manifest declares
 * (`configSchema`) before the skill starts, so a typo in the config is a clear load error naming
 * the skill, the key and the reason instead of a confusing failure inside the skill later.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { ErrorCode, HearthError } from '../core/errors.js';
import type { SkillManifest } from './manifest.js';

const ajv = new Ajv({ allErrors: true, strict: false });

/** `skills.config.<skill>.<key path>` for one schema error. */
function keyOf(skill: string, e: ErrorObject): string {
  const path = e.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
  const missing = (e.params as { missingProperty?: string }).missingProperty;
  const extra = (e.params as { additionalProperty?: string }).additionalProperty;
  if (missing) path.push(missing);
  if (extra) path.push(extra);
  return ['skills.config', skill, ...path].join('.');
}

/** Throws HEARTH_E_SKILL_INVALID when `config` does not satisfy the manifest's `configSchema`. */
export function checkSkillConfig(manifest: SkillManifest, config: Record<string, unknown>): void {
  if (!manifest.configSchema) return;
  let validate;
  try {
    validate = ajv.compile(manifest.configSchema);
  } catch (err) {
    throw new HearthError(
      ErrorCode.skillInvalid,
      `skill ${manifest.name}: its configSchema is not a valid JSON Schema: ${(err as Error).message}`,
      400,
    );
  }
  if (validate(config)) return;
  const why = (validate.errors ?? []).map((e) => `${keyOf(manifest.name, e)}: ${e.message ?? 'invalid'}`).join('; ');
  throw new HearthError(ErrorCode.skillInvalid, `skill ${manifest.name} has invalid settings: ${why}`, 400);
}
