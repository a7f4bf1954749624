import type { ScheduleConfig } from '../core/config.js';

/**
 * A learning-rate schedule. `rate` is η for the coming epoch; `endEpoch` is told whether
 * validation accuracy improved (null: not measured this epoch) and answers whether training should stop.
 */
export interface Schedule {
  rate(): number;
  endEpoch(epoch: number, improved: boolean | null): { stop: boolean; reason?: string };
}

/** `epochs`: the run's length, which the cosine schedule spans. */
export function scheduleFor(c: ScheduleConfig, eta0: number, epochs = 1): Schedule {
  switch (c.type) {
    case 'cosine': {
      // η_t = η₀ · (f + (1 − f) · ½ (1 + cos(π t / T))) for epoch t = 0 … T − 1 of T, f = final
      const at = (t: number) => eta0 * (c.final + (1 - c.final) * 0.5 * (1 + Math.cos((Math.PI * t) / Math.max(1, epochs))));
      let eta = eta0;
      return {
        rate: () => eta,
        endEpoch(epoch) {
          eta = at(epoch);
          return { stop: false };
        },
      };
    }
    case 'constant':
      return { rate: () => eta0, endEpoch: () => ({ stop: false }) };
    case 'step': {
      // η_t = η₀ · factor^⌊t / every⌋
      let eta = eta0;
      return {
        rate: () => eta,
        endEpoch(epoch) {
          eta = eta0 * c.factor ** Math.floor(epoch / c.every);
          return { stop: false };
        },
      };
    }
    case 'plateau': {
      // The book's rule (chap3 #how_to_choose): multiply η by `factor` (½) each time validation
      // accuracy has not improved for `patience` epochs; stop once η has fallen to η₀/minFactor (1/128).
      let eta = eta0;
      let sinceBest = 0;
      return {
        rate: () => eta,
        endEpoch(_epoch, improved) {
          sinceBest = improved ? 0 : sinceBest + 1;
          if (improved === null || sinceBest < c.patience) return { stop: false }; // act only on measured epochs
          sinceBest = 0;
          eta *= c.factor;
          if (eta <= (eta0 / c.minFactor) * (1 + 1e-9))
            return { stop: true, reason: `learning rate reached η₀/${c.minFactor} after no improvement in ${c.patience} epochs` };
          return { stop: false };
        },
      };
    }
  }
}
