/**
 * The API key or token the person gave, kept in sessionStorage: it lasts as long as the tab,
 * is never written to localStorage or a cookie, and is sent only as a Bearer credential.
 */
const storageKey = 'eventloom.explorer.credential';

export function savedCredential(): string | null {
  return sessionStorage.getItem(storageKey);
}

export function saveCredential(credential: string | null): void {
  if (credential === null) sessionStorage.removeItem(storageKey);
  else sessionStorage.setItem(storageKey, credential);
}
