/**
 * The device catalog of the scenario generator (MODEL.md section 12): named devices with
 * their public figures, fleets (mixes of them), the memory a model preset's fine-tuning
 * needs, and the least pruning that memory forces on a device. Mirrors
 * crates/jcpba-core/src/devices.rs entry for entry, with identical numbers (a test reads
 * that file and compares). Every figure's source, and which number was taken where a
 * vendor gives several, is in docs/DEVICES.md.
 */
import { JcpbaError } from './error.js';

/** 2^30 bytes: device memories are sold in binary gigabytes (an "8 GB" board holds 8 GiB). */
export const GIB = 1_073_741_824;

/** A device of the catalog (MODEL.md section 12, docs/DEVICES.md): a client's compute, memory and power. */
export interface Device {
  /** Catalog name, as `--devices` spells it. */
  name: string;
  /** The product, in words (with its power mode when it has several). */
  description: string;
  /** Peak dense (no structured sparsity) FP16/BF16 tensor throughput with FP32 accumulation, FLOP/s. */
  peakFlops: number;
  /** Memory the fine-tuning may use, bytes (the device's whole memory; shared with the CPU on the SoCs). */
  memoryBytes: number;
  /** Board (module, total graphics) power while training, W: `computePowerW` of its clients. */
  powerW: number;
  /** Where each figure comes from (docs/DEVICES.md gives the detail). */
  source: string;
}

/** The catalog, in a fixed order: the flat `params` layout of runUnits holds one share per entry in this order. */
export const DEVICES: readonly Device[] = [
  {
    name: 'orin-nano-8gb',
    description: 'NVIDIA Jetson Orin Nano 8GB (Super mode, 25 W)',
    peakFlops: 16.75e12,
    memoryBytes: 8 * GIB,
    powerW: 25,
    source: 'NVIDIA Jetson Orin Nano Super Developer Kit datasheet (2024): 67 sparse INT8 TOPS -> 16.75 dense FP16 TFLOPS; 8 GB LPDDR5; 7-25 W',
  },
  {
    name: 'agx-orin-64gb',
    description: 'NVIDIA Jetson AGX Orin 64GB (MAXN, 60 W)',
    peakFlops: 42.5e12,
    memoryBytes: 64 * GIB,
    powerW: 60,
    source: 'NVIDIA Jetson AGX Orin Series datasheet / technical brief: GPU 170 sparse INT8 TOPS -> 42.5 dense FP16 TFLOPS; 64 GB LPDDR5; 15-60 W',
  },
  {
    name: 'a17-pro',
    description: 'Apple A17 Pro phone SoC (iPhone 15 Pro), Neural Engine',
    peakFlops: 17.5e12,
    memoryBytes: 8 * GIB,
    powerW: 4.13,
    source: 'Apple newsroom (2023-09-12): Neural Engine 35 trillion ops/s, taken as INT8 -> 17.5 FP16 TFLOPS; 8 GB RAM and 4.13 W sustained from third-party measurements',
  },
  {
    name: 'rtx-4090-laptop',
    description: 'NVIDIA GeForce RTX 4090 Laptop GPU (16 GB, 150 W)',
    peakFlops: 85.75e12,
    memoryBytes: 16 * GIB,
    powerW: 150,
    source: 'NVIDIA GeForce RTX 40 Series laptop specifications: 686 AI TOPS (FP8, sparse) -> 85.75 dense FP16 TFLOPS with FP32 accumulate; 16 GB GDDR6; 80-150 W TGP',
  },
  {
    name: 'rtx-4070',
    description: 'NVIDIA GeForce RTX 4070 (12 GB desktop GPU)',
    peakFlops: 58.3e12,
    memoryBytes: 12 * GIB,
    powerW: 200,
    source: 'NVIDIA GeForce RTX 4070 specifications: 466 AI TOPS (FP8, sparse) -> 58.3 dense FP16 TFLOPS with FP32 accumulate; 12 GB GDDR6X; 200 W total graphics power',
  },
  {
    name: 'rtx-4090',
    description: 'NVIDIA GeForce RTX 4090 (24 GB desktop GPU)',
    peakFlops: 165.2e12,
    memoryBytes: 24 * GIB,
    powerW: 450,
    source: 'NVIDIA Ada Lovelace GPU architecture whitepaper, appendix A: 165.2 dense FP16 tensor TFLOPS with FP32 accumulate; 24 GB GDDR6X; 450 W total graphics power',
  },
  {
    name: 'a100-80gb',
    description: 'NVIDIA A100 80GB SXM (data-centre GPU)',
    peakFlops: 312e12,
    memoryBytes: 80 * GIB,
    powerW: 400,
    source: 'NVIDIA A100 Tensor Core GPU datasheet: 312 dense BF16 tensor TFLOPS (624 sparse); 80 GB HBM2e; 400 W max TDP (SXM)',
  },
];

/** Catalog entries: the flat `params` layout holds this many shares per grid point. */
export const DEVICE_COUNT = DEVICES.length;

/**
 * Default utilization: the model FLOPs utilization (MFU) of LoRA fine-tuning on one
 * device, achieved FLOP/s over the peak. 0.3, between the published MFU of GPT-3's
 * training (21.3 %) and PaLM's (46.2 %) (Chowdhery et al., "PaLM", 2022, table 3), below
 * tuned multi-GPU pre-training (Llama 3: 38-43 % on H100): a single device at micro-batch
 * one with frozen weights keeps its tensor cores busier than GPT-3 did, less than PaLM did.
 */
export const DEFAULT_UTILIZATION = 0.3;

