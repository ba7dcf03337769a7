/**
 * `jcpba generate`: problems drawn from the scenario generator, as JSON: one problem, N
 * realizations of a drop as an array (what `plan FILE` reads), or NDJSON, one problem per
 * line (what `solve --ndjson` reads), written as they are drawn.
 */
import { toJson } from '../core/problem.js';
import { type ScenarioOptions, generate } from '../core/scenario.js';
import { type FlagSpec, formatHelp, parseArgs, parseNumber, usageError } from './args.js';
import type { Io } from './io.js';
import { SCENARIO_FLAGS, scenarioFlagSpecs, scenarioValue } from './scenario-flags.js';

const GENERATE_FLAGS: Record<string, FlagSpec> = {
  ...scenarioFlagSpecs(),
  realizations: {
    value: 'N',
    help: 'N problems: realizations R, R+1, ..., R+N-1 of the drop (R: --realization), as a JSON array (what plan FILE reads), or N lines with --ndjson',
  },
  ndjson: { boolean: true, help: 'one problem per line, compact (NDJSON, what solve --ndjson reads)' },
  columnar: { boolean: true, help: 'print clients as columns (arrays per field) instead of rows' },
  help: { boolean: true, help: 'show this help' },
};

/** Realization indices are 32-bit (the generator's streams): R + N - 1 < 2^32. */
const REALIZATION_LIMIT = 2 ** 32;

export async function generateCommand(argv: string[], io: Io): Promise<number> {
  const { flags, positionals } = parseArgs(argv, GENERATE_FLAGS);
  if (flags.has('help')) {
    io.out(
      formatHelp(
        'Usage: jcpba generate [options] [--realizations N] [--ndjson]',
        'Draws one problem (drop, realization) from the scenario generator and prints it as JSON; with --realizations N, N realizations of the drop.',
        GENERATE_FLAGS,
      ),
    );
    return 0;
  }
  if (positionals.length > 0) throw usageError(`generate takes no positional arguments (got ${JSON.stringify(positionals[0])})`);
  const options: Record<string, number | string | null> = {};
  for (const [flag, value] of flags) {
    if (Object.hasOwn(SCENARIO_FLAGS, flag)) options[SCENARIO_FLAGS[flag]] = scenarioValue(flag, value);
  }
  const columnar = flags.has('columnar');
  const ndjson = flags.has('ndjson');
  const text = (o: Partial<ScenarioOptions>, indent?: number) => JSON.stringify(toJson(generate(o), columnar), null, indent);
  if (!flags.has('realizations')) {
    io.out(`${text(options, ndjson ? undefined : 2)}\n`);
    return 0;
  }
  const n = parseNumber(flags.get('realizations')!, '--realizations');
  const first = (options.realization as number | undefined) ?? 0;
  if (!Number.isInteger(n) || n < 1) throw usageError(`--realizations must be a positive integer (got ${flags.get('realizations')})`, 'realizations');
  if (first + n > REALIZATION_LIMIT) throw usageError(`--realization + --realizations must be at most 2^32 (realization indices are 32-bit)`, 'realizations');
  // Written one problem at a time (with backpressure when io.write has it), so N large
  // streams in bounded memory.
  const write = io.write ?? ((t: string) => (io.out(t), Promise.resolve()));
  if (!ndjson) await write('[\n');
  for (let i = 0; i < n; i++) {
    const problem = text({ ...options, realization: first + i }, ndjson ? undefined : 2);
    await write(ndjson ? `${problem}\n` : `${problem.replace(/^/gm, '  ')}${i + 1 < n ? ',' : ''}\n`);
  }
  if (!ndjson) await write(']\n');
  return 0;
}
