/**
 * `jcpba merge`: the folders of a sharded sweep combined into what one run would have produced.
 */
import { resultsTable } from '../sweep/results.js';
import { mergeShards } from '../sweep/run.js';
import { type FlagSpec, formatHelp, parseArgs, usageError } from './args.js';
import type { Io } from './io.js';
import { statisticOption } from './sweep.js';

const MERGE_FLAGS: Record<string, FlagSpec> = {
  statistic: { value: 'mean|median', help: 'what the figures draw (see jcpba help sweep)', default: 'mean' },
  out: { value: 'DIR', help: 'folder for the merged results (required)' },
  quiet: { boolean: true, help: 'print nothing on stdout' },
  help: { boolean: true, help: 'show this help' },
};

export async function mergeCommand(argv: string[], io: Io): Promise<number> {
  const { flags, positionals } = parseArgs(argv, MERGE_FLAGS);
  if (flags.has('help')) {
    io.out(formatHelp('Usage: jcpba merge --out DIR SHARD_DIR...', 'Combines the output folders of a sharded sweep (--shard i/n) into what one run would have produced.\nThe shard folders are only read; --out must be new, empty, or hold an earlier merge of the same sweep.', MERGE_FLAGS));
    return 0;
  }
  const out = flags.get('out');
  if (!out) throw usageError('merge needs --out DIR', 'out');
  const merged = await mergeShards(out, positionals, { statistic: statisticOption(flags.get('statistic')) });
  if (!flags.has('quiet')) io.out(resultsTable(merged.config, merged.rows));
  for (const note of merged.notes) io.err(`jcpba: note: ${note}\n`);
  if (merged.missing > 0) io.err(`jcpba: merge: ${merged.missing} units are missing; results cover complete grid points only\n`);
  io.err(`jcpba: merged ${positionals.length} folders into ${out} (${merged.complete ? 'complete' : 'INCOMPLETE: some units are missing'})\n`);
  return merged.complete ? 0 : 1;
}

