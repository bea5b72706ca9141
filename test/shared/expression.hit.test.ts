import { strict as assert } from 'assert';
import { ExpressionSyntaxError, parseHitCondition } from '../../src/shared/expression';

/** The hit counts 1..12 for which the condition holds. */
const matching = (source: string): number[] => {
  const predicate = parseHitCondition(source);
  return Array.from({ length: 12 }, (_, i) => i + 1).filter(predicate);
};

describe('hit conditions', () => {
  it('a bare number or ==, = and === stop on exactly that hit', () => {
    for (const source of ['5', '== 5', '==5', '= 5', '=== 5', '  5  ']) assert.deepEqual(matching(source), [5], source);
  });

  it('comparison operators', () => {
    assert.deepEqual(matching('>= 10'), [10, 11, 12]);
    assert.deepEqual(matching('> 10'), [11, 12]);
    assert.deepEqual(matching('< 3'), [1, 2]);
    assert.deepEqual(matching('<= 3'), [1, 2, 3]);
    assert.deepEqual(matching('<3'), [1, 2]);
  });

  it('% n stops on every n-th hit', () => {
    assert.deepEqual(matching('% 5'), [5, 10]);
    assert.deepEqual(
      matching('%1'),
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
  });

  const errors: [string, string, number, number][] = [
    [
      '',
      "the hit condition is empty; use a whole number with an optional operator: '5' or '== 5' (the 5th hit), '>= 5', '> 5', '< 5', '<= 5', or '% 5' (every 5th hit)",
      1,
      1,
    ],
    [
      'five',
      "invalid hit condition 'five'; use a whole number with an optional operator: '5' or '== 5' (the 5th hit), '>= 5', '> 5', '< 5', '<= 5', or '% 5' (every 5th hit)",
      1,
      4,
    ],
    [
      '  >= 2.5',
      "invalid hit condition '>= 2.5'; use a whole number with an optional operator: '5' or '== 5' (the 5th hit), '>= 5', '> 5', '< 5', '<= 5', or '% 5' (every 5th hit)",
      3,
      6,
    ],
    [
      '!= 3',
      "invalid hit condition '!= 3'; use a whole number with an optional operator: '5' or '== 5' (the 5th hit), '>= 5', '> 5', '< 5', '<= 5', or '% 5' (every 5th hit)",
      1,
      4,
    ],
    [
      '-1',
      "invalid hit condition '-1'; use a whole number with an optional operator: '5' or '== 5' (the 5th hit), '>= 5', '> 5', '< 5', '<= 5', or '% 5' (every 5th hit)",
      1,
      2,
    ],
    ['% 0', "'% 0' never matches; use '% 1' for every hit or a larger number for every n-th hit", 3, 1],
    ['>= 99999999999999999999', 'the hit count 99999999999999999999 is too large', 4, 20],
  ];
  for (const [source, message, column, length] of errors) {
    it(`rejects ${JSON.stringify(source)}`, () => {
      assert.throws(
        () => parseHitCondition(source),
        (e: unknown) => e instanceof ExpressionSyntaxError && e.message === message && e.column === column && e.length === length,
      );
    });
  }

  it('rejects over-long input', () => {
    assert.throws(
      () => parseHitCondition('1'.repeat(101)),
      (e: unknown) => e instanceof ExpressionSyntaxError && /too long/.test(e.message),
    );
  });
});
