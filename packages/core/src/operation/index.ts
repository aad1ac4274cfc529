export {
  Operation,
  throwIfAborted,
  type OperationBaseEvents,
  type OperationContext,
  type OperationOptions,
} from './operation.js';
