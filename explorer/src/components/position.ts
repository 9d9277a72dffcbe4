/** A log position typed by a person: a whole number from 0 (up to 2^53-1), or null. */
export function parsePosition(text: string | null): number | null {
  if (text === null || !/^\d+$/.test(text.trim())) return null;
  const value = Number(text.trim());
  return Number.isSafeInteger(value) ? value : null;
}
