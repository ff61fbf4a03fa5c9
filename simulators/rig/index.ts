/** The field rig: gateway + agents x terminals + bank + signal, seeded, with attacks and invariant checks. */
export { runRig, type RigHooks, type RigLive } from './run.ts';
export { formatSummary, type RigReport } from './report.ts';
export { parseRigOptions, rigPresets, RigOptions, type RigOptionsInput, type RigPreset } from './options.ts';