/**
 * Default compute power, W, of a client without `--devices`: the 200 W total graphics power
 * of an RTX 4070 (NVIDIA's specifications), a desktop GPU whose achieved throughput at the
 * default utilization (0.3 x 58.3 TFLOP/s = 17.5 TFLOP/s) lies inside the generator's
 * default throughput range (10 to 50 TFLOP/s).
 */
export const DEFAULT_COMPUTE_POWER_W = 200;

/** Named fleets for `--devices`: shares by device name (normalized when used). */
export const FLEET_PRESETS: Record<string, Record<string, number>> = {
  'edge-mix': { 'orin-nano-8gb': 0.3, 'a17-pro': 0.3, 'agx-orin-64gb': 0.2, 'rtx-4090-laptop': 0.2 },
  'consumer-mix': { 'rtx-4090-laptop': 0.3, 'rtx-4070': 0.4, 'rtx-4090': 0.3 },
  'datacenter': { 'a100-80gb': 1 },
};

/** The index of a device in the catalog, or -1. */
export function deviceIndex(name: string): number {
  return DEVICES.findIndex((d) => d.name === name);
}

function fleetError(message: string): JcpbaError {
  return new JcpbaError('invalid-option', message, 'devices');
}

/**
 * Parses a fleet, `NAME:SHARE,NAME:SHARE,...` or a preset name (FLEET_PRESETS), into one
 * share per catalog entry, normalized to sum 1; '' or 'none' is no fleet (every share 0).
 * A name without `:SHARE` has share 1.
 */
export function parseFleet(text: string): number[] {
  const shares = new Array<number>(DEVICE_COUNT).fill(0);
  const t = text.trim();
  if (t === '' || t === 'none') return shares;
  const entries: [string, number][] = Object.hasOwn(FLEET_PRESETS, t)
    ? Object.entries(FLEET_PRESETS[t])
    : t.split(',').map((item): [string, number] => {
        const [name, share, extra] = item.trim().split(':');
        if (extra !== undefined || name === '') throw fleetError(`devices: expected NAME:SHARE, got ${JSON.stringify(item)}`);
        const v = share === undefined ? 1 : share.trim() === '' ? NaN : Number(share);
        if (!(Number.isFinite(v) && v >= 0)) throw fleetError(`devices: the share of ${name} must be a finite number >= 0 (got ${JSON.stringify(share)})`);
        return [name, v];
      });
  for (const [name, share] of entries) {
    const i = deviceIndex(name);
    if (i < 0) {
      throw new JcpbaError(
        'unknown-preset',
        `unknown device ${JSON.stringify(name)}; expected one of ${DEVICES.map((d) => d.name).join(', ')} (or a fleet: ${Object.keys(FLEET_PRESETS).join(', ')})`,
        'devices',
      );
    }
    if (shares[i] !== 0) throw fleetError(`devices: ${name} is given twice`);
    shares[i] = share;
  }
  let total = 0;
  for (const s of shares) total += s;
  if (!(total > 0 && Number.isFinite(total))) throw fleetError(`devices: the shares must not all be 0 (got ${JSON.stringify(text)})`);
  return shares.map((s) => s / total);
}

/** The fleet's text form: `name:share,...` over the devices with a positive share. */
export function fleetLabel(shares: readonly number[]): string {
  return shares
    .map((s, i) => (s > 0 ? `${DEVICES[i].name}:${s}` : ''))
    .filter((x) => x !== '')
    .join(',');
}

/**
 * The device of a uniform draw u in [0, 1): the first device i with u x total < the
 * running sum of the shares up to i (in catalog order); the last device with a positive
 * share when rounding leaves u x total at or above the sum. The Rust core draws the same.
 */
export function pickDevice(shares: ArrayLike<number>, u: number): number {
  let total = 0;
  let last = -1;
  for (let i = 0; i < shares.length; i++) {
    total += shares[i];
    if (shares[i] > 0) last = i;
  }
  const x = u * total;
  let cum = 0;
  for (let i = 0; i < shares.length; i++) {
    cum += shares[i];
    if (shares[i] > 0 && x < cum) return i;
  }
  return last;
}

/**
 * What a model preset's fine-tuning needs in memory, bytes (docs/DEVICES.md):
 *
 *   M_model = P_total x bits / 8                    weights at the preset's bits
 *           + 34 x s x h x L                        activations of one sample (16-bit), s tokens
 *           + P_trainable x (bits / 8 + 12)         gradients, Adam's two FP32 moments and an FP32 master copy
 *
 * with s the dataset's tokens per sample, h the hidden size and L the layers (the 34 s h
 * bytes per layer of Korthikanti et al., "Reducing Activation Recomputation in Large
 * Transformer Models", 2022, without recomputation, micro-batch one, and without the
 * attention-score term that memory-efficient attention kernels do not store).
 */
export function fineTuningMemoryBytes(
  m: { totalParams: number; trainableParams: number; bitsPerParam: number; layers: number; hiddenSize: number },
  tokensPerSample: number,
): number {
  const weights = (m.totalParams * m.bitsPerParam) / 8;
  const activations = 34 * tokensPerSample * m.hiddenSize * m.layers;
  const optimizer = m.trainableParams * (m.bitsPerParam / 8 + 12);
  return weights + activations + optimizer;
}

/**
 * The least pruning memory forces on a device (MODEL.md section 12):
 * rmin = clip((M_model - M_k) / (phi_m M_model), 0, 1). The Rust core computes the same
 * operations in the same order.
 */
export function memoryMinPruning(modelMemoryBytes: number, deviceMemoryBytes: number, memoryPrunableFraction: number): number {
  const r = (modelMemoryBytes - deviceMemoryBytes) / (memoryPrunableFraction * modelMemoryBytes);
  return r > 0 ? (r < 1 ? r : 1) : 0;
}
