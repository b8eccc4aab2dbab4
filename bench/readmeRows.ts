/** Benchmarks that regenerate README rows: the lines between a pair of markers are replaced. */
import { promises as fs } from 'fs';

/** Replaces the lines between `begin` and `end` (both kept) in `readme` with `rows`. */
export async function writeReadmeRows(readme: string, begin: string, end: string, rows: readonly string[]): Promise<void> {
  const text = await fs.readFile(readme, 'utf8');
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${readme} has no ${begin} … ${end} block`);
  await fs.writeFile(readme, `${text.slice(0, from + begin.length)}\n${rows.join('\n')}\n${text.slice(to)}`);
}
