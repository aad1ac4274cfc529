import createClient, { type Client } from 'openapi-fetch';
import { ValidationError } from '@imagebuild/core';
import { trimTrailingSlashes } from '@imagebuild/core/resources';
import { CORE_VERSION, IMAGEBUILDER_VERSION } from '@imagebuild/core/resources';
import { resolveLimits, type ClientLimits, type ImageBuilderClientOptions } from './config.js';
import { createAgents, type Agents } from './internal/agents.js';
import { createTransport, type CallContext } from './internal/transport.js';
import type { CorePaths, ImageBuilderPaths } from './types.js';

/** What every resource class shares: the typed openapi-fetch clients and the transport. */
export interface ClientDeps {
  readonly api: Client<ImageBuilderPaths>;
  /** Core API client; undefined when `coreBaseUrl` was not configured. */
  readonly core: Client<CorePaths> | undefined;
  readonly agents: Agents;
  readonly options: ImageBuilderClientOptions;
  readonly limits: Required<ClientLimits>;
  /** openapi-fetch options for one image-builder call: its signal reaches the transport directly. */
  call(signal: AbortSignal | null | undefined, stream?: boolean): { fetch: (input: Request) => Promise<Response> };
  /** The same for a core API call. */
  coreCall(signal: AbortSignal | null | undefined, stream?: boolean): { fetch: (input: Request) => Promise<Response> };
}

function checkUrl(field: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // the ValidationError names the field; the URL parser's message adds nothing
    throw new ValidationError([{ path: field, message: 'must be an absolute http(s) URL' }], {
      subject: 'client options',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ValidationError([{ path: field, message: 'must use http or https' }], { subject: 'client options' });
  }
  return trimTrailingSlashes(value);
}

export function createContext(options: ImageBuilderClientOptions): ClientDeps {
  const baseUrl = checkUrl('baseUrl', options.baseUrl);
  const coreBase = options.coreBaseUrl === undefined ? undefined : checkUrl('coreBaseUrl', options.coreBaseUrl);
  const agents = createAgents(options);
  const transport = createTransport(options, agents, IMAGEBUILDER_VERSION);
  const coreTransport = createTransport(options, agents, CORE_VERSION);
  const bind =
    (t: typeof transport) =>
    (signal: AbortSignal | null | undefined, stream = false) => {
      const call: CallContext = { signal, stream };
      return { fetch: (input: Request) => t(input, call) };
    };
  return {
    api: createClient<ImageBuilderPaths>({ baseUrl, fetch: (input) => transport(input) }),
    core:
      coreBase === undefined
        ? undefined
        : createClient<CorePaths>({ baseUrl: `${coreBase}/api/v1`, fetch: (input) => coreTransport(input) }),
    agents,
    options,
    limits: resolveLimits(options.limits),
    call: bind(transport),
    coreCall: bind(coreTransport),
  };
}

/** The core client, or a clear error when `coreBaseUrl` is missing. */
export function requireCore(ctx: ClientDeps, what: string): Client<CorePaths> {
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
