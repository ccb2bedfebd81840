// What the network service is built from: the common service deps plus the host network
// reader and live applier (real ones in production, a namespace in sandbox/tests, fakes in unit tests).
import type { LiveApplier, NetReader } from '../../host/net/live-ops.js';
import type { ServiceDeps } from '../context.js';

export type NetStep =
  | 'read'
  | 'validate'
  | 'plan'
  | 'checkpoint'
  | 'apply-files'
  | 'apply-live'
  | 'verify'
  | 'connectivity'
  | 'commit';

export interface NetworkServiceDeps extends ServiceDeps {
  reader: NetReader;
  applier: LiveApplier;
  /** Run live changes in this namespace (sandbox, tests); defaults to config network.netns. */
  netns?: string;
  /** Test seam: called before each pipeline step; throwing there simulates a failure of that step. */
  beforeStep?: (step: NetStep) => void | Promise<void>;
}

export const NET_STATE_KEYS = {
  lastClientIface: 'network.lastClientIface',
  lastDiscoveryAt: 'network.lastDiscoveryAt',
  /** Set when a rollback failed: the host matches no stored config until restore or reset. */
  rollbackFailed: 'network.rollbackFailed',
} as const;
