// Bond options: the BONDING_OPTS string ("mode=4 miimon=100") <-> model fields <-> kernel
// (sysfs) option names and values.
import { fail } from '../errors.js';
import { BOND_MODES, BOND_MODE_NUMBER, type Bond, type BondMode } from './model.js';

const KERNEL_MODES = ['balance-rr', 'active-backup', 'balance-xor', 'broadcast', '802.3ad', 'balance-tlb', 'balance-alb'];
const MODE_ALIASES: Record<string, string> = { 'active-passive': 'active-backup', lacp: '802.3ad', alb: 'balance-alb' };

/** Kernel mode name from a number (1, "4") or a name ("802.3ad"); undefined when unknown. */
export function kernelModeName(mode: string | number): string | undefined {
  const s = String(mode).trim().toLowerCase();
  if (/^\d+$/.test(s)) return KERNEL_MODES[Number(s)];
  const name = MODE_ALIASES[s] ?? s;
  return KERNEL_MODES.includes(name) ? name : undefined;
}

/** A mode hvagent may configure (1, 4, 6 or their names); refuses the rest. */
export function supportedBondMode(mode: string | number): BondMode {
  const name = kernelModeName(mode);
  if (!name || !(BOND_MODES as readonly string[]).includes(name)) {
    throw fail('NET_BAD_BOND_MODE', `bond mode ${String(mode)} is not supported (1 active-backup, 4 802.3ad, 6 balance-alb)`);
  }
  return name as BondMode;
}

export type BondFields = Pick<Bond, 'mode' | 'miimon' | 'updelay' | 'downdelay' | 'primary' | 'lacpRate' | 'xmitHashPolicy'>;

export const BOND_DEFAULTS = { mode: 'active-backup', miimon: 100, updelay: 0, downdelay: 0 } as const;

function num(key: string, v: string): number {
  if (!/^\d+$/.test(v)) throw fail('NET_BAD_BOND_OPTIONS', `bond option ${key}=${v} is not a whole number`);
  return Number(v);
}

/**
 * Parses a BONDING_OPTS / setup_networks option string. strict: unknown keys and unsupported
 * modes are refused (requests); lenient: they are ignored (hand-written files).
 */
export function bondingOptsToFields(opts: string, strict = false): BondFields {
  const f: BondFields = { ...BOND_DEFAULTS };
  for (const tok of opts.trim().split(/\s+/).filter(Boolean)) {
    const eq = tok.indexOf('=');
    if (eq <= 0) {
      if (strict) throw fail('NET_BAD_BOND_OPTIONS', `bond option "${tok}" is not key=value`);
      continue;
    }
    const key = tok.slice(0, eq).toLowerCase();
    const val = tok.slice(eq + 1);
    switch (key) {
      case 'mode':
        f.mode = strict ? supportedBondMode(val) : (kernelModeName(val) ?? val);
        break;
      case 'miimon':
        f.miimon = num(key, val);
        break;
      case 'updelay':
        f.updelay = num(key, val);
        break;
      case 'downdelay':
        f.downdelay = num(key, val);
        break;
      case 'primary':
        f.primary = val;
        break;
      case 'lacp_rate': {
        const r = val === '1' ? 'fast' : val === '0' ? 'slow' : val.toLowerCase();
        if (r !== 'slow' && r !== 'fast') {
          if (strict) throw fail('NET_BAD_BOND_OPTIONS', `lacp_rate ${val} is not slow/fast`);
          break;
        }
        f.lacpRate = r;
        break;
      }
      case 'xmit_hash_policy':
        f.xmitHashPolicy = val.split(/\s/)[0];
        break;
      default:
        if (strict) throw fail('NET_BAD_BOND_OPTIONS', `bond option ${key} is not supported (mode, miimon, updelay, downdelay, primary, lacp_rate, xmit_hash_policy)`);
    }
  }
  return f;
}

/** The BONDING_OPTS string written to ifcfg files: mode as its number, then the non-defaults. */
export function fieldsToBondingOpts(b: BondFields): string {
  const mode = BOND_MODE_NUMBER[b.mode as BondMode] ?? KERNEL_MODES.indexOf(b.mode);
  const parts = [`mode=${mode >= 0 ? mode : b.mode}`, `miimon=${b.miimon}`];
  if (b.updelay) parts.push(`updelay=${b.updelay}`);
  if (b.downdelay) parts.push(`downdelay=${b.downdelay}`);
  if (b.primary) parts.push(`primary=${b.primary}`);
  if (b.lacpRate) parts.push(`lacp_rate=${b.lacpRate}`);
  if (b.xmitHashPolicy) parts.push(`xmit_hash_policy=${b.xmitHashPolicy}`);
  return parts.join(' ');
}

/** Kernel sysfs options (besides mode) a bond is created with. */
export function bondKernelOptions(b: BondFields): Record<string, string> {
  const o: Record<string, string> = { miimon: String(b.miimon), updelay: String(b.updelay), downdelay: String(b.downdelay) };
  if (b.lacpRate) o.lacp_rate = b.lacpRate;
  if (b.xmitHashPolicy) o.xmit_hash_policy = b.xmitHashPolicy;
  if (b.primary) o.primary = b.primary;
  return o;
}
