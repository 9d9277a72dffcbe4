/**
 * The explorer's Append view in headless Chromium against a real gateway on DynamoDB Local: a
 * successful append shows its stream, version and positions and links to the stream, whose page
 * offers a prefilled form for the next one; JSON that does not parse is refused in the form and
 * never sent; WrongExpectedVersionError and InvalidInputError are shown with their fields.
 * Screenshots go to test-results/explorer/.
 */
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { streamIdForName } from '../../src/store/index.js';
import { StreamDocument } from '../generated/graphql.js';
import { uniqueName, useTestApi } from '../support/api.js';
import { useChromium } from '../support/browser.js';
import { uniqueTenant } from '../support/dynamo.js';
import { appendOk } from '../support/fixtures.js';

const key = 'explorer-append-key-0123456789';
const api = useTestApi({ apiKeys: { [key]: uniqueTenant('explorer-append') } });
const browser = useChromium({ viewport: { width: 1024, height: 900 } });
const stepMs = 20_000;

async function openAppend(page: Page): Promise<void> {
  await page.goto(`${api().origin}/explorer#/append`);
  await page.getByLabel('API key or token').fill(key);
  await page.getByRole('button', { name: 'Open' }).click();
  await page.getByRole('heading', { name: 'Append an event' }).waitFor({ timeout: stepMs });
}

interface FormInput {
  stream: string;
  category?: string;
  type: string;
  data: string;
  metadata?: string;
  expectedVersion?: string;
}

async function fillForm(page: Page, input: FormInput): Promise<void> {
  await page.getByLabel('Stream (name or id)').fill(input.stream);
  await page.getByLabel('Category (empty: none)').fill(input.category ?? '');
  await page.getByLabel('Event type').fill(input.type);
  await page.getByLabel('Data (JSON)').fill(input.data);
  await page.getByLabel('Metadata (JSON, optional)').fill(input.metadata ?? '');
  await page.getByLabel('Expected version (empty: none)').fill(input.expectedVersion ?? '');
}

const result = (page: Page) => page.locator('.result');

