/**
 * Progress output: a bar redrawn in place on a terminal, plain log lines otherwise.
 */

/** Where progress is written: a stream with an optional TTY flag. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** One progress update. */
export interface ProgressUpdate {
  iteration: number;
  /** Loss (SGD: mean NLL) or lower bound (EM: mean log-likelihood). */
  value: number;
  /** Change of the value since the previous update, when known. */
  change?: number;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/**
 * Reports progress of `total` iterations, labelled `valueName` (e.g. 'loss', 'lower bound').
 * On a TTY it redraws one line `label [#####.....] 45/100 loss 3.2100 1.2s`; otherwise it prints a
 * line every `logFreq` iterations and at the last one.
 */
export class ProgressReporter {
  private readonly start = Date.now();
  /** The bar's line on a terminal is drawn and not yet ended by a newline. */
  private barOpen = false;
  private pending: ProgressUpdate | null = null;

  constructor(
    private readonly stream: ProgressStream,
    private readonly label: string,
    private readonly total: number,
    private readonly valueName: string,
    private readonly logFreq: number,
  ) {}

  update(progress: ProgressUpdate): void {
    const {iteration, value, change} = progress;
    const elapsed = seconds(Date.now() - this.start);
    const changeText = change === undefined ? '' : `  change ${change.toExponential(2)}`;
    if (this.stream.isTTY) {
      const width = 24;
      const filled = Math.round((width * Math.min(iteration, this.total)) / this.total);
      const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
      const line = `${this.label} ${bar} ${iteration}/${this.total}  ${this.valueName} ${value.toFixed(4)}${changeText}  ${elapsed}`;
      this.stream.write(`\r${line.slice(0, (this.stream.columns ?? 200) - 1)}\x1b[K`);
      this.barOpen = true;
    } else if (iteration % this.logFreq === 0 || iteration === 1 || iteration === this.total) {
      this.stream.write(
        `${this.label} iteration ${iteration}/${this.total}  ${this.valueName} ${value.toFixed(4)}${changeText}  elapsed ${elapsed}\n`,
      );
      this.pending = null;
      return;
    }
    this.pending = progress;
  }

  /**
   * Runs `write` (output of its own, e.g. a warning on stderr) on a line of its own: on a terminal
   * the bar's line is ended first, and the next update draws the bar below the output.
   */
  interrupt(write: () => void): void {
    this.endBarLine();
    write();
  }

  private endBarLine(): void {
    if (!this.barOpen) return;
    this.stream.write('\n');
    this.barOpen = false;
  }

  /** Ends the bar's line on a terminal; otherwise prints the last update if it was skipped. */
  finish(): void {
    if (this.stream.isTTY) {
      this.endBarLine();
    } else if (this.pending) {
      const {iteration, value} = this.pending;
      this.pending = null;
      this.stream.write(
        `${this.label} iteration ${iteration}/${this.total}  ${this.valueName} ${value.toFixed(4)}  elapsed ${seconds(Date.now() - this.start)} (stopped)\n`,
      );
    }
  }
}
