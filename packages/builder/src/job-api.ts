// Public names of the job modules. The definitions live in internal/jobs.ts and internal/recovery.ts
// (the scheduler's modules, being redesigned); this module is where the public surface takes them from.
export { NEW_VERSION_ANNOTATION, type NewVersionRequest, type WithExports } from './internal/jobs.js';
export { INTERRUPTED_MESSAGE, type RecoveryReport } from './internal/recovery.js';
