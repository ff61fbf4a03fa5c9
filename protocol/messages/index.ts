export * from './schemas.ts';
export * from './signed.ts';
export * from './request-signing.ts';
export * from './parse.ts';
