import type { ClientDeps } from '../context.js';
import { unwrap } from '../errors.js';
import { fieldSelector, labelSelector } from '../internal/selectors.js';
import type { ClientListOptions } from '../list-options.js';
import { Paged } from '../paged.js';
import type { CallOptions, ImagePromotion, ImagePromotionList, PatchRequest, Status } from '../types.js';
import { definedOnly } from './image-builds.js';

/** `/api/v1/imagepromotions`: create, get, list, replace, patch (RFC 6902), delete. */
export class ImagePromotions {
  readonly #ctx: ClientDeps;
  constructor(ctx: ClientDeps) {
    this.#ctx = ctx;
  }

  /** Creates a promotion. */
  async create(promotion: ImagePromotion, options: CallOptions = {}): Promise<ImagePromotion> {
    const r = await this.#ctx.api.POST('/api/v1/imagepromotions', {
      body: promotion,
      ...this.#ctx.call(options.signal),
    });
    return unwrap(r, `create ImagePromotion ${promotion.metadata.name ?? ''}`.trim());
  }

  /** Reads a promotion. */
  async get(name: string, options: CallOptions = {}): Promise<ImagePromotion> {
    const r = await this.#ctx.api.GET('/api/v1/imagepromotions/{name}', {
      params: { path: { name } },
      ...this.#ctx.call(options.signal),
    });
    return unwrap(r, `get ImagePromotion ${name}`);
  }

  /** Lists promotions, fetching pages as they are iterated. */
  list(options: ClientListOptions = {}): Paged<ImagePromotion, ImagePromotionList> {
    const base = {
      labelSelector: labelSelector(options.labelSelector),
      fieldSelector: fieldSelector(options.fieldSelector),
      limit: options.limit,
    };
    return new Paged(async (token) => {
      const r = await this.#ctx.api.GET('/api/v1/imagepromotions', {
        params: { query: definedOnly({ ...base, continue: token }) },
        ...this.#ctx.call(options.signal),
      });
      return unwrap(r, 'list ImagePromotions');
    }, options.continue);
  }

  /** Replaces the promotion (only labels and appended export formats may change); creates it when absent. */
  async replace(name: string, promotion: ImagePromotion, options: CallOptions = {}): Promise<ImagePromotion> {
    const r = await this.#ctx.api.PUT('/api/v1/imagepromotions/{name}', {
      params: { path: { name } },
      body: promotion,
      ...this.#ctx.call(options.signal),
    });
    return unwrap(r, `replace ImagePromotion ${name}`);
  }

  /** Applies an RFC 6902 JSON Patch to the promotion (same rules as `replace`). */
  async patch(name: string, patch: PatchRequest, options: CallOptions = {}): Promise<ImagePromotion> {
    const r = await this.#ctx.api.PATCH('/api/v1/imagepromotions/{name}', {
      params: { path: { name } },
      body: patch,
      headers: { 'Content-Type': 'application/json-patch+json' },
      ...this.#ctx.call(options.signal),
    });
    return unwrap(r, `patch ImagePromotion ${name}`);
  }

  /** Deletes a promotion. */
  async delete(name: string, options: CallOptions = {}): Promise<Status> {
    const r = await this.#ctx.api.DELETE('/api/v1/imagepromotions/{name}', {
      params: { path: { name } },
      ...this.#ctx.call(options.signal),
    });
    return unwrap(r, `delete ImagePromotion ${name}`);
  }
}
