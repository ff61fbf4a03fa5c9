/** Date and time fields a terminal stamps on a request: 7 (UTC MMDDhhmmss), 12 hhmmss and 13 MMDD (local). */
export interface Stamp {
  readonly transmission: string;
  readonly localTime: string;
  readonly localDate: string;
}

const two = (n: number): string => String(n).padStart(2, '0');

export function localStamp(at: number, utcOffsetMinutes: number): Stamp {
  const utc = new Date(at);
  const local = new Date(at + utcOffsetMinutes * 60_000);
  return {
    transmission:
      two(utc.getUTCMonth() + 1) +
      two(utc.getUTCDate()) +
      two(utc.getUTCHours()) +
      two(utc.getUTCMinutes()) +
      two(utc.getUTCSeconds()),
    localTime: two(local.getUTCHours()) + two(local.getUTCMinutes()) + two(local.getUTCSeconds()),
    localDate: two(local.getUTCMonth() + 1) + two(local.getUTCDate()),
  };
}
