export * from './checkpoint.ts';
export * from './pdu.ts';
export { smsErrors } from './errors.ts';
export * from './at-client.ts';
