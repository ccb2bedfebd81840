// The one error catalogue: every failure the agent reports has a stable string code, a stable
// number (1xxx request, 2xxx network, 3xxx storage, 4xxx cluster/pool, 5xxx VM, 6xxx repository,
// 9xxx internal), a fault type for the wire and whether it is the caller's fault.

export interface ErrorSpec {
  readonly num: number;
  /** Set for a code kept for an area not built yet (the area's name): published, not thrown yet. */
  readonly reserved?: string;
  /** The `exceptions.<Type>` of the fault string. */
  readonly type: string;
  /** True when the caller caused it (logged at info); false for our/host failures (logged at error). */
  readonly expected: boolean;
}

const spec = (num: number, expected = true, type = 'Exception'): ErrorSpec => ({ num, type, expected });
/** A code of an area not built yet: its number is fixed now so it never changes meaning. */
const reserved = (area: string, num: number, expected = true): ErrorSpec => ({ num, type: 'Exception', expected, reserved: area });

/**
 * Numbers once published and withdrawn because nothing threw them (HTTP 401/413 are statuses,
 * not faults; the network pipeline reports restore failures in other codes).
 * Never given to another code.
 */
export const RETIRED_NUMBERS: readonly number[] = [1007, 2015, 2019, 4002];

export const ERRORS = {
  // 1xxx: the request itself
  BAD_REQUEST: spec(1000),
  PARSE_ERROR: spec(1001),
  UNKNOWN_METHOD: spec(1002),
  INVALID_ARGUMENT: spec(1003),
  NOT_OWNED: spec(1004),
  OWNED_BY_OTHER: spec(1005),
  BUSY: spec(1006),
  FORBIDDEN: spec(1008),
  NOT_FOUND: spec(1009),
  ALREADY_EXISTS: spec(1010),
  NOT_SUPPORTED: spec(1011),
  TOO_LARGE: spec(1012),
  DISABLED: spec(1013),
  JOB_NOT_FOUND: spec(1014),
  JOB_ABORTED: spec(1015),
  INVALID_ROLES: spec(1016),
  DISPATCH_FAILED: spec(1017, false),
  BAD_PASSWORD: spec(1018),
  TIMEOUT: spec(1019, false),

  // 2xxx: host networking
  NET_INVALID: spec(2000),
  NET_BAD_NAME: spec(2001),
  NET_BAD_VLAN: spec(2002),
  NET_BAD_MTU: spec(2003),
  NET_BAD_BOND_MODE: spec(2004),
  NET_BAD_BOND_OPTIONS: spec(2005),
  NET_BAD_ADDRESS: spec(2006),
  NET_NO_SUCH_DEVICE: spec(2007),
  NET_DEVICE_IN_USE: spec(2008),
  NET_CONFLICT: spec(2009),
  NET_WOULD_CUT_MANAGER: spec(2010),
  NET_APPLY_FAILED: spec(2011, false),
  NET_VERIFY_FAILED: spec(2012, false),
  NET_LOST_CONNECTION: spec(2013, false),
  NET_ROLLBACK_FAILED: spec(2014, false),
  NET_BAD_METADATA: spec(2016),
  NET_INVALID_MGMT_INTERFACE: spec(2017),
  NET_MGMT_VLAN_MISMATCH: spec(2018),
  NET_VLAN_RESERVED: spec(2020),
  NET_IS_SLAVE: spec(2021),
  NET_BRIDGE_PORTS: spec(2022),
  NET_BAD_GATEWAY: spec(2023),
  NET_EXISTS: spec(2024),
  NET_BAD_BOND_SLAVE: spec(2025),
  NET_MTU_EXCEEDS_PARENT: spec(2026),
  NET_WRONG_KIND: spec(2027),
  NET_NO_SAFE_CONFIG: spec(2028),
  NET_RESET_INVALID: spec(2029),
  NET_COMMIT_FAILED: spec(2030, false),

  // 3xxx: storage
  STORAGE_INVALID: spec(3000),
  STORAGE_PLUGIN_NOT_FOUND: spec(3001),
  STORAGE_OP_NOT_SUPPORTED: spec(3002),
  STORAGE_MOUNT_FAILED: spec(3003, false),
  STORAGE_UNMOUNT_FAILED: spec(3004, false),
  STORAGE_BUSY: reserved('storage', 3005),
  STORAGE_IMPORT_FAILED: spec(3006, false),
  STORAGE_SIZE_MISMATCH: spec(3007, false),
  STORAGE_NO_SPACE: spec(3008, false),
  STORAGE_SERVER_UNREACHABLE: spec(3009, false),
  STORAGE_NOT_MOUNTED: spec(3010),
  STORAGE_FILE_NOT_FOUND: spec(3011),
  STORAGE_FILE_EXISTS: spec(3012),
  STORAGE_BAD_PATH: spec(3013),
  STORAGE_CREDENTIALS_MISSING: spec(3014),
  STORAGE_DEVICE_IN_USE: spec(3015),
  STORAGE_COMMAND_FAILED: spec(3016, false),
  STORAGE_AUTH_FAILED: spec(3020),
  STORAGE_TARGET_NOT_FOUND: spec(3021),

  // 4xxx: cluster and pool
  POOL_ALREADY_MEMBER: spec(4000),
  POOL_NOT_MEMBER: spec(4001),
  CLUSTER_INVALID: spec(4003),
  CLUSTER_OFFLINE: spec(4004, false),
  CLUSTER_NODE_IN_USE: spec(4005),
  POOLFS_OWNED_BY_OTHER: spec(4006),
  POOLFS_NOT_FOUND: spec(4007),
  POOLFS_INVALID: spec(4008),
  CLUSTER_NOT_CONFIGURED: spec(4009),
  CLUSTER_STACK_FAILED: spec(4010, false),
  POOLFS_FAILED: spec(4011, false),
  HA_INVALID: spec(4020),
  HA_LEASE_FAILED: spec(4021, false),
  HA_MAINTENANCE: spec(4022),

  // 5xxx: virtual machines
  VM_INVALID: spec(5000),
  VM_NOT_FOUND: spec(5001),
  VM_EXISTS: spec(5002),
  VM_BAD_STATE: spec(5003),
  VM_BAD_CONFIG: spec(5004),
  VM_UNSUPPORTED_DOMAIN_TYPE: spec(5005),
  VM_TOO_MANY_VNICS: spec(5006),
  VM_SHUTDOWN_TIMEOUT: spec(5007, false),
  VM_HYPERVISOR_FAILED: spec(5008, false),
  VM_NOT_SUPPORTED_BY_DRIVER: spec(5009),
  VM_MIGRATION_FAILED: spec(5010, false),
  TEMPLATE_NOT_FOUND: spec(5011),

  // 6xxx: repositories
  REPO_INVALID: spec(6000),
  REPO_NOT_FOUND: spec(6001),
  REPO_EXISTS: spec(6002),
  REPO_BAD_PATH: spec(6003),
  REPO_NOT_MOUNTED: spec(6004),
  REPO_IN_USE: spec(6005),
  REPO_FILE_NOT_FOUND: spec(6006),
  REPO_BAD_LOCATION: spec(6007),
  REPO_FILE_EXISTS: spec(6008),
  REPO_BAD_ARCHIVE: spec(6009),

  // 9xxx: internal
  INTERNAL: spec(9000, false),
  HOST_COMMAND_FAILED: spec(9001, false),
  HOST_IO_FAILED: spec(9002, false),
  DB_FAILED: spec(9003, false),
  CONFIG_INVALID: spec(9004, false),
  SHUTTING_DOWN: spec(9005, false),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export class AgentError extends Error {
  readonly code: ErrorCode;
  readonly num: number;
  readonly expected: boolean;
  readonly faultType: string;
  /** Structured detail for logs and events (never secrets). */
  readonly detail: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, detail?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AgentError';
    const s: ErrorSpec = ERRORS[code];
    this.code = code;
    this.num = s.num;
    this.expected = s.expected;
    this.faultType = s.type;
    this.detail = detail;
  }
}

/** Shorthand used by validators and services: `throw fail('NET_BAD_VLAN', '...')`. */
export function fail(code: ErrorCode, message: string, detail?: Record<string, unknown>): AgentError {
  return new AgentError(code, message, detail);
}

export function isAgentError(e: unknown): e is AgentError {
  return e instanceof AgentError;
}

/** The catalogue as rows, for the README table and `hvagent faults`. */
export function errorTable(): Array<{ code: ErrorCode; num: number; expected: boolean; reserved?: string }> {
  return (Object.keys(ERRORS) as ErrorCode[])
    .map((code) => {
      const s: ErrorSpec = ERRORS[code];
      return { code, num: s.num, expected: s.expected, ...(s.reserved ? { reserved: s.reserved } : {}) };
    })
    .sort((a, b) => a.num - b.num);
}

/** The README's fault table and `hvagent faults`, from the catalogue (a test keeps them equal). */
export function faultTableMarkdown(): string {
  const rows = errorTable().map((r) => `| ${r.code} | ${r.num} | ${r.expected ? 'yes' : 'no'} | ${r.reserved ?? ''} |`);
  return ['| code | number | caller\'s fault | reserved for (area not built yet) |', '|---|---|---|---|', ...rows].join('\n') + '\n';
}
