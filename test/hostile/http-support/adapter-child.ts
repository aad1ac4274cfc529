/**
 * The adapter in a process of its own, for the hostile HTTP suite: an ImageBuilder with the
 * builder's instant test runner behind `createImageBuilderHandler`, on an ephemeral port. The
 * parent measures it over IPC (`measure` → CPU time and RSS) and sees it die if it does. Exports
 * named `mem-*` are Completed with an in-memory artifact (the registry is not what is under test
 * here: Range handling is), every other call goes to the real builder.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { ImageBuilder } from '@imagebuild/builder';
import type { ImageExport } from '@imagebuild/core';
import { createImageBuilderHandler, type BuilderApi } from '@imagebuild/http';
import { InstantRunner } from '../../../packages/builder/test/instant-runner.js';

const token = process.env.IB_HOSTILE_TOKEN ?? '';
const runner = new InstantRunner({ behaviour: (_k, name) => (name.startsWith('hang-') ? 'hang' : 'ok') });
const builder = new ImageBuilder({ runners: [runner], logTailLines: 200, concurrency: 400 });

const sizes: Record<string, number> = { 'mem-empty': 0, 'mem-small': 1 << 20 };
const completed = (name: string): ImageExport => ({
  apiVersion: 'flightctl.io/v1alpha1',
  kind: 'ImageExport',
  metadata: { name },
  spec: { source: { type: 'imageBuild', imageBuildRef: 'b' }, format: 'qcow2' },
  status: {
    manifestDigest: `sha256:${'e'.repeat(64)}`,
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        reason: 'Completed',
        message: '',
        lastTransitionTime: new Date(0).toISOString(),
      },
    ],
  },
});

const api: BuilderApi = {
  create: builder.create.bind(builder),
  apply: builder.apply.bind(builder),
  get: ((kind: 'ImageExport', name: string, o?: object) =>
    kind === 'ImageExport' && name in sizes ? Promise.resolve(completed(name)) : builder.get(kind, name, o)) as never,
  list: builder.list.bind(builder),
  delete: builder.delete.bind(builder),
  cancel: builder.cancel.bind(builder),
  newVersion: builder.newVersion.bind(builder),
  logs: builder.logs.bind(builder),
  readLog: builder.readLog.bind(builder),
  openExport: (async (name: string, options?: object) => {
    const size = sizes[name];
    if (size === undefined) return builder.openExport(name, options);
    return {
      filename: 'b.qcow2',
      size,
      digest: `sha256:${'d'.repeat(64)}`,
      open: async ({ offset = 0, length = size - offset }: { offset?: number; length?: number } = {}) =>
        Readable.from([Buffer.alloc(length, 7)]),
      close: async () => undefined,
    };
  }) as never,
};

const handler = createImageBuilderHandler(api, {
  auth: (req) => req.headers.authorization === `Bearer ${token}`,
  keepAliveMs: 50,
});
const server = createServer(handler);
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});

process.on('message', (msg: { cmd: string; lines?: number; id: number }) => {
  if (msg.cmd === 'measure') {
    const cpu = process.cpuUsage();
    process.send?.({ id: msg.id, cpuMs: (cpu.user + cpu.system) / 1000, rss: process.memoryUsage().rss });
  } else if (msg.cmd === 'lines') {
    runner.opts.lines = msg.lines ?? 2; // how many lines each phase of the next jobs logs
    process.send?.({ id: msg.id });
  } else if (msg.cmd === 'stop') {
    server.closeAllConnections();
    server.close();
    void builder.close().then(() => process.exit(0));
  }
});
