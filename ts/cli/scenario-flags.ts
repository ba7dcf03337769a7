/**
 * The scenario generator's options as command-line flags (generate, sweep), with units and defaults in the help.
 */
import { JcpbaError } from '../core/error.js';
import { DATASET_PRESETS, MODEL_PRESETS, SCENARIO_DEFAULTS, SCENARIO_HELP, type ScenarioOptions } from '../core/scenario.js';
import { didYouMean } from './suggest.js';
import { type FlagSpec, parseNumber } from './args.js';

/** Scenario options as flags: flag name -> option key, with the unit in the help. */
export const SCENARIO_FLAGS: Record<string, keyof ScenarioOptions> = {
  clients: 'clients',
  seed: 'seed',
  drop: 'drop',
  realization: 'realization',
  'cell-radius': 'cellRadiusM',
  'min-distance': 'minDistanceM',
  shadowing: 'shadowingDb',
  'tx-power': 'txPowerDbm',
  'noise-psd': 'noisePsdDbmPerHz',
  bandwidth: 'bandwidthHz',
  model: 'model',
  dataset: 'dataset',
  'samples-min': 'samplesMin',
  'samples-max': 'samplesMax',
  epochs: 'epochs',
  'throughput-min': 'throughputMin',
  'throughput-max': 'throughputMax',
  'max-pruning': 'maxPruning',
  budget: 'budget',
  'fixed-seconds': 'fixedSeconds',
  'prunable-compute': 'prunableComputeFraction',
  'prunable-payload': 'prunablePayloadFraction',
};

const STRING_OPTIONS = new Set<keyof ScenarioOptions>(['model', 'dataset']);

export function scenarioFlagSpecs(valueName = 'X'): Record<string, FlagSpec> {
  const specs: Record<string, FlagSpec> = {};
  for (const [flag, key] of Object.entries(SCENARIO_FLAGS)) {
    const def = SCENARIO_DEFAULTS[key];
    specs[flag] = {
      value: STRING_OPTIONS.has(key) ? 'PRESET' : valueName,
      help: SCENARIO_HELP[key],
      default: def === undefined ? undefined : String(def),
    };
  }
  return specs;
}

/** Reads one scenario flag's value: a number, or a preset name. */
export function scenarioValue(flag: string, text: string): number | string {
  const key = SCENARIO_FLAGS[flag];
  if (!STRING_OPTIONS.has(key)) return parseNumber(text, `--${flag}`);
  const presets = Object.keys(key === 'model' ? MODEL_PRESETS : DATASET_PRESETS);
  if (!presets.includes(text)) {
    throw new JcpbaError('unknown-preset', `unknown ${key} preset ${JSON.stringify(text)}${didYouMean(text, presets)}; expected one of ${presets.join(', ')}`, key);
  }
  return text;
}

