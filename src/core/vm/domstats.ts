// Parses `virsh domstats --raw` output (one block per domain) into summed counters per domain name.

export interface RawDomStats {
  name: string;
  state?: number;
  cpuTimeNs?: number;
  balloonCurrentKiB?: number;
  balloonMaximumKiB?: number;
  vcpus?: number;
  blockRdBytes: number;
  blockWrBytes: number;
  blockRdReqs: number;
  blockWrReqs: number;
  netRxBytes: number;
  netTxBytes: number;
}

function unquote(s: string): string {
  const t = s.trim();
  return (t.startsWith("'") && t.endsWith("'")) || (t.startsWith('"') && t.endsWith('"')) ? t.slice(1, -1) : t;
}

export function domstatsToStats(text: string): RawDomStats[] {
  const out: RawDomStats[] = [];
  let cur: RawDomStats | undefined;
  for (const line of text.split('\n')) {
    const m = /^Domain:\s*(.+)$/.exec(line.trim());
    if (m) {
      cur = { name: unquote(m[1]), blockRdBytes: 0, blockWrBytes: 0, blockRdReqs: 0, blockWrReqs: 0, netRxBytes: 0, netTxBytes: 0 };
      out.push(cur);
      continue;
    }
    const kv = /^\s*([\w.]+)=(.*)$/.exec(line);
    if (!cur || !kv) continue;
    const [, key, raw] = kv;
    const n = Number(raw);
    if (!Number.isFinite(n)) continue;
    if (key === 'state.state') cur.state = n;
    else if (key === 'cpu.time') cur.cpuTimeNs = n;
    else if (key === 'balloon.current') cur.balloonCurrentKiB = n;
    else if (key === 'balloon.maximum') cur.balloonMaximumKiB = n;
    else if (key === 'vcpu.current') cur.vcpus = n;
    else if (/^block\.\d+\.rd\.bytes$/.test(key)) cur.blockRdBytes += n;
    else if (/^block\.\d+\.wr\.bytes$/.test(key)) cur.blockWrBytes += n;
    else if (/^block\.\d+\.rd\.reqs$/.test(key)) cur.blockRdReqs += n;
    else if (/^block\.\d+\.wr\.reqs$/.test(key)) cur.blockWrReqs += n;
    else if (/^net\.\d+\.rx\.bytes$/.test(key)) cur.netRxBytes += n;
    else if (/^net\.\d+\.tx\.bytes$/.test(key)) cur.netTxBytes += n;
  }
  return out;
}
