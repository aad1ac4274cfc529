/**
 * Validates recorded HTTP responses against an OpenAPI document with ajv (JSON Schema): the status
 * must be declared for the operation, the media type declared for that status, and a JSON body must
 * satisfy the declared schema. OpenAPI-only keywords are stripped; `format`s ajv does not know
 * (int32, int64, byte, binary, password) are accepted.
 */
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import {
  SpecSet,
  isObject,
  operations,
  type Json,
  type JsonObject,
  type OperationView,
} from '../../client/support/openapi-doc.js';

const Ajv = AjvModule as unknown as typeof AjvModule.default;
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

export interface RecordedResponse {
  method: string;
  /** Path without the query, relative to the API root (e.g. `/api/v1/imagebuilds/x`). */
  path: string;
  status: number;
  contentType: string;
  body: unknown;
}

function strip(node: Json): Json {
  if (Array.isArray(node)) return node.map(strip);
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node)) {
    if (
      k === 'discriminator' ||
      k === 'example' ||
      k === 'examples' ||
      k === 'xml' ||
      k === 'externalDocs' ||
      k.startsWith('x-')
    )
      continue;
    out[k] =
      k === 'properties' && isObject(v)
        ? Object.fromEntries(Object.entries(v).map(([p, s]) => [p, strip(s)]))
        : strip(v);
  }
  if (Array.isArray(out.enum))
    out.enum = [...new Set(out.enum.map((v) => JSON.stringify(v)))].map((v) => JSON.parse(v) as Json);
  if (out.nullable === true) {
    delete out.nullable;
    return { anyOf: [out, { type: 'null' }] };
  }
  delete out.nullable;
  return out;
}

export class ResponseValidator {
  readonly #specs = new SpecSet();
  readonly #ops: Array<OperationView & { re: RegExp }>;
  readonly #ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  readonly #prefix: string;
  readonly #compiled = new Map<string, ReturnType<InstanceType<typeof Ajv>['compile']>>();

  /** `prefix`: what the document's paths lack compared with recorded paths (the core API's `/api/v1`). */
  constructor(
    readonly file: string,
    prefix = '',
  ) {
    addFormats(this.#ajv);
    for (const f of ['int32', 'int64', 'byte', 'binary', 'password']) this.#ajv.addFormat(f, true);
    this.#prefix = prefix;
    this.#ops = operations(this.#specs, file).map((o) => ({
      ...o,
      re: new RegExp(
        `^${(prefix + o.path).replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\\{[^}]+\\\}|\{[^}]+\}/g, '[^/]+')}$`,
      ),
    }));
  }

  /** True when the document has an operation for this method and path. */
  covers(r: Pick<RecordedResponse, 'method' | 'path'>): boolean {
    return this.#ops.some((o) => o.method === r.method.toLowerCase() && o.re.test(r.path));
  }

  /** Problems with one response (empty when it conforms). */
  validate(r: RecordedResponse): string[] {
    const where = `${r.method} ${r.path} → ${r.status}`;
    const op = this.#ops.find((o) => o.method === r.method.toLowerCase() && o.re.test(r.path));
    if (!op) return [`${where}: no such operation in ${this.file}`];
    const responses = (op.op.responses ?? {}) as JsonObject;
    const declared = responses[String(r.status)] ?? responses.default;
    if (!declared) return [`${where}: status not declared (declared: ${Object.keys(responses).join(', ')})`];
    const resp = this.#specs.resolve(declared, op.file).node;
    const content = isObject(resp) && isObject(resp.content) ? resp.content : undefined;
    if (!content) return r.contentType ? [] : [];
    const media = r.contentType.split(';')[0]!.trim();
    const entry = content[media];
    if (!isObject(entry))
      return [`${where}: media type ${media || '(none)'} not declared (declared: ${Object.keys(content).join(', ')})`];
    if (media !== 'application/json') return [];
    const cacheKey = `${op.method} ${op.path} ${r.status} ${media}`;
    let check = this.#compiled.get(cacheKey);
    if (!check) {
      check = this.#ajv.compile(strip(this.#specs.inline(entry.schema ?? {}, op.file)) as object);
      this.#compiled.set(cacheKey, check);
    }
    if (check(r.body)) return [];
    return (check.errors ?? []).map(
      (e) => `${where}: ${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
    );
  }
}
