/**
 * A small, strict command-line parser: `--name value`, `--name=value`, boolean flags,
 * positionals. Unknown flags and missing values are errors that name the flag.
 */
import { JcpbaError } from '../core/error.js';
import { didYouMean } from './suggest.js';

export interface FlagSpec {
  /** Takes no value. */
  boolean?: boolean;
  /** Shown in help: the value's name and unit. */
  value?: string;
  help: string;
  default?: string;
}

export interface Parsed {
  flags: Map<string, string>;
  positionals: string[];
}

export function usageError(message: string, field?: string): JcpbaError {
  return new JcpbaError('invalid-option', message, field);
}

/** Flags accepted under a second name: the one a command does not declare maps to the one it does. */
const ALIASES: Record<string, string> = { method: 'methods', methods: 'method' };

/**
 * Parses argv against the flag specs. `-h` is `--help` and `-V` is `--version` when the
 * command has them; `--method` and `--methods` are the same flag. An unknown flag is a
 * usage error that suggests the closest known one.
 */
export function parseArgs(argv: string[], specs: Record<string, FlagSpec>): Parsed {
  const flags = new Map<string, string>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h' || arg === '-V') {
      const name = arg === '-h' ? 'help' : 'version';
      if (!Object.hasOwn(specs, name)) throw usageError(`unknown option ${arg} (see --help)`, name);
      flags.set(name, 'true');
      continue;
    }
    if (/^-[A-Za-z]/.test(arg)) throw usageError(`unknown option ${arg}; options are long (--name), -h is --help (see --help)`, arg.slice(1));
    if (!arg.startsWith('--') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    let name = arg.slice(2, eq < 0 ? undefined : eq);
    // --method and --methods are one flag, whichever a command declares.
    const alias = Object.hasOwn(ALIASES, name) ? ALIASES[name] : undefined;
    if (!Object.hasOwn(specs, name) && alias !== undefined && Object.hasOwn(specs, alias)) name = alias;
    const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
    if (!spec) throw usageError(`unknown option --${name}${didYouMean(name, Object.keys(specs), '--')} (see --help)`, name);
    if (spec.boolean) {
      if (eq >= 0) throw usageError(`--${name} takes no value`, name);
      flags.set(name, 'true');
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else value = argv[++i];
    if (value === undefined) throw usageError(`--${name} needs a value (${spec.value ?? 'value'})`, name);
    flags.set(name, value);
  }
  return { flags, positionals };
}

/** A finite number; `what` names the flag in the error. */
export function parseNumber(text: string, what: string): number {
  const v = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(v)) throw usageError(`${what}: expected a finite number, got ${JSON.stringify(text)}`, what);
  return v;
}

export function formatHelp(usage: string, summary: string, specs: Record<string, FlagSpec>): string {
  const rows = Object.entries(specs).map(([name, s]) => {
    const left = `  --${name}${s.boolean ? '' : ` ${s.value ?? 'VALUE'}`}`;
    const def = s.default !== undefined ? ` (default: ${s.default})` : '';
    return [left, `${s.help}${def}`];
  });
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  return `${usage}\n\n${summary}\n\nOptions:\n${rows.map(([l, r]) => l.padEnd(width) + r).join('\n')}\n`;
}
