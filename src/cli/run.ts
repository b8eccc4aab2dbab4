/** The `tfbs` process: runs the command line and sets the exit code (bin/tfbs.js and dist/cli.js load this). */
import { EXIT_FAILURE, main } from './main';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`tfbs: internal error: ${(e as Error)?.stack ?? e}\n`);
    process.exitCode = EXIT_FAILURE;
  },
);
