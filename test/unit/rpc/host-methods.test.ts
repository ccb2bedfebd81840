// The host method declarations: wire names, access, argument schemas (bad input refused with a
// readable message before any service call) and thin handlers returning nil for changes.
import t from 'tap';
import { hostMethods } from '../../../src/rpc/methods/host.js';
import type { HostService } from '../../../src/services/host/host-service.js';
import type { CallContext, MethodDef } from '../../../src/rpc/method.js';

const calls: Array<[string, unknown[]]> = [];
const fake = new Proxy(
  {},
  {
    get: (_t, name: string) =>
      (...args: unknown[]) => {
        calls.push([name, args]);
        if (name === 'getLog') return { [String((args[0] as string[])[0])]: `result of ${name}` };
        return name.startsWith('get') || name.startsWith('discover') ? `result of ${name}` : undefined;
      },
  },
) as unknown as HostService;

const methods = new Map<string, MethodDef>(hostMethods(fake).map((m) => [m.name, m]));
const ctx = {} as CallContext;

const PUBLIC = [
  'discover_server', 'discover_hardware', 'discover_physical_luns', 'discover_mounted_file_systems', 'get_last_boot_time',
  'get_datetime', 'get_timezone', 'get_ntp', 'get_system_disk_space',
];
const OWNED = ['set_datetime', 'set_timezone', 'set_ntp', 'enable_ntp', 'disable_ntp', 'sys_shutdown', 'sys_reboot'];

t.test('every wire-api 3.2 host method is declared once with the right access', async (t) => {
  t.same([...methods.keys()].sort(), [...PUBLIC, ...OWNED, 'get_log'].sort());
  t.equal(methods.get('get_log')?.access, 'owned', 'logs are read only by the owner manager');
  for (const n of PUBLIC) t.equal(methods.get(n)?.access, 'public', n);
  for (const n of OWNED) {
    t.equal(methods.get(n)?.access, 'owned', n);
    t.ok(methods.get(n)?.lock, `${n} takes a lock`);
  }
});

const good: Array<[string, unknown[], string, unknown[], unknown]> = [
  ['discover_server', [], 'discoverServer', [], 'result of discoverServer'],
  ['discover_physical_luns', [''], 'discoverPhysicalLuns', [''], 'result of discoverPhysicalLuns'],
  ['discover_physical_luns', [], 'discoverPhysicalLuns', [''], 'result of discoverPhysicalLuns'],
  ['discover_mounted_file_systems', ['nfs4'], 'discoverMountedFileSystems', ['nfs4'], 'result of discoverMountedFileSystems'],
  ['set_datetime', [2026, 1, 2, 3, 4, 5], 'setDatetime', [[2026, 1, 2, 3, 4, 5]], null],
  ['set_timezone', ['Europe/Oslo', false], 'setTimezone', ['Europe/Oslo', false], null],
  ['set_ntp', [['a.example', '10.0.0.1'], true], 'setNtp', [['a.example', '10.0.0.1'], true], null],
  ['enable_ntp', [], 'enableNtp', [], null],
  ['get_log', [['hvagent', 'messages']], 'getLog', [['hvagent', 'messages']], { hvagent: 'result of getLog' }],
  ['get_log', ['ovs-agent'], 'getLog', [['ovs-agent']], { 'ovs-agent': 'result of getLog' }],
  ['sys_reboot', [], 'sysReboot', [], null],
];
for (const [name, args, fn, fnArgs, result] of good) {
  t.test(`${name}(${JSON.stringify(args).slice(1, -1)}) → ${fn}`, async (t) => {
    const m = methods.get(name) as MethodDef;
    const parsed = m.params.parse(args);
    calls.length = 0;
    t.same(await m.handler(parsed, ctx), result);
    t.same(calls, [[fn, fnArgs]]);
  });
}

const bad: Array<[string, unknown[], RegExp]> = [
  ['discover_server', ['extra'], /./],
  ['discover_mounted_file_systems', ['ext4'], /nfs, nfs4, ocfs2, rootfs, all/],
  ['discover_mounted_file_systems', [], /./],
  ['discover_physical_luns', [5], /./],
  ['set_datetime', ['2026', 1, 2, 3, 4, 5], /year must be a whole number, got "2026"/],
  ['set_datetime', [2026, 1, 2, 3, 4], /./],
  ['set_datetime', [2026, 1.5, 2, 3, 4, 5], /month must be a whole number/],
  ['set_timezone', ['UTC'], /./],
  ['set_timezone', ['UTC', 'yes'], /utc must be a boolean/],
  ['set_ntp', ['pool.ntp.org', true], /servers must be a list/],
  ['set_ntp', [['a'], 2], /running must be a boolean/],
  ['set_ntp', [['a'], 'yes'], /running must be a boolean/],
  ['get_log', [[]], /./],
  ['get_log', [[1]], /./],
  ['sys_shutdown', [true], /./],
];
for (const [name, args, re] of bad) {
  t.test(`${name}(${JSON.stringify(args).slice(1, -1)}) refused`, async (t) => {
    const r = (methods.get(name) as MethodDef).params.safeParse(args);
    t.equal(r.success, false);
    if (!r.success) t.match(r.error.issues.map((i) => i.message).join('; '), re);
  });
}
