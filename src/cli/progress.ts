/** A one-line progress bar on stderr when it is a terminal; silent otherwise (logs stay clean). */
export class ProgressBar {
  private last = 0;
  private readonly started = Date.now();
  constructor(private readonly total: number, private readonly enabled: boolean, private readonly label: string) {}

  update(done: number, detail = ''): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 100 && done < this.total) return;
    this.last = now;
    const fraction = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const width = 24;
    const filled = Math.round(fraction * width);
    const elapsed = (now - this.started) / 1000;
    const eta = fraction > 0.01 ? Math.max(0, elapsed / fraction - elapsed) : NaN;
    const etaText = Number.isFinite(eta) ? ` ETA ${formatSeconds(eta)}` : '';
    const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%${etaText} ${detail}`;
    process.stderr.write(`\r${line.slice(0, (process.stderr.columns || 100) - 1)}\x1b[K`);
  }

  done(): void {
    if (this.enabled) process.stderr.write('\r\x1b[K');
  }
}

export function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
