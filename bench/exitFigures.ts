/**
 * Preloaded into a benchmarked CLI process (`node -r out/bench/exitFigures.js …`, bench/variantsCli.ts):
 * prints the process's peak RSS to stderr as it exits, for builds that print none themselves.
 */
process.on('exit', () => {
  process.stderr.write(`bench-exit maxRSS ${process.resourceUsage().maxRSS} kB\n`);
});
