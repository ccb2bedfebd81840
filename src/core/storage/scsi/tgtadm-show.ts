// `tgtadm --lld iscsi --op show --mode target` (tgt 1.0.85): targets with their LUNs,
// accounts and ACLs: what a host serving its own LUNs with tgt exports. The tests' tgtd
// harness checks its set-up with it. Pure.

export interface TgtLun {
  lun: number;
  type: string;
  scsiId: string;
  scsiSn: string;
  /** Size in MB as tgtadm prints it (10^6 bytes). */
  sizeMb: number;
  blockSize: number;
  backingStore?: string;
}

export interface TgtTarget {
  tid: number;
  name: string;
  luns: TgtLun[];
  accounts: Array<{ user: string; outgoing: boolean }>;
  acls: string[];
  nexus: string[];
}

export function parseTgtadmShow(text: string): TgtTarget[] {
  const out: TgtTarget[] = [];
  let t: TgtTarget | undefined;
  let section = '';
  let lun: TgtLun | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const head = /^Target (\d+): (\S+)$/.exec(raw);
    if (head) {
      t = { tid: Number(head[1]), name: head[2], luns: [], accounts: [], acls: [], nexus: [] };
      out.push(t);
      section = '';
      continue;
    }
    if (!t || line === '') continue;
    if (/^(System|I_T nexus|LUN|Account|ACL) information:$/.test(line)) {
      section = line.split(' ')[0];
      lun = undefined;
      continue;
    }
    if (section === 'LUN') {
      const l = /^LUN: (\d+)$/.exec(line);
      if (l) {
        lun = { lun: Number(l[1]), type: '', scsiId: '', scsiSn: '', sizeMb: 0, blockSize: 0 };
        t.luns.push(lun);
        continue;
      }
      if (!lun) continue;
      const kv = /^([^:]+):\s*(.*)$/.exec(line);
      if (!kv) continue;
      const [, k, v] = kv;
      if (k === 'Type') lun.type = v;
      else if (k === 'SCSI ID') lun.scsiId = v;
      else if (k === 'SCSI SN') lun.scsiSn = v;
      else if (k === 'Size') {
        const m = /^(\d+) MB, Block size: (\d+)/.exec(v);
        if (m) {
          lun.sizeMb = Number(m[1]);
          lun.blockSize = Number(m[2]);
        }
      } else if (k === 'Backing store path' && v !== 'None') lun.backingStore = v;
    } else if (section === 'Account') {
      const a = /^(\S+)( \(outgoing\))?$/.exec(line);
      if (a) t.accounts.push({ user: a[1], outgoing: a[2] !== undefined });
    } else if (section === 'ACL') {
      t.acls.push(line);
    } else if (section === 'I_T') {
      const n = /^Initiator: (\S+)/.exec(line);
      if (n) t.nexus.push(n[1]);
    }
  }
  return out;
}
