export * from './checkpoint.ts';
export * from './pdu.ts';
export * from './errors.ts';
export * from './at-client.ts';
