/**
 * Example in-process ("static") skill: a module whose default export has init/execute/destroy.
 * Built into the image and loaded from `skills.dir` at start.
 */
import { defineSkill } from '../../sdk/index.js';

let greeting = 'Hello';

export default defineSkill({
  init(config) {
    if (typeof config.greeting === 'string') greeting = config.greeting;
  },
  execute({ arguments: args }) {
    return `${greeting}, ${String(args.name)}! (greeter skill, in-process)`;
  },
});
