import { argmax } from './evaluate.js';

/**
 * Combining the outputs of several networks (book chap6, "using an ensemble of networks": five
 * networks vote, and the class with most votes wins). Each member's outputs are a row-major
 * [count × classes] matrix, one row per example. Pure functions: no I/O, no kernels.
 */

/** Outputs of one network on a set. */
export type MemberOutputs = Float32Array;

function check(outputs: readonly MemberOutputs[], count: number, classes: number): void {
  if (outputs.length === 0) throw new RangeError('an ensemble needs at least one member');
  outputs.forEach((o, i) => {
    if (o.length < count * classes) throw new RangeError(`member ${i} has ${o.length} outputs, expected ${count} x ${classes}`);
  });
}

/**
 * Plurality vote: each network votes for its most active output; the class with most votes wins.
 * Ties (e.g. 2–2–1 among five nets) go to the tied class with the largest summed output over the
 * members, then to the smallest class index, so the result does not depend on the members' order.
 */
export function pluralityVote(outputs: readonly MemberOutputs[], count: number, classes: number): Int32Array {
  check(outputs, count, classes);
  const pred = new Int32Array(count);
  const votes = new Int32Array(classes);
  const sums = new Float64Array(classes);
  for (let r = 0; r < count; r++) {
    votes.fill(0);
    sums.fill(0);
    const o = r * classes;
    for (const out of outputs) {
      votes[argmax(out, o, classes)]!++;
      for (let j = 0; j < classes; j++) sums[j]! += out[o + j]!;
    }
    let best = 0;
    for (let j = 1; j < classes; j++) if (votes[j]! > votes[best]! || (votes[j] === votes[best] && sums[j]! > sums[best]!)) best = j;
    pred[r] = best;
  }
  return pred;
}

/** Mean of the outputs: the class whose output, averaged over the members, is largest. */
export function meanVote(outputs: readonly MemberOutputs[], count: number, classes: number): Int32Array {
  check(outputs, count, classes);
  const pred = new Int32Array(count);
  const sums = new Float64Array(classes);
  for (let r = 0; r < count; r++) {
    sums.fill(0);
    const o = r * classes;
    for (const out of outputs) for (let j = 0; j < classes; j++) sums[j]! += out[o + j]!;
    let best = 0;
    for (let j = 1; j < classes; j++) if (sums[j]! > sums[best]!) best = j;
    pred[r] = best;
  }
  return pred;
}

export interface EnsembleScore {
  count: number;
  /** Correct answers and accuracy (fraction) of each member alone. */
  members: { correct: number; accuracy: number }[];
  vote: { correct: number; accuracy: number };
  mean: { correct: number; accuracy: number };
  /** Examples the vote gets wrong (indices), as the book lists the ensemble's 33 errors. */
  voteErrors: number[];
}

function tally(pred: ArrayLike<number>, labels: ArrayLike<number>, count: number): { correct: number; accuracy: number } {
  let correct = 0;
  for (let r = 0; r < count; r++) if (pred[r] === labels[r]) correct++;
  return { correct, accuracy: count ? correct / count : NaN };
}

/** Score every member, the plurality vote and the mean of outputs against `labels`. */
export function scoreEnsemble(outputs: readonly MemberOutputs[], labels: ArrayLike<number>, classes: number): EnsembleScore {
  const count = labels.length;
  check(outputs, count, classes);
  const members = outputs.map((out) => {
    const pred = new Int32Array(count);
    for (let r = 0; r < count; r++) pred[r] = argmax(out, r * classes, classes);
    return tally(pred, labels, count);
  });
  const vote = pluralityVote(outputs, count, classes);
  const voteErrors: number[] = [];
  for (let r = 0; r < count; r++) if (vote[r] !== labels[r]) voteErrors.push(r);
  return { count, members, vote: tally(vote, labels, count), mean: tally(meanVote(outputs, count, classes), labels, count), voteErrors };
}
