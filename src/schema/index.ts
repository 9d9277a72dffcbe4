/**
 * The API's schema: each family adds its types and fields to the one builder, then the
 * schema is built. `scripts/build-schema.ts` prints it to schema.graphql.
 */
import { lexicographicSortSchema } from 'graphql';
import { builder } from '../builder.js';
import './scalars.js';
import './errors.js';
import './streams.js';
import './categories.js';
import './events.js';
import './multi-stream.js';
import './snapshots.js';
import './log.js';
import './subscriptions.js';
import './viewer.js';
import './consumers.js';
import './consumer-mutations.js';
import './consume.js';

export const schema = builder.toSchema({ sortSchema: false });

/** The schema in a stable order for printing (schema.graphql), independent of import order. */
export const sortedSchema = lexicographicSortSchema(schema);
