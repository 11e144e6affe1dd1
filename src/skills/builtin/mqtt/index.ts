/**
 * Built-in MQTT: `mqtt_publish` (sensitive: it drives devices) and `mqtt_read` (the last value seen
 * on a topic, with its age), limited to the topic filters in `skills.mqtt.allowTopics`. A topic may
 * also be given as a device name from `home.devices` ("kitchen light"), whose on/off payloads then
 * stand in for "on"/"off".
 */
import { deviceTriggers, findDevice } from '../../../home/devices.js';
import type { MqttLink } from '../../../home/mqtt-link.js';
import { topicAllowed, topicProblem } from '../../../home/topics.js';
import { parseManifest } from '../../manifest.js';
import { stringArg, type BuiltinDeps, type BuiltinSkill } from '../builtin-skill.js';

/** Words that make a turn about devices or the home (the tools are offered only then). */
export const HOME_TRIGGERS = [
  'turn on',
  'turn off',
  'switch',
  'light',
  'lamp',
  'heater',
  'heating',
  'thermostat',
  'temperature',
  'fan',
  'plug',
  'socket',
  'door',
  'lock',
  'blind',
  'curtain',
  'garage',
  'sensor',
  'device',
  'home',
  'house',
  'kitchen',
  'bedroom',
  'living room',
  'bathroom',
  'hallway',
  'garden',
  'mqtt',
  'dim',
  'brightness',
  '开灯',
  '关灯',
  '灯',
  '空调',
];

const readWaitMs = 1_500;

function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

/** The topic a tool call means: a topic name, or a device name from home.devices. */
function resolveTopic(deps: BuiltinDeps, given: string, purpose: 'command' | 'state') {
  const found = findDevice(given, deps.home?.devices);
  if (found && found.device.topic) {
    const topic = purpose === 'state' ? (found.device.stateTopic ?? found.device.topic) : found.device.topic;
    return { topic, device: found };
  }
  return { topic: given.trim(), device: undefined };
}

export const mqtt: BuiltinSkill = {
  manifest: parseManifest({
    name: 'mqtt',
    version: '1.0.0',
    description: 'Publish to and read MQTT topics of the home (allowed topics only)',
    runtime: 'in-process',
    entry: '(built-in)',
    triggers: HOME_TRIGGERS,
    tools: [
      {
        name: 'mqtt_publish',
        description:
          'Publish a message to an MQTT topic (drives a device). topic: an MQTT topic or a device name like "kitchen light"; payload: the message ("on"/"off" for a named device)',
        parameters: {
          type: 'object',
          properties: { topic: { type: 'string' }, payload: { type: 'string' }, retain: { type: 'boolean' } },
          required: ['topic', 'payload'],
        },
        sensitive: true,
      },
      {
        name: 'mqtt_read',
        description: 'The last value seen on an MQTT topic (or a named device), with its age',
        parameters: { type: 'object', properties: { topic: { type: 'string' } }, required: ['topic'] },
      },
    ],
  }),
  configured: (settings) => !!settings.mqtt,
  configuredTriggers: (home) =>
    deviceTriggers(Object.fromEntries(Object.entries(home?.devices ?? {}).filter(([, d]) => d.topic))),
  create: (deps) => {
    const settings = deps.settings.mqtt!;
    let link: MqttLink | undefined;
    const log = deps.log.child({ skill: 'mqtt' });
    return {
      init: async () => {
        // The MQTT client (~130 modules) is loaded only when the skill is configured and starts.
        const { MqttLink } = await import('../../../home/mqtt-link.js');
        link = new MqttLink(settings, log);
      },
      state: () => (link?.state() === 'connected' ? 'ready' : (link?.state() ?? 'stopped')),
      restarts: () => link?.reconnectCount() ?? 0,
      destroy: () => link?.close(),
      execute: async ({ tool, arguments: args }) => {
        if (!link) return { content: 'MQTT is not started', isError: true };
        const purpose = tool === 'mqtt_publish' ? 'command' : 'state';
        const { topic, device } = resolveTopic(deps, stringArg(args, 'topic'), purpose);
        const problem = topicProblem(topic);
        if (problem)
          return { content: `${problem}; nothing was ${tool === 'mqtt_publish' ? 'sent' : 'read'}`, isError: true };
        if (!topicAllowed(topic, settings.allowTopics)) {
          log.warn({ tool, topic, event: 'mqtt_topic_refused' }, 'MQTT topic outside allowTopics refused');
          return {
            content: `topic "${topic}" is not allowed (skills.mqtt.allowTopics); nothing was ${tool === 'mqtt_publish' ? 'sent' : 'read'}`,
            isError: true,
          };
        }
        if (tool === 'mqtt_publish') {
          if (typeof args.payload !== 'string') return { content: 'missing "payload" (a string)', isError: true };
          const word = args.payload.trim().toLowerCase();
          const payload = device && (word === 'on' || word === 'off') ? device.device[word] : args.payload;
          const retain = args.retain === true;
          await link.publish(topic, payload, retain);
          log.info(
            { tool, topic, retain, bytes: Buffer.byteLength(payload), event: 'mqtt_published' },
            'MQTT message published',
          );
          return `Published "${payload}" to ${topic}${retain ? ' (retained)' : ''}${device ? ` (${device.name})` : ''}.`;
        }
        const seen = await link.read(topic, readWaitMs);
        if (!seen)
          return `No value seen on ${topic} yet${link.state() === 'connected' ? '' : ` (the broker is ${link.state()})`}.`;
        return `${topic} = ${JSON.stringify(seen.payload)} (${seen.retained ? 'retained, ' : ''}received ${age(Date.now() - seen.at)})`;
      },
    };
  },
};
