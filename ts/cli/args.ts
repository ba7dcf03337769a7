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

/** The width help is wrapped to: a terminal's classic 80 columns. */
export const HELP_COLUMNS = 80;

/** Words of `text` in lines of at most `width` characters (a longer word gets its own line); every line but the first indented by `indent`. */
export function wrap(text: string, width = HELP_COLUMNS, indent = '', words: (line: string) => string[] = (line) => line.split(' ')): string {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of words(paragraph).filter((w) => w !== '')) {
      if (line !== '' && line.length + 1 + word.length > width) {
        lines.push(line);
        line = indent + word;
      } else line = line === '' ? word : `${line} ${word}`;
    }
    lines.push(line);
  }
  return lines.join('\n');
}

/** A usage line's words, a bracketed group (`[--drops N]`) counting as one. */
const usageWords = (line: string): string[] => line.match(/\[[^\]]*\]|\S+/g) ?? [];

/**
 * Usage lines wrapped at HELP_COLUMNS: each `jcpba CMD ...` form (lines that do not start
 * with `jcpba` or `Usage:` continue the one before), its continuation lines indented under
 * the command's first argument, optional groups never split.
 */
export function wrapUsage(usage: string): string {
  const forms: string[] = [];
  for (const line of usage.split('\n')) {
    if (/^(Usage:|\s*jcpba\b)/.test(line) || forms.length === 0) forms.push(line.trimEnd());
    else forms[forms.length - 1] += ` ${line.trim()}`;
  }
  return forms
    .map((form) => {
      const lead = /^(Usage: +|\s*)jcpba \S+ /.exec(form)?.[0] ?? '';
      return lead.length === 0 ? wrap(form) : lead + wrap(form.slice(lead.length), HELP_COLUMNS - lead.length, '', usageWords).split('\n').join(`\n${' '.repeat(lead.length)}`);
    })
    .join('\n');
}

/** Prose for help: single line breaks of the source are spaces, blank lines separate paragraphs; wrapped at HELP_COLUMNS. */
export function wrapProse(text: string): string {
  return text
    .split(/\n\s*\n/)
    .map((p) => wrap(p.replace(/\s*\n\s*/g, ' ')))
    .join('\n\n');
}

/** Longest option column before a description goes on the line below it. */
const OPTION_COLUMN = 28;

/**
 * A command's help, wrapped at HELP_COLUMNS: the usage (continuation lines indented under
 * the command), the summary, then one entry per option with its value, help and default.
 */
export function formatHelp(usage: string, summary: string, specs: Record<string, FlagSpec>): string {
  const rows = Object.entries(specs).map(([name, s]) => {
    const left = `  --${name}${s.boolean ? '' : ` ${s.value ?? 'VALUE'}`}`;
    const def = s.default !== undefined ? ` (default: ${s.default})` : '';
    return [left, `${s.help}${def}`];
  });
  const width = Math.min(OPTION_COLUMN, Math.max(...rows.map(([l]) => l.length)) + 2);
  const pad = ' '.repeat(width);
  const options = rows.map(([left, right]) => {
    const body = wrap(right, HELP_COLUMNS - width, '').split('\n').map((l) => pad + l);
    if (left.length + 2 <= width) body[0] = left.padEnd(width) + body[0].slice(width);
    else body.unshift(left);
    return body.join('\n');
  });
  return `${wrapUsage(usage)}\n\n${wrapProse(summary)}\n\nOptions:\n${options.join('\n')}\n`;
}
