export {
  Operation,
  throwIfAborted,
  type OperationBaseEvents,
  type OperationScope,
  type OperationOptions,
} from './operation.js';
export type { CallOptions, ListOptions, TransferProgress } from './shapes.js';
