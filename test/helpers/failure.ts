// Awaits a promise that must fail with an AgentError and returns that error (anything else,
// or no failure at all, fails the test). A fault that came over the wire (inject)
// counts too: it is turned back into the AgentError it was made from (code and message).
import { AgentError, type ErrorCode } from '../../src/core/errors.js';
import { FaultError } from './inject.js';

export async function failure(p: Promise<unknown>): Promise<AgentError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AgentError) return e;
    if (e instanceof FaultError && e.code !== 'UNKNOWN') {
      return new AgentError(e.code as ErrorCode, e.faultString.replace(/^exceptions\.[A-Za-z]+:[A-Z0-9_]+: /, ''));
    }
    throw e;
  }
  throw new Error('expected a failure');
}
