/**
 * Built-in Home Assistant over its REST API: `ha_list` (entities and states, narrowed to what the
 * turn is about so the prompt stays small), `ha_state` (one entity) and `ha_call_service`
 * (sensitive: it drives devices). Entities may be named in the user's words: a `home.devices`
 * alias, or the entity's friendly name.
 */
import { deviceTriggers, findDevice, normalizeName } from '../../../home/devices.js';
import {
  friendlyName,
  HomeAssistantClient,
  HomeAssistantError,
  isEntityId,
  type EntityState,
} from '../../../home/home-assistant.js';
import { parseManifest } from '../../manifest.js';
import { stringArg, type BuiltinDeps, type BuiltinSkill } from '../builtin-skill.js';
import { HOME_TRIGGERS } from '../mqtt/index.js';

const maxAttributeChars = 1_500;

/** One line per entity: id, friendly name, state and the attributes a person asks about. */
function entityLine(e: EntityState): string {
  const a = e.attributes;
  const extras = ['brightness', 'temperature', 'current_temperature', 'hvac_action', 'unit_of_measurement']
    .filter((k) => a[k] !== undefined && a[k] !== null)
    .map((k) => `${k} ${String(a[k])}`);
  return `${e.entity_id} "${friendlyName(e)}": ${e.state}${extras.length ? ` (${extras.join(', ')})` : ''}`;
}

/** Entities whose id or friendly name contains every word of the query (after normalizing). */
function matching(states: EntityState[], query: string | undefined, domain: string | undefined): EntityState[] {
  const words = query ? normalizeName(query).split(' ').filter(Boolean) : [];
  return states.filter((e) => {
    if (domain && !e.entity_id.startsWith(`${domain}.`)) return false;
    const hay = `${e.entity_id.replace(/_/g, ' ')} ${normalizeName(friendlyName(e))}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

/** The entity a name means: an entity id, a home.devices alias, or a unique friendly name. */
async function resolveEntity(
  deps: BuiltinDeps,
  client: HomeAssistantClient,
  given: string,
  signal: AbortSignal,
): Promise<string> {
  const name = given.trim();
  if (isEntityId(name)) return name;
  const alias = findDevice(name, deps.home?.devices);
  if (alias?.device.entity) return alias.device.entity;
  const wanted = normalizeName(name);
  const states = await client.states(signal);
  const exact = states.filter((e) => normalizeName(friendlyName(e)) === wanted);
  if (exact.length === 1) return exact[0]!.entity_id;
  const partial = exact.length ? exact : matching(states, name, undefined);
  if (partial.length === 1) return partial[0]!.entity_id;
  if (partial.length === 0) throw new HomeAssistantError(`no entity is called "${name}"; ha_list shows the names`);
  throw new HomeAssistantError(
    `"${name}" could mean ${partial
      .slice(0, 5)
      .map((e) => e.entity_id)
      .join(', ')}; give the entity id`,
  );
}

function objectArg(args: Record<string, unknown>, name: string): Record<string, unknown> {
  const v = args[name];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new HomeAssistantError(`"${name}" must be an object`);
  return v as Record<string, unknown>;
}

export const homeAssistant: BuiltinSkill = {
  manifest: parseManifest({
    name: 'home-assistant',
    version: '1.0.0',
    description: 'Read and control Home Assistant entities (lights, switches, climate, scenes)',
    runtime: 'in-process',
    entry: '(built-in)',
    triggers: [...HOME_TRIGGERS, 'home assistant', 'scene', 'climate', 'entity'],
    tools: [
      {
        name: 'ha_list',
        description:
          'List Home Assistant entities and their states; narrow with query (words of the name, e.g. "kitchen") and/or domain (light, switch, climate, sensor, scene…)',
        parameters: { type: 'object', properties: { query: { type: 'string' }, domain: { type: 'string' } } },
      },
      {
        name: 'ha_state',
        description:
          'The state and attributes of one Home Assistant entity (an entity id like light.kitchen, or its name)',
        parameters: { type: 'object', properties: { entity: { type: 'string' } }, required: ['entity'] },
      },
      {
        name: 'ha_call_service',
        description:
          'Call a Home Assistant service on an entity, e.g. domain "light", service "turn_on", entity "kitchen light", data {"brightness_pct": 50}; climate.set_temperature with data {"temperature": 21}',
        parameters: {
          type: 'object',
          properties: {
            domain: { type: 'string' },
            service: { type: 'string' },
            entity: { type: 'string' },
            data: { type: 'object' },
          },
          required: ['domain', 'service'],
        },
        sensitive: true,
      },
    ],
  }),
  configured: (settings) => !!settings.homeAssistant,
  configuredTriggers: (home) =>
    deviceTriggers(Object.fromEntries(Object.entries(home?.devices ?? {}).filter(([, d]) => d.entity))),
  create: (deps) => {
    const settings = deps.settings.homeAssistant!;
    const client = new HomeAssistantClient(settings);
    const log = deps.log.child({ skill: 'home-assistant' });
    return {
      execute: async ({ tool, arguments: args, signal }) => {
        try {
          if (tool === 'ha_list') {
            const query = typeof args.query === 'string' && args.query.trim() ? args.query : undefined;
            const domain =
              typeof args.domain === 'string' && args.domain.trim() ? args.domain.trim().toLowerCase() : undefined;
            const found = matching(await client.states(signal), query, domain);
            if (found.length === 0) return 'No entities match.';
            const shown = found.slice(0, settings.maxEntities).map(entityLine);
            const more = found.length - shown.length;
            return `${shown.join('\n')}${more > 0 ? `\n(${more} more: narrow with query or domain)` : ''}`;
          }
          if (tool === 'ha_state') {
            const e = await client.state(await resolveEntity(deps, client, stringArg(args, 'entity'), signal), signal);
            const attributes = JSON.stringify(e.attributes).slice(0, maxAttributeChars);
            return `${entityLine(e)}\nlast changed ${e.last_changed ?? 'unknown'}\nattributes ${attributes}`;
          }
          const domain = stringArg(args, 'domain').trim().toLowerCase();
          const service = stringArg(args, 'service').trim().toLowerCase();
          const data = { ...objectArg(args, 'data') };
          if (typeof args.entity === 'string' && args.entity.trim())
            data.entity_id = await resolveEntity(deps, client, args.entity, signal);
          const changed = await client.callService(domain, service, data, signal);
          log.info(
            {
              tool,
              service: `${domain}.${service}`,
              entity: data.entity_id,
              changed: changed.length,
              event: 'ha_service_called',
            },
            'Home Assistant service called',
          );
          const now = changed.map(entityLine);
          return `Called ${domain}.${service}${data.entity_id ? ` on ${String(data.entity_id)}` : ''}.${now.length ? `\nNow: ${now.join('; ')}` : ''}`;
        } catch (err) {
          if (err instanceof HomeAssistantError) {
            log.warn({ tool, status: err.status, err: err.message }, 'Home Assistant call failed');
            return { content: err.message, isError: true };
          }
          throw err;
        }
      },
    };
  },
};
