// @imagebuild/core/lifecycle — the ImageBuild and ImageExport state machines and the Ready condition.
export {
  transition,
  canTransition,
  transitionTable,
  reasonsOf,
  isTerminal,
  isActive,
  canCancel,
  cancelTarget,
  type LifecycleKind,
  type ReasonOf,
} from './transitions.js';
export { READY, getReadyCondition, getReadyReason, setReadyCondition } from './ready-condition.js';
