// @imagebuild/testkit: nothing is exported until its issue lands.
export {};
export { startFaultProxy, type FaultProxy, type FaultProxyOptions, type CutPlan } from './fault-proxy.js';
