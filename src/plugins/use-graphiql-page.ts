/**
 * The GraphiQL page (about 9 MB of HTML, the whole editor inlined), built once and served
 * from memory: compressed (brotli or gzip, as the browser accepts), with a strong ETag, and
 * `304 Not Modified` to a browser that has it. Yoga would render and send it whole on every
 * GET, which lets anonymous clients cost the gateway 9 MB each.
 */
import { type Plugin, shouldRenderGraphiQL } from 'graphql-yoga';
import { assetResponse, type StaticAsset, staticAsset } from './static-asset.js';

/** Serves `render()`'s page for GETs of the GraphQL path that ask for HTML; built on first use. */
export function useGraphiQLPage(graphqlEndpoint: string, render: () => string): Plugin {
  let building: Promise<StaticAsset> | undefined;
  return {
    async onRequest({ request, url, fetchAPI, endResponse }) {
      if (url.pathname !== graphqlEndpoint || !shouldRenderGraphiQL(request)) return;
      building ??= staticAsset(render(), 'text/html; charset=utf-8');
      endResponse(assetResponse(request, await building, fetchAPI.Response));
    },
  };
}
