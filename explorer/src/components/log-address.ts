/**
 * The Live log's address: #/log?after=<position>&category=<c>&type=<t>&keep=<rows>. Where the
 * view starts, its filter and the rows it keeps are all in it, so a copied link or a reload
 * opens the same view. Categories and types repeat (category=a&category=b) rather than being
 * joined, so a name may hold any character.
 */
import type { LogFilter } from './log-feed';

export const keepChoices: readonly number[] = [100, 500, 2000];
export const defaultKeep = 500;

export interface LogAddress {
  /** null: the head of the log at opening. */
  after: number | null;
  filter: LogFilter;
  keep: number;
}

export function logAddressHref(address: LogAddress): string {
  const params = new URLSearchParams();
  if (address.after !== null) params.set('after', String(address.after));
  for (const category of address.filter.categories) params.append('category', category);
  for (const type of address.filter.types) params.append('type', type);
  if (address.keep !== defaultKeep) params.set('keep', String(address.keep));
  const query = params.toString();
  return `#/log${query ? `?${query}` : ''}`;
}

const namesOf = (values: string[]): string[] => [...new Set(values.filter((value) => value !== ''))];

export function filterOf(params: URLSearchParams): LogFilter {
  return { categories: namesOf(params.getAll('category')), types: namesOf(params.getAll('type')) };
}

/** The rows kept: one of the choices; anything else in the address means the default. */
export function keepOf(params: URLSearchParams): number {
  const keep = Number(params.get('keep'));
  return keepChoices.includes(keep) ? keep : defaultKeep;
}
