// A fault answered by another XML-RPC server (an agent we dispatched to, a manager we pushed to):
// an AgentError that keeps the remote faultCode/faultString so it can be passed on verbatim.
import { AgentError } from '../core/errors.js';

export class RemoteFault extends AgentError {
  readonly faultCode: number;
  readonly faultString: string;
  // The remote side decided this outcome; it is not our failure.
  override readonly expected = true;

  constructor(faultCode: number, faultString: string, where: string) {
    super('DISPATCH_FAILED', `${where} answered fault ${faultCode}: ${faultString}`, { faultCode });
    this.name = 'RemoteFault';
    this.faultCode = faultCode;
    this.faultString = faultString;
  }
}

export function isRemoteFault(e: unknown): e is RemoteFault {
  return e instanceof RemoteFault;
}
