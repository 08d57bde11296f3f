// What a learner's key or number means for a prediction, and whether it is right.
import { describe, expect, it } from 'vitest';
import { isRight, readGuess } from '../../src/lessons/predict.ts';
import type { Prediction } from '../../src/lessons/schema.ts';

const choices: Prediction = { question: 'Which?', choices: ["the host's", '1', '0'], answer: '1', why: '', line: 1 };
const number: Prediction = { question: 'How many?', answer: '20', tolerance: 3, why: '', line: 1 };

describe('predictions', () => {
  it('a choice is picked by its number, 1-9; anything else is no answer', () => {
    expect(['1', '2', ' 3 ', '4', '0', '12', 'a', ''].map((k) => readGuess(choices, k))).toEqual(["the host's", '1', '0', undefined, undefined, undefined, undefined, undefined]);
    expect(isRight(choices, '1')).toBe(true);
    expect(isRight(choices, '0')).toBe(false);
  });

  it('a number is typed; right within the tolerance, either side', () => {
    expect(['18', '-2', '2.5', '.5', '07', '1e3', '2-', 'x', ''].map((k) => readGuess(number, k))).toEqual(['18', '-2', '2.5', '0.5', '7', undefined, undefined, undefined, undefined]);
    expect(['17', '23', '16.9', '23.5'].map((g) => isRight(number, g))).toEqual([true, true, false, false]);
    expect(isRight({ ...number, tolerance: undefined }, '20')).toBe(true);
    expect(isRight({ ...number, tolerance: undefined }, '21')).toBe(false);
  });
});
