// HA extensions: maintenance mode and the HA state of this member (pool lockspace, master,
// leases, pending queue), over the HA service.
import { z } from 'zod';
import { defineMethod, type MethodDef, type XmlRpcValue } from '../method.js';
import * as R from '../results.js';
import { wireBoolean } from '../wire-types.js';
import type { HaService } from '../../services/ha/ha-service.js';

/** XML-RPC has no null in the stock protocol: absent values are left out. */
function dropNulls(v: unknown): XmlRpcValue {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (v && typeof v === 'object') {
    const out: Record<string, XmlRpcValue> = {};
    for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) out[k] = dropNulls(x);
    return out;
  }
  return v as XmlRpcValue;
}

export function haMethods(ha: HaService): MethodDef[] {
  return [
    defineMethod({
      name: 'set_maintenance_mode',
      result: R.nil,
      summary: '(ext) enter (true) or leave (false) maintenance: HA VMs move to other members, the master role is handed over, new VMs are refused',
      access: 'owned',
      lock: 'pool',
      params: z.tuple([wireBoolean('enable')]),
      handler: async ([enable]) => {
        await ha.setMaintenance(enable);
        return null;
      },
    }),
    defineMethod({
      name: 'get_ha_state',
      result: R.struct,
      summary: '(ext) HA state of this member: lockspace, master, host liveness, held leases, pending HA queue',
      access: 'owned',
      params: z.tuple([]),
      handler: () => dropNulls(ha.state()),
    }),
  ];
}
