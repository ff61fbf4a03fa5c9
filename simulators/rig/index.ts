/** The field rig: gateway + agents x terminals + bank + signal, seeded, with attacks and invariant checks. */
export { runRig, type RigHooks, type RigLive } from './run.ts';
export { formatSummary, type RigReport } from './report.ts';
export {
  parseRigOptions,
  rigPresets,
  serialBaudRates,
  RigOptions,
  type RigOptionsInput,
  type RigPreset,
  type SerialBaudRate,
} from './options.ts';
export type { RigPhase, RigProgress, ProgressListener } from './progress.ts';
