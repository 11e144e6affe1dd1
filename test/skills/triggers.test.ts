/**
 * Which tools a turn is offered: a skill's triggers (keywords at a word start, words of scripts
 * without spaces anywhere, `/regex/`) against the user's text, and a manifest whose regex trigger
 * does not compile is refused when it is loaded instead of failing turns later.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isRelevant } from '../../src/skills/tool-catalog.js';
import { parseManifest } from '../../src/skills/manifest.js';
import { HearthError } from '../../src/core/errors.js';

describe('skill triggers', () => {
  const triggers = ['weather', 'c++', '天气', '/\\bforecast(s)?\\b/', 'rain'];

  it('matches a keyword at a word start, in any case, and not inside a word', () => {
    assert.equal(isRelevant(triggers, 'What is the WEATHER like?'), true);
    assert.equal(isRelevant(triggers, 'weatherproof jacket'), true, 'a word start, not a whole word');
    assert.equal(isRelevant(triggers, 'it is raining'), true);
    assert.equal(isRelevant(triggers, 'the brain is tired'), false, '"rain" inside "brain"');
    assert.equal(isRelevant(triggers, 'tell me a joke'), false);
  });

  it('matches words of scripts without spaces anywhere, and keywords with regex characters literally', () => {
    assert.equal(isRelevant(triggers, '今天天气怎么样'), true);
    assert.equal(isRelevant(triggers, 'I write C++ daily'), true);
    assert.equal(isRelevant(triggers, 'I write C daily'), false, '"+" is not a quantifier');
  });

  it('matches /regex/ triggers as regular expressions', () => {
    assert.equal(isRelevant(triggers, 'any forecasts for Sunday?'), true);
    assert.equal(isRelevant(triggers, 'forecaster'), false);
  });

  it('offers a tool without triggers always', () => {
    assert.equal(isRelevant([], 'anything at all'), true);
  });

  it('gives the same answer for a list asked about again (compiled once per list)', () => {
    const list = ['lights'];
    assert.equal(isRelevant(list, 'turn on the lights'), true);
    assert.equal(isRelevant(list, 'turn on the fan'), false);
    assert.equal(isRelevant(list, 'Lights off'), true);
  });

  it('refuses a manifest whose regex trigger does not compile, naming the key', () => {
    const manifest = (triggers: string[]) => ({
      name: 'bad-trigger',
      version: '1.0.0',
      description: 'a skill',
      runtime: 'in-process',
      entry: 'index.js',
      tools: [{ name: 'noop', description: 'does nothing' }],
      triggers,
    });
    assert.throws(
      () => parseManifest(manifest(['/(unclosed/'])),
      (err: unknown) =>
        err instanceof HearthError &&
        /triggers/.test(err.message) &&
        /not a valid regular expression/.test(err.message),
    );
    assert.equal(parseManifest(manifest(['/fine/', 'plain'])).triggers.length, 2);
  });
});
