import type { ScheduleConfig } from '../core/config.js';

/**
 * A learning-rate schedule. `rate` is η for the coming epoch; `endEpoch` is told whether
 * validation accuracy improved (null: not measured this epoch) and answers whether training should stop.
 */
export interface Schedule {
  rate(): number;
  endEpoch(epoch: number, improved: boolean | null): { stop: boolean; reason?: string };
  /** With restarts: the 1-based cycle that `epoch` (1-based) ends, else null. */
  cycleEnd?(epoch: number): number | null;
}

/** `epochs`: the run's length, which the cosine schedule spans (its `cycles`, when given, add up to it). */
export function scheduleFor(c: ScheduleConfig, eta0: number, epochs = 1): Schedule {
  switch (c.type) {
    case 'cosine': {
      // One cycle over the run, or `cycles` (lengths T_c) back to back: at epoch t = 0 … T_c − 1 of
      // cycle c, η = η₀·f + (η_c − η₀·f) · ½ (1 + cos(π t / T_c)), f = final, η_c = η₀ for the first
      // cycle and η₀·restart for the later ones (SGDR, Loshchilov & Hutter 2017). η is set once an
      // epoch, so a cycle's last epoch runs at ½(1 + cos(π (T_c − 1)/T_c)) of the way from η_c to
      // η₀·f (2.4 % for T_c = 10), and a 1-epoch cycle at η_c throughout.
      const lengths = c.cycles ?? [Math.max(1, epochs)];
      const ends = lengths.map((_, i) => lengths.slice(0, i + 1).reduce((a, b) => a + b, 0)); // last epoch of each cycle
      const at = (done: number) => {
        const i = ends.findIndex((e) => done < e);
        const cycle = i < 0 ? lengths.length - 1 : i; // after the last epoch (η no longer used): the last cycle's end
        const t = done - (cycle === 0 ? 0 : ends[cycle - 1]!);
        const start = cycle === 0 ? eta0 : eta0 * (c.restart ?? 1);
        const low = eta0 * c.final;
        return low + (start - low) * 0.5 * (1 + Math.cos((Math.PI * t) / lengths[cycle]!));
      };
      let eta = eta0;
      return {
        rate: () => eta,
        endEpoch(epoch) {
          eta = at(epoch);
          return { stop: false };
        },
        cycleEnd: (epoch) => (c.cycles && ends.includes(epoch) ? ends.indexOf(epoch) + 1 : null),
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
