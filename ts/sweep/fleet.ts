/**
 * What a fleet does to a sweep's drops (MODEL.md section 12, docs/DEVICES.md): the
 * pruning memory forces on the clients that take part, the share of drawn clients left
 * out, and the share of "small" devices (those whose memory cannot hold the unpruned
 * fine-tuning). Drop-level quantities: they come from the drops' draws alone, the same
 * for every method and realization, so the sweep computes them here, on any backend.
 */
import { DEVICES, memoryMinPruning } from '../core/devices.js';
import { type DropDraws, type ScenarioParams, drawDrop, hasFleet } from '../core/scenario.js';

export interface DropFleet {
  /** Clients drawn, and those left out because their least pruning exceeds rmax. */
  drawn: number;
  excluded: number;
  /** sum_k w_k rmin_k / sum_k w_k over the clients that take part (w_k their samples). */
  forcedPruning: number;
}

/** The fleet quantities of one drop's draws (devices absent: nothing forced, nobody excluded). */
export function dropFleet(o: ScenarioParams, draws: DropDraws): DropFleet {
  const drawn = draws.distanceM.length;
  const device = draws.device;
  if (!device) return { drawn, excluded: 0, forcedPruning: 0 };
  let excluded = 0;
  let weighted = 0;
  let total = 0;
  for (let k = 0; k < drawn; k++) {
    const r = memoryMinPruning(o.modelMemoryBytes, DEVICES[device[k]].memoryBytes, o.memoryPrunableFraction);
    if (r > o.maxPruning) {
      excluded++;
      continue;
    }
    weighted += draws.samples[k] * r;
    total += draws.samples[k];
  }
  return { drawn, excluded, forcedPruning: total > 0 ? weighted / total : 0 };
}

/** A grid point's fleet quantities over its drops (MODEL.md section 12), each a share in [0, 1]. */
export interface FleetStats {
  /** Mean over the drops of each drop's forced pruning (DropFleet.forcedPruning). */
  forcedPruning: number;
  /** Clients left out over clients drawn, all drops together. */
  excludedShare: number;
  /** The fleet's share of devices that must prune or cannot take part (memory below M_model). */
  smallDeviceShare: number;
}

/** The fleet quantities of a grid point over its generator drops 0..drops-1 (or the given drops' draws). */
export function fleetStats(o: ScenarioParams, drops: number, fileDrops?: DropDraws[]): FleetStats {
  let forced = 0;
  let excluded = 0;
  let drawn = 0;
  for (let d = 0; d < drops; d++) {
    const draws = fileDrops ? fileDrops[d] : drawDrop({ ...o, drop: d });
    const f = dropFleet(o, draws);
    forced += f.forcedPruning;
    excluded += f.excluded;
    drawn += f.drawn;
  }
  return { forcedPruning: forced / drops, excludedShare: drawn > 0 ? excluded / drawn : 0, smallDeviceShare: smallDeviceShare(o) };
}

/** The fleet's share of devices whose memory is below what the unpruned fine-tuning needs (0 without a fleet). */
export function smallDeviceShare(o: ScenarioParams): number {
  if (!hasFleet(o)) return 0;
  let share = 0;
  o.deviceShares.forEach((s, i) => {
    if (s > 0 && DEVICES[i].memoryBytes < o.modelMemoryBytes) share += s;
  });
  return share;
}
