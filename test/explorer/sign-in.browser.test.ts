/**
 * The explorer's door in headless Chromium (test/support/browser.ts) against a real gateway that
 * requires keys: the page loads without a credential and asks for one; a wrong key gets a clear
 * message (not a blank page); the right key opens the explorer for its tenant and is kept for the
 * tab (sessionStorage), not beyond. Screenshots go to test-results/explorer/.
 */
import { describe, expect, test } from 'vitest';
import { useTestApi } from '../support/api.js';
import { useChromium } from '../support/browser.js';

const key = 'explorer-sign-in-key-0123456789';
const api = useTestApi({ apiKeys: { [key]: 'explorer-sign-in' } });
const browser = useChromium({ viewport: { width: 1024, height: 700 } });
const stepMs = 20_000;

describe('the explorer asks for a key', () => {
  test('a wrong key gets a clear message; the right one opens the explorer for its tenant', {
    timeout: 90_000,
  }, async () => {
    const { page, pageErrors, screenshot } = browser();
    await page.goto(`${api().origin}/explorer`);
    const field = page.getByLabel('API key or token');
    await field.waitFor({ timeout: stepMs });
    await screenshot('explorer', 'sign-in');

    await field.fill('not-a-key-0123456789');
    await page.getByRole('button', { name: 'Open' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor({ timeout: stepMs });
    expect(await alert.textContent()).toContain('did not accept this key');
    await screenshot('explorer', 'sign-in-wrong-key');

    await page.getByLabel('API key or token').fill(key);
    await page.getByRole('button', { name: 'Open' }).click();
    await page.getByRole('navigation', { name: 'Views' }).waitFor({ timeout: stepMs });
    expect(await page.locator('header .who code').textContent()).toBe('explorer-sign-in');
    expect(await page.evaluate(() => Object.values(sessionStorage))).toEqual([key]);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);

    // A reload keeps the tab's key; "Forget key" drops it.
    await page.reload();
    await page.getByRole('navigation', { name: 'Views' }).waitFor({ timeout: stepMs });
    await page.getByRole('button', { name: 'Forget key' }).click();
    await page.getByLabel('API key or token').waitFor({ timeout: stepMs });
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
