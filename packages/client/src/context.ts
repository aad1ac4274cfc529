import createClient, { type Client } from 'openapi-fetch';
import type { Dispatcher } from 'undici';
import { ValidationError } from '@imagebuild/core';
import { API_VERSION, CORE_API_VERSION, type ImageBuilderClientOptions } from './config.js';
import { createDispatcher } from './internal/dispatcher.js';
import { createTransport } from './internal/transport.js';
import type { CorePaths, ImageBuilderPaths } from './types.js';

/** What every resource class shares: the typed openapi-fetch clients and the transport. */
export interface ClientContext {
  readonly api: Client<ImageBuilderPaths>;
  /** Core API client; undefined when `coreBaseUrl` was not configured. */
  readonly core: Client<CorePaths> | undefined;
  readonly dispatcher: Dispatcher;
  readonly options: ImageBuilderClientOptions;
}

function checkUrl(field: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ValidationError([{ path: field, message: 'must be an absolute http(s) URL' }], {
      subject: 'client options',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ValidationError([{ path: field, message: 'must use http or https' }], { subject: 'client options' });
  }
  let end = value.length;
  while (end > 0 && value[end - 1] === '/') end--;
  return value.slice(0, end);
}

export function createContext(options: ImageBuilderClientOptions): ClientContext {
  const baseUrl = checkUrl('baseUrl', options.baseUrl);
  const coreBase = options.coreBaseUrl === undefined ? undefined : checkUrl('coreBaseUrl', options.coreBaseUrl);
  const dispatcher = createDispatcher(options);
  const transport = createTransport(options, dispatcher, API_VERSION);
  const coreTransport = createTransport(options, dispatcher, CORE_API_VERSION);
  return {
    api: createClient<ImageBuilderPaths>({ baseUrl, fetch: transport }),
    core:
      coreBase === undefined
        ? undefined
        : createClient<CorePaths>({ baseUrl: `${coreBase}/api/v1`, fetch: coreTransport }),
    dispatcher,
    options,
  };
}

/** The core client, or a clear error when `coreBaseUrl` is missing. */
export function requireCore(ctx: ClientContext, what: string): Client<CorePaths> {
  if (!ctx.core) {
    throw new ValidationError(
      [{ path: 'coreBaseUrl', message: `is required for ${what} (the core Flight Control API URL)` }],
      {
        subject: 'client options',
      },
    );
  }
  return ctx.core;
}
