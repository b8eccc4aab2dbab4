/**
 * `tfbs`: the batch side of TFBS Lens — score genomes, train and evaluate models. Exit codes: 0 ok,
 * 1 bad input or failure, 2 usage, 130 cancelled. A user's mistake prints one clear line, never a
 * stack trace; anything else is a bug and is printed in full.
 */
import { readFileSync } from 'fs';
import * as path from 'path';
import { removeOpenTempFilesSync } from '../core/atomicFile';
import { TfbsError } from '../core/errors';
import { haltWorkerThreads } from '../engine/workerRpc';
import { formatOptions, parseArgs } from './args';
import { CliCommand, CliIo, CommandEntry } from './command';
import { COMMANDS } from './commandRegistry';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_CANCELLED = 130;

function help(): string {
  return [
    'tfbs — transcription-factor binding probabilities for DNA (TFBS Lens)',
    '',
    'usage: tfbs <command> [options]   (tfbs <command> --help for its options)',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`),
  ].join('\n');
}

function commandHelp(entry: CommandEntry, c: CliCommand): string {
  return `usage: tfbs ${c.usage}\n\n${entry.summary}\n\noptions:\n${formatOptions(c.options)}`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help() + '\n');
    return name ? EXIT_OK : EXIT_USAGE;
  }
  if (name === '--version') {
    // Loaded here only: paths.ts loads the model package's module, which help does not need.
    const { packageRoot } = await import('./paths');
    process.stdout.write(`${JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')).version}\n`);
    return EXIT_OK;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    process.stderr.write(`tfbs: unknown command "${name}"\n\n${help()}\n`);
    return EXIT_USAGE;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(commandHelp(entry, command) + '\n');
    return EXIT_OK;
  }
  exitQuietlyOnClosedPipe();
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      // Quitting at once must not leave the outputs' temporary files behind: the async clean-up of
      // the first Ctrl-C may not have run yet.
      removeOpenTempFilesSync();
      process.stderr.write('tfbs: cancelled; nothing was written\n');
      quitBySignal(signal);
    }
    process.stderr.write('\ntfbs: stopping (press Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const io: CliIo = {
    log: (message) => process.stderr.write(message + '\n'),
    interactive: Boolean(process.stderr.isTTY),
    signal: controller.signal,
  };
  try {
    const args = parseArgs(rest, command.options, command.positionals);
    return await command.run(args, io);
  } catch (e) {
    if (e instanceof TfbsError) {
      if (e.kind === 'cancelled') {
        process.stderr.write('tfbs: cancelled; nothing was written\n');
        return EXIT_CANCELLED;
      }
      process.stderr.write(`tfbs ${entry.name}: ${e.message}\n`);
      if (e.kind === 'usage') process.stderr.write(`usage: tfbs ${command.usage}\n`);
      return e.kind === 'usage' ? EXIT_USAGE : EXIT_FAILURE;
    }
    process.stderr.write(`tfbs ${entry.name}: internal error (please report it):\n${(e as Error)?.stack ?? String(e)}\n`);
    return EXIT_FAILURE;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * The second Ctrl-C ends the process by the signal itself, the Unix convention (a shell sees status
 * 130 for SIGINT, 143 for SIGTERM), rather than by process.exit: exiting while a worker thread is
 * inside ONNX Runtime aborts the process (workerRpc.ts), and a signal ends it at once
 * without that teardown.
 */
function quitBySignal(signal: NodeJS.Signals): void {
  if (process.platform === 'win32') process.exit(EXIT_CANCELLED);
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
  // The default action ends the process as the signal arrives; should it not, exit as before.
  setTimeout(() => process.exit(EXIT_CANCELLED), 2000);
}

/** `tfbs score … | head`: a reader that has seen enough is not an error. */
function exitQuietlyOnClosedPipe(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') {
      removeOpenTempFilesSync();
      // Not while a worker thread (the chunk graph's, ISM's) is inside a run (that aborts the process):
      // once the runs in flight are back. (On Linux a pipe is written synchronously, so the scorer has
      // none in flight here; where pipes are asynchronous it may. `tfbs ism` writes only after its runs.)
      haltWorkerThreads(() => process.exit(EXIT_OK));
      return;
    }
    throw e;
  });
}
