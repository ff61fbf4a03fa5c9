/**
 * Coded errors, after fastify's lib/errors.js: every failure a caller can act on is a named
 * constructor with a stable code (`EDC_ERR_...`). Call sites throw the exact constructor; callers
 * branch on `err.code`, never on message text. Each part (protocol, agent, gateway, simulators)
 * keeps one registry of its constructors, and a test holds that registry equal to the codes its
 * documentation lists.
 */

export type ErrorDetails = Readonly<Record<string, unknown>>;

export class EdcError extends Error {
  readonly code: string;
  /** HTTP status a server answers with when this error reaches a client (400 when unset). */
  readonly statusCode: number;
  /** Machine-readable facts about the failure (never personal data such as PAN or NIK). */
  readonly details: ErrorDetails;

  constructor(code: string, message: string, statusCode: number, details: ErrorDetails = {}, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'EdcError';
    this.code = code;
    this.statusCode = statusCode;
    this.details = details;
  }
}

export interface EdcErrorConstructor<C extends string = string> {
  new (message: string, details?: ErrorDetails, cause?: unknown): EdcError & { readonly code: C };
  readonly code: C;
  readonly statusCode: number;
  /** One line saying when this error is raised, for the documented list of codes. */
  readonly description: string;
}

/** Defines one coded error constructor. `statusCode` applies when the error crosses HTTP. */
export function defineError<C extends string>(code: C, description: string, statusCode = 400): EdcErrorConstructor<C> {
  if (!/^EDC_ERR_[A-Z0-9_]+$/.test(code)) {
    throw new Error(`Cannot define error: code must match EDC_ERR_[A-Z0-9_]+, found ${code}`);
  }
  const Ctor = class extends EdcError {
    static readonly code = code;
    static readonly statusCode = statusCode;
    static readonly description = description;
    declare readonly code: C;
    constructor(message: string, details?: ErrorDetails, cause?: unknown) {
      super(code, message, statusCode, details, cause);
    }
  };
  Object.defineProperty(Ctor, 'name', { value: code });
  return Ctor;
}

export function isEdcError(value: unknown, code?: string): value is EdcError {
  return value instanceof EdcError && (code === undefined || value.code === code);
}

/** Builds a registry keyed by code, refusing two constructors with one code. */
export function errorRegistry(
  ...groups: ReadonlyArray<Record<string, EdcErrorConstructor>>
): Readonly<Record<string, EdcErrorConstructor>> {
  const registry: Record<string, EdcErrorConstructor> = {};
  for (const group of groups) {
    for (const ctor of Object.values(group)) {
      if (registry[ctor.code] !== undefined && registry[ctor.code] !== ctor) {
        throw new Error(`Cannot build error registry: code ${ctor.code} is defined twice`);
      }
      registry[ctor.code] = ctor;
    }
  }
  return Object.freeze(registry);
}
