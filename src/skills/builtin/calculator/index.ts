/** Built-in calculator: exact arithmetic through a real parser (see expression.ts), never eval. */
import { parseManifest } from '../../manifest.js';
import { stringArg, type BuiltinSkill } from '../builtin-skill.js';
import { evaluate, formatNumber } from './expression.js';

export const calculator: BuiltinSkill = {
  manifest: parseManifest({
    name: 'calculator',
    version: '1.0.0',
    description: 'Arithmetic',
    runtime: 'in-process',
    entry: '(built-in)',
    triggers: [
      'calc',
      'comput',
      'sum',
      'percent',
      'sqrt',
      'how much',
      'how many',
      '/\\d\\s*[-+*/^%×÷]\\s*[\\d(]/',
      '计算',
      '等于',
    ],
    tools: [
      {
        name: 'calculate',
        description: 'Evaluate an arithmetic expression, e.g. "(2+3)*4^2", "sqrt(2)", "log(100)"',
        parameters: { type: 'object', properties: { expression: { type: 'string' } }, required: ['expression'] },
      },
    ],
  }),
  create: () => ({
    execute: ({ arguments: args }) => {
      const expression = stringArg(args, 'expression');
      return `${expression} = ${formatNumber(evaluate(expression))}`;
    },
  }),
};
