/** The calculator's parser: precedence, associativity, functions, and refusals (never eval). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, formatNumber } from '../../../src/skills/builtin/calculator/expression.js';

describe('calculator expression parser', () => {
  const cases: Array<[string, number]> = [
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['2 ^ 3 ^ 2', 512],
    ['-2 ^ 2', -4],
    ['2 ** 10', 1024],
    ['10 - 4 - 3', 3],
    ['100 / 10 / 5', 2],
    ['7 % 3', 1],
    ['--3', 3],
    ['sqrt(16) + abs(-2)', 6],
    ['max(1, 5, 3) - min(4, 2)', 3],
    ['log(1000)', 3],
    ['log(8, 2)', 3],
    ['round(pi, 2)', 3.14],
    ['1.5e3 + .5', 1500.5],
    ['6 × 7 ÷ 2', 21],
    ['2 * (3 + 4) ^ 2', 98],
  ];
  for (const [expr, want] of cases) {
    it(`${expr} = ${want}`, () => assert.equal(Number(formatNumber(evaluate(expr))), want));
  }

  it('formats without float noise', () => assert.equal(formatNumber(evaluate('0.1 + 0.2')), '0.3'));

  const bad: Array<[string, RegExp]> = [
    ['1 / 0', /division by zero/],
    ['2 +', /ends too early/],
    ['(1 + 2', /expected "\)"/],
    ['1 2', /unexpected "2"/],
    ['process.exit(1)', /unexpected|unknown/],
    ['constructor', /unknown name/],
    ['foo(1)', /unknown function/],
    ['constructor(1)', /unknown function/],
    ['__proto__', /unknown name/],
    ['2 ; 3', /unexpected ";"/],
    ['', /empty/],
    ['sqrt(-1)', /not a finite number/],
  ];
  for (const [expr, why] of bad) {
    it(`refuses ${JSON.stringify(expr)}`, () => assert.throws(() => evaluate(expr), why));
  }
});
