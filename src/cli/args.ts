/**
 * A small, strict argument parser: `--name value`, `--name=value`, `-o value`, boolean `--flag` and
 * `--no-flag`. Anything unknown is a UsageError (exit 2) rather than silently ignored.
 */
import { UsageError } from '../core/errors';
import type { ParsedArgs } from './command';

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** One-letter alias, without the dash. */
  short?: string;
  description: string;
  /** Shown in help, e.g. "FILE". */
  value?: string;
  /** A string option that may be given more than once; every value is kept (see listOption). */
  repeatable?: boolean;
}

export function parseArgs(argv: readonly string[], specs: Record<string, OptionSpec>, positionals: { min: number; max: number }): ParsedArgs {
  const options: Record<string, string | boolean | undefined> = {};
  const lists: Record<string, string[]> = {};
  const rest: string[] = [];
  const byShort = new Map(Object.entries(specs).filter(([, s]) => s.short).map(([name, s]) => [s.short!, name]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      rest.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      rest.push(arg);
      continue;
    }
    let name: string;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
    } else {
      const long = byShort.get(arg.slice(1, 2));
      if (!long || arg.length > 2) throw new UsageError(`unknown option ${arg}`);
      name = long;
    }
    const spec = specs[name];
    if (!spec && name.startsWith('no-') && specs[name.slice(3)]?.type === 'boolean') {
      options[name.slice(3)] = false;
      continue;
    }
    if (!spec) throw new UsageError(`unknown option --${name}`);
    if (spec.type === 'boolean') {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      options[name] = true;
    } else {
      const value = inline ?? argv[++i];
      if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new UsageError(`--${name} needs a value${spec.value ? ` (${spec.value})` : ''}`);
      options[name] = value;
      if (spec.repeatable) (lists[name] ??= []).push(value);
    }
  }
  if (rest.length < positionals.min) throw new UsageError(`missing argument${positionals.min - rest.length > 1 ? 's' : ''}`);
  if (rest.length > positionals.max) throw new UsageError(`unexpected argument "${rest[positionals.max]}"`);
  return { positionals: rest, options, lists };
}

export function intOption(args: ParsedArgs, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = args.options[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}; got "${String(raw)}"`);
  }
  return n;
}

export function numberOption(args: ParsedArgs, name: string, fallback: number, min: number, max: number): number {
  const raw = args.options[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a number from ${min} to ${max}; got "${String(raw)}"`);
  }
  return n;
}

/** Every value of a repeatable option, in command-line order (empty when it was not given). */
export function listOption(args: ParsedArgs, name: string): string[] {
  const list = args.lists?.[name];
  if (list) return list;
  const v = args.options[name];
  return typeof v === 'string' ? [v] : [];
}

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const v = args.options[name];
  return typeof v === 'string' ? v : undefined;
}

export function choiceOption<T extends string>(args: ParsedArgs, name: string, choices: readonly T[], fallback: T): T {
  const v = args.options[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
    throw new UsageError(`--${name} must be one of ${choices.join(', ')}; got "${String(v)}"`);
  }
  return v as T;
}

export function formatOptions(specs: Record<string, OptionSpec>): string {
  return Object.entries(specs)
    .map(([name, s]) => {
      const left = `${s.short ? `-${s.short}, ` : '    '}--${name}${s.value ? ` ${s.value}` : ''}`;
      return `  ${left.padEnd(30)} ${s.description}`;
    })
    .join('\n');
}
