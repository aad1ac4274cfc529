// @imagebuild/testkit: private helpers for the project's tests.
export {
  loadHarnessEnv,
  harnessEnvPath,
  parseEnvFile,
  pingSocket,
  engineSocket,
  harnessPgUrl,
  HarnessEnvError,
  HARNESS_ENGINES,
  type HarnessEnv,
  type HarnessEngine,
} from './harness-env.js';
export { startFaultProxy, type FaultProxy, type FaultProxyOptions, type CutPlan } from './fault-proxy.js';
export { TempDirs } from './temp-dirs.js';
export { issueTestCert, makeTestCa } from './test-certs.js';
