/** Small helpers shared by the API tests: appends through the typed documents. */
import { AppendEventsDocument, type AppendEventsInput } from '../generated/graphql.js';
import { expectType, type RequestOptions, type TestApi } from './api.js';

export type Ref = AppendEventsInput['stream'];

export const event = (type: string, data: unknown = {}) => ({ type, data });

export async function appendOk(
  api: TestApi,
  stream: Ref,
  events: AppendEventsInput['events'],
  expectedVersion?: number | null,
  options?: RequestOptions,
) {
  const { appendEvents } = await api.data(
    AppendEventsDocument,
    { input: { stream, events, ...(expectedVersion === undefined ? {} : { expectedVersion }) } },
    options,
  );
  return expectType(appendEvents, 'AppendEventsSuccess');
}
