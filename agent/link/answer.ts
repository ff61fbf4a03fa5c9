/**
 * One request payload in, one response payload out (or none), the same for serial and TCP:
 * decode, core.handle(), encode. A payload that does not decode is answered with response code
 * 30 when it can be addressed (see format-error.ts). The core answers its own failures (96); it
 * rejects only once it is closing (nothing was decided), or for an approval of a failed round it
 * could not record (agent/core/failed-round.ts), and then nothing is sent: the terminal's timeout
 * and reversal cover it.
 * Only the MTI, STAN, terminal id and response code are logged, never card data.
 */
import type { Logger } from 'pino';
import { decode, encode } from '../../protocol/iso8583/index.ts';
import type { IsoMessage } from '../../protocol/iso8583/index.ts';
import { isEdcError } from '../../protocol/errors.ts';
import { ERR_LINK_NO_ANSWER, ERR_LINK_UNDECODABLE } from './errors.ts';
import { formatErrorResponse } from './format-error.ts';
import { encodedResponse } from '../core/responses.ts';

export interface RequestHandler {
  handle(request: IsoMessage): Promise<IsoMessage>;
}

export interface AnswerContext {
  readonly handler: RequestHandler;
  readonly logger: Logger;
  /** The link's name for logs and status, e.g. "tcp:127.0.0.1:53122" or "serial:/dev/ttyS0". */
  readonly link: string;
  /** Called with every request that decodes, before it is decided (the link notes field 41). */
  readonly onRequest?: (request: IsoMessage) => void;
}

export async function answerPayload(payload: Uint8Array, context: AnswerContext): Promise<Uint8Array | undefined> {
  let request: IsoMessage;
  try {
    request = decode(payload);
  } catch (err) {
    const response = formatErrorResponse(payload);
    const code = response === undefined ? ERR_LINK_NO_ANSWER.code : ERR_LINK_UNDECODABLE.code;
    context.logger.warn(
      {
        link: context.link,
        code,
        isoCode: isEdcError(err) ? err.code : 'unknown',
        reason: errorText(err),
        answered: response !== undefined,
      },
      response === undefined ? 'undecodable request, no addressable answer' : 'undecodable request answered with 30',
    );
    return response;
  }
  context.onRequest?.(request);
  let response: IsoMessage;
  try {
    response = await context.handler.handle(request);
  } catch (err) {
    context.logger.error(
      { link: context.link, code: ERR_LINK_NO_ANSWER.code, mti: request.mti, stan: request.fields[11], err },
      'core failed to handle request; no response sent',
    );
    return undefined;
  }
  try {
    // A response the core built was encoded (validated, round-trip checked) there, once.
    const bytes = encodedResponse(response) ?? encode(response);
    context.logger.info(
      {
        link: context.link,
        mti: request.mti,
        stan: request.fields[11],
        terminalId: request.fields[41],
        responseCode: response.fields[39],
      },
      'request answered',
    );
    return bytes;
  } catch (err) {
    context.logger.error(
      { link: context.link, code: ERR_LINK_NO_ANSWER.code, mti: response.mti, stan: response.fields[11], err },
      'core response does not encode; no response sent',
    );
    return undefined;
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
