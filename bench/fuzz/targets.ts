/**
 * The fuzz targets and their full-run case counts (what `npm run fuzz` runs without --cases):
 * 1M cases for each decoder, 100k requests for the gateway's HTTP API.
 */
import { fuzz, type FuzzFigures, type FuzzRunOptions } from './harness.ts';
import { fuzzHttp } from './http.ts';
import { checkIso, isoCases } from './iso8583.ts';
import { checkSerial, checkTcp, serialCases, tcpCases } from './link.ts';

export interface FuzzTarget {
  readonly name: string;
  readonly fullCases: number;
  readonly what: string;
  run(options: FuzzRunOptions): Promise<FuzzFigures>;
}

export const fuzzTargets: readonly FuzzTarget[] = [
  {
    name: 'serial',
    fullCases: 1_000_000,
    what: 'serial frame decoder (STX/LEN/ETX/LRC), chunked streams on a simulated clock',
    run: (o) => fuzz('serial', serialCases, checkSerial, o),
  },
  {
    name: 'tcp',
    fullCases: 1_000_000,
    what: 'TCP frame decoder (2-byte length prefix), chunked streams on a simulated clock',
    run: (o) => fuzz('tcp', tcpCases, checkTcp, o),
  },
  {
    name: 'iso8583',
    fullCases: 1_000_000,
    what: 'ISO 8583 decoder: random bytes and mutated messages of every MTI',
    run: (o) => fuzz('iso8583', isoCases, checkIso, o),
  },
  {
    name: 'http',
    fullCases: 100_000,
    what: 'gateway HTTP API via inject() on a real LevelDB store: malformed and adversarial requests',
    run: (o) => fuzzHttp(o),
  },
];
