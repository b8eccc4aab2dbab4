/** Split arithmetic every source shares. */
export { checkFractions, splitSizes } from '../../core/splitLayout';

/** Fisher–Yates shuffle of the first `count` picks (a partial shuffle when count < length). */
export function shuffleInPlace(items: Uint32Array | number[], random: () => number, count = items.length): void {
  const n = items.length;
  for (let i = 0; i < Math.min(count, n - 1); i++) {
    const j = i + Math.floor(random() * (n - i));
    const t = items[i];
    items[i] = items[j];
    items[j] = t;
  }
}

export function formatFraction(f: number): string {
  return `${+(f * 100).toFixed(2)}%`;
}
