/** What every `tfbs` sub-command provides to the dispatcher in main.ts. */
import { OptionSpec } from './args';

export interface CliIo {
  /** Human messages (progress, notices, warnings): stderr. */
  log(message: string): void;
  /** True when stderr is a terminal: progress bars instead of plain lines. */
  interactive: boolean;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
}

/**
 * A command as `tfbs --help` lists it (src/cli/commandRegistry.ts): its name and one line, and its
 * module, loaded only when the command runs or shows its own help, so that a `tfbs` call loads the
 * command it runs and not the others (their training, import, TF.js… code).
 */
export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<CliCommand>;
}

/** A command's module: its options and what it does. */
export interface CliCommand {
  /** Usage line(s) after "tfbs NAME". */
  usage: string;
  options: Record<string, OptionSpec>;
  /** Positional argument names, for usage errors. */
  positionals: { min: number; max: number };
  /** Returns the exit code: 0 ok, 1 bad input or failure (thrown TfbsErrors map there too). */
  run(args: ParsedArgs, io: CliIo): Promise<number>;
}

export interface ParsedArgs {
  positionals: string[];
  /** The option's last value; for a repeatable option, every value is in `lists`. */
  options: Record<string, string | boolean | undefined>;
  lists?: Record<string, string[]>;
}
