/**
 * Early stopping by the book's no-improvement-in-n rule (chap3 #how_to_choose): stop when the
 * validation accuracy has not improved for `patience` epochs. The trainer keeps the best weights.
 */
export class EarlyStopping {
  private sinceBest = 0;
  constructor(readonly patience: number) {}
  /**
   * Record one epoch; true when training should stop. `improved` is null for an epoch whose
   * validation accuracy was not measured (`monitor.interval` > 1): it counts towards `patience`,
   * but only a measured epoch can stop training.
   */
  update(improved: boolean | null): boolean {
    this.sinceBest = improved ? 0 : this.sinceBest + 1;
    return improved !== null && this.patience > 0 && this.sinceBest >= this.patience;
  }
}
