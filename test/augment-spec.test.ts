import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NnlabError } from '../src/core/errors.js';
import { AugmentPipeline, AugmentSpecError, formatAugmentSpec, parseAugmentSpec } from '../src/data/augment/index.js';

test('spec: the full example, defaults filled in', () => {
  const s = parseAugmentSpec('shift:2,rotate:15,skew:0.3,scale:0.1,elastic:34:4,p=0.8');
  assert.equal(s.probability, 0.8);
  assert.deepEqual(
    s.steps.map((x) => [x.name, x.args, x.probability]),
    [['shift', [2], 1], ['rotate', [15], 1], ['skew', [0.3], 1], ['scale', [0.1], 1], ['elastic', [34, 4], 1]],
  );
  assert.deepEqual(parseAugmentSpec('elastic').steps[0]!.args, [34, 4]);
  assert.deepEqual(parseAugmentSpec('elastic:20').steps[0]!.args, [20, 4]);
  assert.deepEqual(parseAugmentSpec(' shift , rotate ').steps.map((x) => x.args), [[2], [15]]);
  assert.equal(parseAugmentSpec('rotate:10@0.25').steps[0]!.probability, 0.25);
  assert.deepEqual(parseAugmentSpec('book-shift').steps[0], { name: 'book-shift', args: [], probability: 1 });
  assert.deepEqual(parseAugmentSpec('ishift:1').steps[0]!.args, [1]);
  assert.deepEqual(parseAugmentSpec(''), { steps: [], probability: 1 });
  assert.deepEqual(parseAugmentSpec('none'), { steps: [], probability: 1 });
});

test('spec: format and parse round-trip; the pipeline prints its spec', () => {
  const text = 'shift:1.5,rotate:10@0.5,elastic:34:4,p=0.8';
  assert.equal(formatAugmentSpec(parseAugmentSpec(text)), text);
  assert.equal(formatAugmentSpec(parseAugmentSpec('skew,scale')), 'skew:0.3,scale:0.1');
  assert.equal(String(AugmentPipeline.fromSpec(text, [1, 28, 28])), text);
});

test('spec: bad strings give errors naming the bad token', () => {
  const bad: [string, string, RegExp][] = [
    ['shift:2,rotat:15', 'rotat:15', /unknown step "rotat"; known steps: shift\[:M\], .*elastic\[:A\[:SIGMA\]\]/],
    ['rotate:abc', 'rotate:abc', /rotate's D: expected a maximum angle/],
    ['rotate:200', 'rotate:200', /\[0, 180\]/],
    ['shift:-1', 'shift:-1', /shift's M/],
    ['ishift:1.5', 'ishift:1.5', /whole number/],
    ['scale:1', 'scale:1', /\[0, 1\)/],
    ['elastic:34:0', 'elastic:34:0', /σ/],
    ['elastic:1:2:3', 'elastic:1:2:3', /at most 2 arguments/],
    ['book-shift:1', 'book-shift:1', /at most 0 arguments/],
    ['rotate,,skew', '', /empty term/],
    ['rotate,', '', /empty term/],
    ['p=1.5', 'p=1.5', /probability in \[0, 1\]/],
    ['rotate@x', 'rotate@x', /probability/],
    ['p=0.5,p=0.6', 'p=0.6', /twice/],
    ['rotate:1e400', 'rotate:1e400', /rotate's D/],
  ];
  for (const [spec, token, re] of bad) {
    assert.throws(
      () => parseAugmentSpec(spec),
      (e: unknown) => {
        assert.ok(e instanceof AugmentSpecError && e instanceof NnlabError, `${spec}: an AugmentSpecError`);
        assert.equal(e.token, token, `${spec}: token`);
        assert.match(e.message, re, spec);
        assert.ok(e.message.includes(JSON.stringify(token)), `${spec}: message names the token`);
        return true;
      },
    );
  }
});

test('spec on non-image data: a clear error', () => {
  assert.throws(() => AugmentPipeline.fromSpec('rotate', [10]), /distortions need images.*shape 10/);
});
