// A simulated host network for service tests and the bench: it reads back a HostNetSnapshot
// and applies LiveOps the way the kernel would (bond slaves follow the bond's MTU, deleting a
// device releases its members and drops its VLANs), with failure injection by op index.
import { AgentError } from '../../src/core/errors.js';
import type { LiveApplier, LiveOp, NetReader } from '../../src/host/net/live-ops.js';
import type { HostNetSnapshot, LinkSnap } from '../../src/host/net/snapshot.js';

export interface FailRule {
  /** Fail the nth op applied overall (0-based, counted across apply calls). */
  atOp?: number;
  /** Or fail the first op matching this. */
  when?: (op: LiveOp) => boolean;
  stderr?: string;
}

let macSeq = 0x10;

export function port(name: string, mac: string, extra: Partial<LinkSnap> = {}): LinkSnap {
  return { name, ifindex: 0, kind: 'physical', mac, mtu: 1500, up: true, carrier: true, operstate: 'UP', flags: ['BROADCAST', 'MULTICAST', 'UP'], addresses: [], ...extra };
}

export class FakeNetHost implements NetReader, LiveApplier {
  snap: HostNetSnapshot;
  applied: LiveOp[] = [];
  applyCalls = 0;
  reads = 0;
  fail: FailRule | undefined;
  /** Address a DHCP client would get per device. */
  leases: Record<string, string> = {};
  /** Make reads lie (verification failures): a function that edits the returned snapshot. */
  readFilter: ((s: HostNetSnapshot) => void) | undefined;

  constructor(snap: HostNetSnapshot) {
    this.snap = structuredClone(snap);
  }

  async read(): Promise<HostNetSnapshot> {
    this.reads++;
    const s = structuredClone(this.snap);
    this.readFilter?.(s);
    return s;
  }

  async apply(ops: readonly LiveOp[]): Promise<{ ran: number }> {
    this.applyCalls++;
    let ran = 0;
    for (const [index, op] of ops.entries()) {
      const n = this.applied.length;
      if (this.fail && (this.fail.atOp === n || this.fail.when?.(op))) {
        const rule = this.fail;
        this.fail = undefined;
        throw new AgentError('NET_APPLY_FAILED', `op ${op.op} failed: ${rule.stderr ?? 'RTNETLINK answers: Operation not supported'}`, {
          index,
          op,
          argv: ['ip', op.op],
          stderr: rule.stderr ?? 'RTNETLINK answers: Operation not supported',
        });
      }
      this.exec(op, index);
      this.applied.push(op);
      ran++;
    }
    return { ran };
  }

  link(name: string): LinkSnap | undefined {
    return this.snap.links.find((l) => l.name === name);
  }

  private must(name: string, index: number, op: LiveOp): LinkSnap {
    const l = this.link(name);
    if (!l) throw new AgentError('NET_APPLY_FAILED', `Cannot find device "${name}"`, { index, op, argv: ['ip'], stderr: `Cannot find device "${name}"` });
    return l;
  }

  private add(l: Partial<LinkSnap> & { name: string; kind: LinkSnap['kind'] }, index: number, op: LiveOp): void {
    if (this.link(l.name)) throw new AgentError('NET_APPLY_FAILED', 'RTNETLINK answers: File exists', { index, op, argv: ['ip'], stderr: 'RTNETLINK answers: File exists' });
    const mac = `02:00:00:00:00:${(macSeq++ & 0xff).toString(16).padStart(2, '0')}`;
    this.snap.links.push({ ifindex: this.snap.links.length + 1, mac, mtu: 1500, up: false, carrier: false, operstate: 'DOWN', flags: ['BROADCAST', 'MULTICAST'], addresses: [], ...l });
  }

  private release(member: string): void {
    for (const l of this.snap.links) {
      if (l.bond) l.bond.slaves = l.bond.slaves.filter((s) => s !== member);
      if (l.bridge) l.bridge.ports = l.bridge.ports.filter((p) => p !== member);
    }
    const m = this.link(member);
    if (m) delete m.master;
  }

