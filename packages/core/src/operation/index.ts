export {
  Operation,
  throwIfAborted,
  type OperationBaseEvents,
  type OperationContext,
  type OperationOptions,
} from './operation.js';
export type { CallOptions, TransferProgress } from './shapes.js';
