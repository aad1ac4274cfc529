import { describe, expect, it } from 'vitest';
import { main as httpService } from '../../examples/http-service.js';
import { main as twoEngines } from '../../examples/two-engines.js';
import { main as cancelAndDelete } from '../../examples/cancel-and-delete.js';
import { main as followLogs } from '../../examples/follow-logs.js';

describe('examples run against the harness', () => {
  it('http-service: a build created over HTTP completes; its log streams; SSE carries phases', async () => {
    const r = await httpService();
    expect(r.phase).toBe('Completed');
    expect(r.logLines).toBeGreaterThan(3);
    expect(r.events).toContain('Building');
  });
  it('two-engines: both engines of the pool take work', async () => {
    const r = await twoEngines(4);
    expect(r.every((x) => x.phase === 'Completed')).toBe(true);
    expect(new Set(r.map((x) => x.runner))).toEqual(new Set(['podman', 'docker']));
  });
  it('cancel-and-delete: Building → Canceling → Canceled; export deleted before its build', async () => {
    const r = await cancelAndDelete();
    expect(r.canceledPhases).toEqual(['Building', 'Canceling', 'Canceled']);
    expect(r.deleted.map((d) => d.split('/')[0])).toEqual(['ImageExport', 'ImageBuild']);
    expect(r.remaining).toBe(0);
  });
  it('follow-logs: resuming with from reproduces the log exactly', async () => {
    const r = await followLogs();
    expect(r).toMatchObject({ identical: true, phase: 'Completed' });
    expect(r.followed).toBe(r.total);
  });
});
