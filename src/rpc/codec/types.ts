// Shapes the XML-RPC codec reads and writes (values themselves are XmlRpcValue from ../method.ts).
import type { XmlRpcValue } from '../method.js';

export type { XmlRpcValue };

export interface DecodeOptions {
  /** Deepest XML element nesting accepted (methodCall counts as 1); deeper documents are refused. */
  maxDepth: number;
}

export interface MethodCall {
  method: string;
  params: XmlRpcValue[];
}

export interface Fault {
  faultCode: number;
  faultString: string;
}

export type MethodResponse = { ok: true; value: XmlRpcValue } | { ok: false; fault: Fault };

export const DEFAULT_MAX_DEPTH = 64;
