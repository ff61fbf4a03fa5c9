export * from './proof.ts';
export { strukErrors } from './errors.ts';
