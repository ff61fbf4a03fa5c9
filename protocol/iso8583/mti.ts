import { ERR_ISO_MTI } from './errors.ts';
import { mtis, type Mti, type RequestMti } from './types.ts';

export function isMti(value: unknown): value is Mti {
  return typeof value === 'string' && (mtis as readonly string[]).includes(value);
}

export function isRequestMti(mti: Mti): mti is RequestMti {
  return mti[2] === '0';
}

const responses: Readonly<Record<RequestMti, Mti>> = {
  '0100': '0110',
  '0200': '0210',
  '0400': '0410',
  '0500': '0510',
  '0800': '0810',
};

/** The MTI answering a request MTI (function digit 0 -> 1: 0200 -> 0210). */
export function responseMti(request: RequestMti): Mti {
  const response = (responses as Record<string, Mti | undefined>)[request];
  if (response === undefined)
    throw new ERR_ISO_MTI(`Cannot answer MTI ${String(request)}: expected a request MTI`, { part: 'mti' });
  return response;
}
