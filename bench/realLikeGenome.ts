/**
 * A real-like genome for the genome-scale benchmarks: the 100 kb human region tiled, each tile with
 * 1,000 random substitutions, 2 % of tiles carrying a 50 kb assembly gap, 10 kb of N telomeres per
 * record, 4 records, 60-column lines. Seeded by the size, so a size always gives the same genome.
 */
import { createWriteStream, readFileSync } from 'fs';
import * as path from 'path';
import { repoRoot } from '../test/fixtures/danqModel';

export async function writeGenome(file: string, megabases: number): Promise<void> {
  const src = readFileSync(path.join(repoRoot(), 'data', 'genome', 'human_chr1_100kb_region.fa'), 'utf8').split('\n')[1].toUpperCase();
  let x = megabases;
  const rand = (): number => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const out = createWriteStream(file);
  const put = (s: string): Promise<void> => new Promise((r) => (out.write(s) ? r() : out.once('drain', () => r())));
  const records = 4;
  const per = (megabases * 1_000_000) / records;
  for (let k = 0; k < records; k++) {
    await put(`>chr${k + 1}\n`);
    let line = '';
    const emit = async (s: string): Promise<void> => {
      line += s;
      let text = '';
      while (line.length >= 60) {
        text += line.slice(0, 60) + '\n';
        line = line.slice(60);
      }
      if (text) await put(text);
    };
    await emit('N'.repeat(10_000));
    for (let n = 10_000; n < per - 10_000; ) {
      const tile = src.split('');
      for (let i = 0; i < 1000; i++) tile[Math.floor(rand() * tile.length)] = 'ACGT'[Math.floor(rand() * 4)];
      if (rand() < 0.02) tile.fill('N', 0, 50_000);
      const t = tile.join('').slice(0, per - 10_000 - n);
      await emit(t);
      n += t.length;
    }
    await emit('N'.repeat(10_000));
    if (line) await put(line + '\n');
  }
  await new Promise((r) => out.end(r));
}
