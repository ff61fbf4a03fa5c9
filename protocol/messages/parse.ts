/** Parsing untrusted messages into typed ones, failing with one coded error that lists the issues. */
import type { z } from 'zod';
import { defineError } from '../errors.ts';

export const messageErrors = {
  ERR_MESSAGE_INVALID: defineError(
    'EDC_ERR_MESSAGE_INVALID',
    'A message does not match its schema (details.issues lists each path and problem)',
    400,
  ),
} as const;
export const { ERR_MESSAGE_INVALID } = messageErrors;

export interface MessageIssue {
  readonly path: string;
  readonly message: string;
}

export function describeIssues(error: z.ZodError): MessageIssue[] {
  return error.issues.slice(0, 20).map((issue) => ({
    path: issue.path.length ? issue.path.map(String).join('.') : '(root)',
    message: issue.message,
  }));
}

/** Parses `value` with `schema` or throws EDC_ERR_MESSAGE_INVALID naming `what` and the first problem. */
export function parseMessage<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = describeIssues(result.error);
  const first = issues[0];
  throw new ERR_MESSAGE_INVALID(`Cannot accept ${what}: ${first ? `${first.path}: ${first.message}` : 'invalid'}`, {
    issues,
  });
}
