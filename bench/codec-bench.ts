// Codec throughput on a ~1 MB list_vms-like response: encodeResponse and decodeMethodResponse MB/s.
import { performance } from 'node:perf_hooks';
import { decodeMethodResponse, encodeResponse, DEFAULT_MAX_DEPTH } from '../src/rpc/codec/index.js';

/** VM records shaped like a list_vms answer, enough of them for about `bytes` of XML. */
export function listVmsLike(bytes: number): Record<string, unknown>[] {
  const vms: Record<string, unknown>[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const uuid = `0004fb00000600000${String(i).padStart(15, '0')}`;
    const vm = {
      uuid,
      name: `vm-${i} <web & db>`,
      state: i % 3 ? 'running' : 'stopped',
      domid: i,
      memory: 4096 * 1024 * 1024, // beyond 32 bits: <i8>
      vcpus: 4,
      ha: i % 2 === 0,
      cpu_weight: 27.5,
      os_type: 'Oracle Linux 8',
      disks: [0, 1].map((d) => ({ path: `/OVS/Repositories/0004fb0000030000aaaa/VirtualDisks/${uuid}-${d}.img`, mode: 'w', size: 21474836480 })),
      vifs: [`mac=00:21:f6:00:${(i >> 8) & 0xff}:${i & 0xff},bridge=xenbr0`, `mac=00:21:f6:01:${(i >> 8) & 0xff}:${i & 0xff},bridge=103c4fea`],
      boot: null,
    };
    size += encodeResponse(vm).length;
    vms.push(vm);
  }
  return vms;
}

function rate(fn: () => number, ms: number): number {
  let bytes = 0;
  for (let i = 0; i < 3; i++) fn(); // warm-up
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    bytes += fn();
    t = performance.now();
  }
  return bytes / 1e6 / ((t - t0) / 1000);
}

export function codecBench(ms = 2000): { sizeBytes: number; encodeMBps: number; decodeMBps: number; vms: number } {
  const value = listVmsLike(1024 * 1024);
  const xml = encodeResponse(value);
  const buf = Buffer.from(xml);
  const back = decodeMethodResponse(buf, { maxDepth: DEFAULT_MAX_DEPTH });
  if (!back.ok || !Array.isArray(back.value) || back.value.length !== value.length) throw new Error('codec round trip failed');
  const encodeMBps = rate(() => Buffer.byteLength(encodeResponse(value)), ms);
  const decodeMBps = rate(() => {
    decodeMethodResponse(buf, { maxDepth: DEFAULT_MAX_DEPTH });
    return buf.length;
  }, ms);
  return { sizeBytes: buf.length, encodeMBps, decodeMBps, vms: value.length };
}
