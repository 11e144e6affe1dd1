/**
 * Example HTTP skill. Hearth starts it as a child process (`node server.js`), reads the port
 * from the SDK's ready line and speaks the JSON protocol to it. The forecast is deterministic
 * (derived from the city name) so tests can check it.
 */
import { defineSkill, serveHttp } from '../../sdk/index.js';

const conditions = ['sunny', 'cloudy', 'rainy', 'windy'];

const skill = defineSkill({
  execute({ tool, arguments: args }) {
    if (tool !== 'weather') throw new Error(`unknown tool ${tool}`);
    const city = String(args.city ?? '').trim();
    if (!city) return { content: 'which city?', isError: true };
    const code = [...city].reduce((n, c) => n + c.charCodeAt(0), 0);
    return `Weather in ${city}: ${10 + (code % 20)}°C, ${conditions[code % conditions.length]} (http skill)`;
  },
});

await serveHttp(skill);
