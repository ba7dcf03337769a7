/**
 * `jcpba generate`: one problem drawn from the scenario generator, as JSON.
 */
import { toJson } from '../core/problem.js';
import { type ScenarioOptions, generate } from '../core/scenario.js';
import { type FlagSpec, formatHelp, parseArgs, usageError } from './args.js';
import type { Io } from './io.js';
import { SCENARIO_FLAGS, scenarioFlagSpecs, scenarioValue } from './scenario-flags.js';

const GENERATE_FLAGS: Record<string, FlagSpec> = {
  ...scenarioFlagSpecs(),
  columnar: { boolean: true, help: 'print clients as columns (arrays per field) instead of rows' },
  help: { boolean: true, help: 'show this help' },
};

export function generateCommand(argv: string[], io: Io): number {
  const { flags, positionals } = parseArgs(argv, GENERATE_FLAGS);
  if (flags.has('help')) {
    io.out(formatHelp('Usage: jcpba generate [options]', 'Draws one problem (drop, realization) from the scenario generator and prints it as JSON.', GENERATE_FLAGS));
    return 0;
  }
  if (positionals.length > 0) throw usageError(`generate takes no positional arguments (got ${JSON.stringify(positionals[0])})`);
  const options: Record<string, number | string | null> = {};
  for (const [flag, value] of flags) {
    if (Object.hasOwn(SCENARIO_FLAGS, flag)) options[SCENARIO_FLAGS[flag]] = scenarioValue(flag, value);
  }
  const problem = generate(options as Partial<ScenarioOptions>);
  io.out(`${JSON.stringify(toJson(problem, flags.has('columnar')), null, 2)}\n`);
  return 0;
}

