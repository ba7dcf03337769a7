/**
 * A small, strict command-line parser: `--name value`, `--name=value`, boolean flags,
 * positionals. Unknown flags and missing values are errors that name the flag.
 */
import { JcpbaError } from '../core/error.js';

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

export function parseArgs(argv: string[], specs: Record<string, FlagSpec>): Parsed {
  const flags = new Map<string, string>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
    if (!spec) throw usageError(`unknown option --${name} (see --help)`, name);
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