  private exec(op: LiveOp, index: number): void {
    const err = (msg: string) => new AgentError('NET_APPLY_FAILED', msg, { index, op, argv: ['ip'], stderr: msg });
    switch (op.op) {
      case 'link-add-bridge':
        return this.add({ name: op.name, kind: 'bridge', bridge: { stp: false, forwardDelay: 1500, ports: [] } }, index, op);
      case 'link-add-bond':
        return this.add(
          {
            name: op.name,
            kind: 'bond',
            bond: {
              mode: op.mode,
              miimon: Number(op.options.miimon ?? 0),
              updelay: Number(op.options.updelay ?? 0),
              downdelay: Number(op.options.downdelay ?? 0),
              ...(op.options.lacp_rate ? { lacpRate: op.options.lacp_rate } : {}),
              ...(op.options.xmit_hash_policy ? { xmitHashPolicy: op.options.xmit_hash_policy } : {}),
              slaves: [],
            },
          },
          index,
          op,
        );
      case 'link-add-vlan': {
        const parent = this.must(op.parent, index, op);
        return this.add({ name: op.name, kind: 'vlan', mtu: parent.mtu, mac: parent.mac, vlan: { id: op.id, parent: op.parent } }, index, op);
      }
      case 'link-del': {
        const l = this.must(op.name, index, op);
        for (const m of [...(l.bond?.slaves ?? []), ...(l.bridge?.ports ?? [])]) this.release(m);
        this.release(op.name);
        const vlans = this.snap.links.filter((x) => x.vlan?.parent === op.name).map((x) => x.name);
        this.snap.links = this.snap.links.filter((x) => x.name !== op.name && !vlans.includes(x.name));
        this.snap.routes = this.snap.routes.filter((r) => r.dev !== op.name && !vlans.includes(r.dev));
        return;
      }
      case 'link-set-master': {
        const l = this.must(op.name, index, op);
        const m = this.must(op.master, index, op);
        if (l.master) throw err(`${op.name} already has a master`);
        if (m.bond) {
          if (l.up) throw err(`${op.name}: a slave must be down before it is enslaved`);
          m.bond.slaves.push(op.name);
          l.mtu = m.mtu;
          l.up = true;
          l.permMac = l.permMac ?? l.mac;
          l.mac = m.bond.slaves.length === 1 ? l.mac : m.mac;
          if (m.bond.slaves.length === 1) m.mac = l.mac;
        } else if (m.bridge) m.bridge.ports.push(op.name);
        else throw err(`${op.master} is not a bond or bridge`);
        l.master = op.master;
        return;
      }
      case 'link-set-nomaster':
        return this.release(this.must(op.name, index, op).name);
      case 'link-set-up':
        this.must(op.name, index, op).up = true;
        return;
      case 'link-set-down':
        this.must(op.name, index, op).up = false;
        return;
      case 'link-set-mtu': {
        const l = this.must(op.name, index, op);
        if (l.vlan && op.mtu > (this.link(l.vlan.parent)?.mtu ?? 0)) throw err('RTNETLINK answers: Numerical result out of range');
        l.mtu = op.mtu;
        for (const s of l.bond?.slaves ?? []) this.link(s)!.mtu = op.mtu;
        for (const v of this.snap.links.filter((x) => x.vlan?.parent === op.name)) if (v.mtu > op.mtu) v.mtu = op.mtu;
        return;
      }
      case 'link-set-mac':
        this.must(op.name, index, op).mac = op.mac;
        return;
      case 'bond-set-option': {
        const b = this.must(op.name, index, op).bond;
        if (!b) throw err(`${op.name} is not a bond`);
        if (op.option === 'mode') b.mode = op.value;
        else if (op.option === 'miimon') b.miimon = Number(op.value);
        else if (op.option === 'updelay') b.updelay = Number(op.value);
        else if (op.option === 'downdelay') b.downdelay = Number(op.value);
        else if (op.option === 'primary') b.primary = op.value;
        else if (op.option === 'lacp_rate') b.lacpRate = op.value;
        else if (op.option === 'xmit_hash_policy') b.xmitHashPolicy = op.value;
        return;
      }
      case 'bridge-set-option': {
        const b = this.must(op.name, index, op).bridge;
        if (!b) throw err(`${op.name} is not a bridge`);
        if (op.option === 'stp_state') b.stp = op.value !== '0';
        else b.forwardDelay = Number(op.value);
        return;
      }
      case 'addr-add': {
        const l = this.must(op.dev, index, op);
        const [address, p] = op.cidr.split('/');
        if (this.snap.links.some((x) => x.name === op.dev && x.addresses.some((a) => a.address === address))) throw err('RTNETLINK answers: File exists');
        l.addresses.push({ family: 'inet', address, prefixlen: Number(p), ...(op.broadcast ? { broadcast: op.broadcast } : {}), dynamic: false });
        return;
      }
      case 'addr-del': {
        const l = this.must(op.dev, index, op);
        const [address] = op.cidr.split('/');
        if (!l.addresses.some((a) => a.address === address)) throw err('RTNETLINK answers: Cannot assign requested address');
        l.addresses = l.addresses.filter((a) => a.address !== address);
        this.snap.routes = this.snap.routes.filter((r) => r.dev !== op.dev || l.addresses.length > 0);
        return;
      }
      case 'addr-flush':
        this.must(op.dev, index, op).addresses = [];
        return;
      case 'route-add-default':
        if (this.snap.routes.some((r) => r.dst === 'default')) throw err('RTNETLINK answers: File exists');
        this.snap.routes.push({ dst: 'default', gateway: op.gateway, dev: op.dev });
        return;
      case 'route-del-default':
        this.snap.routes = this.snap.routes.filter((r) => !(r.dst === 'default' && r.dev === op.dev));
        return;
      case 'dhcp-start': {
        const lease = this.leases[op.dev];
        if (lease) {
          const [address, p] = lease.split('/');
          this.must(op.dev, index, op).addresses.push({ family: 'inet', address, prefixlen: Number(p), dynamic: true });
        }
        return;
      }
      case 'dhcp-stop': {
        const l = this.must(op.dev, index, op);
        l.addresses = l.addresses.filter((a) => !a.dynamic);
        return;
      }
      case 'garp':
        return;
    }
  }
}
