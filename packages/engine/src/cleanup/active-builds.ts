/**
 * Builds in flight from this process, per `<engine endpoint>|<base image>`: where one runs, a fresh
 * unlabelled layer on that base may be its step, so no sweep guesses it is a dead job's.
 */
export const activeBuilds = new Map<string, number>();

/** Whether a build from `source` runs in this process on the engine at `endpoint`. */
export function buildingFrom(endpoint: string, source: string): boolean {
  return (activeBuilds.get(`${endpoint}|${source}`) ?? 0) > 0;
}
