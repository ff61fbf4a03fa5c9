// Entry of a chain-verification worker thread (verify-pool.ts). Plain JavaScript so that it
// starts the same way under the edc-gateway binary, tsx and vitest: it registers tsx in this
// thread, then loads the TypeScript worker body.
import { register } from 'tsx/esm/api';

register();
await import(new URL('./verify-worker-main.ts', import.meta.url).href);