describe('the Append view', () => {
  test('an append succeeds, links to its stream, and the stream offers the next append prefilled', {
    timeout: 120_000,
  }, async () => {
    const { page, pageErrors, screenshot } = browser();
    await openAppend(page);
    await screenshot('explorer', 'append-form');
    const category = uniqueName('cart');
    const name = uniqueName('cart-1');
    await fillForm(page, {
      stream: name,
      category,
      type: 'ItemAdded',
      data: '{"sku": "A-1", "quantity": 2, "options": {"gift": true}}',
      metadata: '{"correlationId": "c-42"}',
      expectedVersion: '0',
    });
    await page.getByRole('button', { name: 'Append' }).click();
    await result(page).getByText('AppendEventsSuccess').waitFor({ timeout: stepMs });
    const text = await result(page).textContent();
    expect(text).toContain(`in ${name} (category ${category}), now at version 1.`);
    expect(text).toMatch(/version 1, position \d+, id [0-9a-f-]{36}/);
    // A versioned stream: the next append expects the version reached.
    expect(await page.getByLabel('Expected version (empty: none)').inputValue()).toBe('1');
    await result(page).scrollIntoViewIfNeeded();
    await screenshot('explorer', 'append-success');

    await result(page).getByRole('link', { name, exact: true }).click();
    await page.getByRole('heading', { name }).waitFor({ timeout: stepMs });
    const event = page.getByRole('article', { name: 'Event 1: ItemAdded' });
    await event.waitFor({ timeout: stepMs });
    expect(await event.textContent()).toContain('"sku": "A-1"');
    expect(await event.textContent()).toContain('"correlationId": "c-42"');

    await page.getByRole('link', { name: 'Append to this stream' }).click();
    await page.getByRole('heading', { name: 'Append an event' }).waitFor({ timeout: stepMs });
    expect(await page.getByLabel('Stream (name or id)').inputValue()).toBe(streamIdForName(name));
    expect(await page.getByLabel('Category (empty: none)').inputValue()).toBe(category);
    expect(await page.getByLabel('Expected version (empty: none)').inputValue()).toBe('1');
    await page.getByLabel('Event type').fill('ItemRemoved');
    await page.getByLabel('Data (JSON)').fill('{"sku": "A-1"}');
    await page.getByRole('button', { name: 'Append' }).click();
    await result(page).getByText('now at version 2.').waitFor({ timeout: stepMs });
    const stored = await api().data(StreamDocument, { ref: { name, category } }, { key });
    expect(stored.stream).toMatchObject({ version: 2, versioned: true });
    expect(pageErrors).toEqual([]);
  });

  test('JSON that does not parse is refused in the form and nothing is sent', {
    timeout: 90_000,
  }, async () => {
    const { page, pageErrors, screenshot } = browser();
    await openAppend(page);
    const name = uniqueName('never');
    const requests: string[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/graphql')) requests.push(request.postData() ?? '');
    });
    await fillForm(page, { stream: name, type: 'Broken', data: '{"a": }', metadata: '[1, 2' });
    await page.getByRole('button', { name: 'Append' }).click();
    const dataProblem = page.locator('#append-data-problem');
    await dataProblem.waitFor({ timeout: stepMs });
    expect(await dataProblem.textContent()).toContain('Data is not valid JSON');
    expect(await dataProblem.getAttribute('role')).toBe('alert');
    expect(await page.locator('#append-metadata-problem').textContent()).toContain(
      'Metadata is not valid JSON',
    );
    expect(await page.getByLabel('Data (JSON)').getAttribute('aria-invalid')).toBe('true');
    await screenshot('explorer', 'append-invalid-json');
    expect(requests).toEqual([]);
    expect((await api().data(StreamDocument, { ref: { name } }, { key })).stream).toBeNull();

    // Corrected, it goes through and the messages are gone.
    await page.getByLabel('Data (JSON)').fill('{"a": 1}');
    await page.getByLabel('Metadata (JSON, optional)').fill('');
    await page.getByRole('button', { name: 'Append' }).click();
    await result(page).getByText('AppendEventsSuccess').waitFor({ timeout: stepMs });
    expect(await page.locator('#append-data-problem').count()).toBe(0);
    expect(requests).toHaveLength(1);
    expect(pageErrors).toEqual([]);
  });

  test('WrongExpectedVersionError and InvalidInputError are shown with their fields', {
    timeout: 90_000,
  }, async () => {
    const { page, pageErrors, screenshot } = browser();
    const category = uniqueName('ledger');
    const name = uniqueName('ledger-1');
    await appendOk(
      api(),
      { name, category },
      [
        { type: 'Opened', data: {} },
        { type: 'Credited', data: { amount: 5 } },
      ],
      0,
      { key },
    );
    await openAppend(page);
    await fillForm(page, {
      stream: name,
      category,
      type: 'Debited',
      data: '{"amount": 3}',
      expectedVersion: '1',
    });
    await page.getByRole('button', { name: 'Append' }).click();
    const refusal = page.getByRole('alert');
    await refusal.getByText('WrongExpectedVersionError').waitFor({ timeout: stepMs });
    // Each field as its name (dt) followed by its value (dd).
    expect(await refusal.locator('dl > div').allTextContents()).toEqual([
      'expectedVersion1',
      'actualVersion2',
      `streamId${streamIdForName(name)}`,
      `category${category}`,
    ]);
    await result(page).scrollIntoViewIfNeeded();
    await screenshot('explorer', 'append-wrong-version');

    await fillForm(page, { stream: uniqueName('fresh'), type: 'T'.repeat(300), data: '{}' });
    await page.getByRole('button', { name: 'Append' }).click();
    await refusal.getByText('InvalidInputError').waitFor({ timeout: stepMs });
    expect(await refusal.locator('dl > div').allTextContents()).toEqual(['pathinput.events.0.type']);
    await result(page).scrollIntoViewIfNeeded();
    await screenshot('explorer', 'append-invalid-input');
    expect(pageErrors).toEqual([]);
  });
});
