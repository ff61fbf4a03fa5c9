/** Paging shared by every list a store answers. */

export interface Page<T> {
  readonly items: readonly T[];
  /** Pass as `after` for the next page; undefined on the last page. */
  readonly next: string | undefined;
}

export interface PageQuery {
  readonly after?: string | undefined;
  readonly limit: number;
  readonly bank?: string | undefined;
  /** Region code prefix: 2 digits = province, 4 = regency, 6 = district, 10 = village. */
  readonly region?: string | undefined;
}
