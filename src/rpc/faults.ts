// The only place that turns errors into XML-RPC faults: AgentErrors keep their code and message,
// remote faults pass through verbatim, anything else becomes a generic INTERNAL fault (no stack).
import { AgentError, ERRORS } from '../core/errors.js';
import type { Fault } from './codec/types.js';
import { RemoteFault } from './remote-fault.js';
import { redactUrlCredentials, truncateText } from '../core/redact.js';

/** Longest faultString sent: a fault never quotes back more than this of anyone's input. */
export const MAX_FAULT_TEXT = 2048;

export type { Fault };

/** `exceptions.<Type>:<CODE>: <message>`, as the stock agent's clients expect the prefix. */
export function agentErrorToFaultString(err: AgentError): string {
  return truncateText(`exceptions.${err.faultType}:${err.code}: ${redactUrlCredentials(err.message)}`, MAX_FAULT_TEXT);
}

export function internalFault(callId: string | undefined): Fault {
  const ref = callId ? ` (call id ${callId})` : '';
  return {
    faultCode: ERRORS.INTERNAL.num,
    faultString: `exceptions.${ERRORS.INTERNAL.type}:INTERNAL: internal error${ref}`,
  };
}

/** Any thrown value → the fault to send. The call id lets an admin find the stack in the log. */
export function errorToFault(err: unknown, callId?: string): Fault {
  if (err instanceof RemoteFault) return { faultCode: err.faultCode, faultString: truncateText(redactUrlCredentials(err.faultString), MAX_FAULT_TEXT) };
  if (err instanceof AgentError && err.code !== 'INTERNAL') {
    return { faultCode: err.num, faultString: agentErrorToFaultString(err) };
  }
  return internalFault(callId);
}
