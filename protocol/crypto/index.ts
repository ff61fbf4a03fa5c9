export * from './canonical.ts';
export * from './encoding.ts';
export * from './ed25519.ts';
export * from './seal.ts';
export { cryptoErrors } from './errors.ts';
