/**
 * The `jcpba` command line: generate | solve | plan | sweep | merge | bench, one module per
 * command. Errors print one line on stderr, `jcpba: <message>`, and exit non-zero
 * (2 for usage errors: a bad option, method, backend or preset; 1 otherwise); no stack
 * trace, also for a failed file write or a closed stdout.
 */
import { type ErrorCode, JcpbaError } from '../core/error.js';
import { FileError, systemReason } from '../sweep/files.js';
import { VERSION } from '../version.js';
import { usageError } from './args.js';
import { didYouMean } from './suggest.js';
import { type Io, guardStdio, nodeIo, terminalSafe } from './io.js';
import { generateCommand } from './generate.js';
import { solveCommand } from './solve.js';
import { planCommand } from './plan.js';
import { calibrateCommand } from './calibrate.js';
import { sweepCommand } from './sweep.js';
import { mergeCommand } from './merge.js';
import { benchAvailable, benchCommand } from './bench.js';

export { VERSION } from '../version.js';
export type { Io } from './io.js';

/** The main help; `bench` is offered only where it can run (a clone, not an installed package). */
function mainHelp(): string {
  const bench = benchAvailable() ? '  bench      benchmark the backends (per solve, suites, sweep throughput)\n' : '';
  return `jcpba ${VERSION}: joint client-specific pruning and bandwidth allocation (JCPBA)
for federated fine-tuning of LLMs over wireless networks.

Usage: jcpba <command> [options]

Commands:
  generate   print a problem (JSON) drawn from the scenario generator
  solve      solve a problem file (or - for stdin) with one or more methods
  plan       the pruning budget that minimizes the time to a target loss
  calibrate  fit the convergence model (R0, Pmax, m) to pilot runs
  sweep      Monte Carlo over a grid of scenarios: table, CSV, JSON and figures
  merge      combine the folders of a sharded sweep into one result
${bench}
Run 'jcpba help <command>' (or 'jcpba <command> --help') for its options;
'jcpba -V' prints the version. --method and --methods are the same flag
everywhere. Units are SI (s, Hz, W, bits) unless an option says otherwise.
`;
}

/** What bare `jcpba` prints on stderr: a usage error, kept short. */
function shortUsage(): string {
  return `Usage: jcpba <command> [options]
Commands: ${commandList()}
Run 'jcpba --help' for what each does, 'jcpba help <command>' for its options.
`;
}

const commandList = () => ['generate', 'solve', 'plan', 'calibrate', 'sweep', 'merge', ...(benchAvailable() ? ['bench'] : [])].join(', ');

const COMMANDS = ['generate', 'solve', 'plan', 'calibrate', 'sweep', 'merge', 'bench', 'help', 'version'];

/** Errors about the command line itself: exit code 2. */
const USAGE_CODES = new Set<ErrorCode>(['invalid-option', 'unknown-method', 'unknown-backend', 'unknown-preset']);

/** A failed system call Node threw as is: `cannot open /x: permission denied (EACCES)`. */
function systemMessage(e: NodeJS.ErrnoException): string | undefined {
  if (typeof e.code !== 'string' || !/^E[A-Z0-9]+$/.test(e.code) || typeof e.syscall !== 'string') return undefined;
  return `cannot ${e.syscall}${e.path ? ` ${e.path}` : ''}: ${systemReason(e)}`;
}

/** Runs the CLI; returns the exit code (0 ok, 1 bad input or failure, 2 usage). */
export async function main(argv: string[], io: Io = nodeIo): Promise<number> {
  if (io === nodeIo) guardStdio();
  try {
    const [command, ...rest] = argv;
    switch (command) {
      case 'generate':
        return await generateCommand(rest, io);
      case 'solve':
        return await solveCommand(rest, io);
      case 'plan':
        return await planCommand(rest, io);
      case 'calibrate':
        return await calibrateCommand(rest, io);
      case 'sweep':
        return await sweepCommand(rest, io);
      case 'merge':
        return await mergeCommand(rest, io);
      case 'bench':
        return await benchCommand(rest);
      case '--version':
      case '-V':
      case 'version':
        io.out(`${VERSION}\n`);
        return 0;
      case undefined:
        io.err(shortUsage());
        return 2;
      case 'help':
        // `jcpba help CMD` is `jcpba CMD --help`; `jcpba help` the main help.
        if (rest.length > 0) {
          const topic = rest[0];
          if (!COMMANDS.includes(topic) || topic === 'help' || topic === 'version') {
            throw usageError(`no help on ${JSON.stringify(topic)}${didYouMean(topic, COMMANDS)} (commands: ${commandList()})`, 'command');
          }
          return await main([topic, '--help'], io);
        }
        io.out(mainHelp());
        return 0;
      case '--help':
      case '-h':
        io.out(mainHelp());
        return 0;
      default:
        throw usageError(
          `unknown command ${JSON.stringify(command)}${didYouMean(command, COMMANDS)}; expected generate, solve, plan, calibrate, sweep, ${benchAvailable() ? 'merge or bench' : 'or merge'} (see jcpba --help)`,
          'command',
        );
    }
  } catch (e) {
    if (e instanceof JcpbaError) {
      io.err(`jcpba: ${terminalSafe(e.message)}\n`);
      return USAGE_CODES.has(e.code) ? 2 : 1;
    }
    if (e instanceof FileError) {
      io.err(`jcpba: ${terminalSafe(e.message)}\n`);
      return 1;
    }
    const system = e instanceof Error ? systemMessage(e) : undefined;
    if (system) {
      io.err(`jcpba: ${terminalSafe(system)}\n`);
      return 1;
    }
    const message = e instanceof Error ? e.message : String(e);
    io.err(`jcpba: internal error: ${terminalSafe(message)}\n`);
    return 1;
  }
}

