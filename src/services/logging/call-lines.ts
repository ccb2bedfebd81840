// START and FINISH, the two lines every RPC call writes. For loggers made by createRootLogger
// they are serialized here, straight into the logger's destination, instead of through pino's
// generic object walk (a third of the cost of a small call's log lines). The text is what
// log.info({...}, msg) writes with that logger: same fields in the same order, the logger's own
// time and bindings; the caller hands over arguments already redacted. Any other logger
// (tests, a plain pino) takes log.info.
import pino, { type Logger } from 'pino';
import { DIRECT_LINES } from './logger.js';

const { streamSym, timeSym, chindingsSym } = pino.symbols;
const INFO = 30;

type Marked = Record<symbol, unknown>;

function isDirect(log: Logger): boolean {
  return (log as unknown as Marked)[DIRECT_LINES] === true;
}

/** pino keeps a logger's destination, time function and serialized bindings under its symbols. */
function write(log: Logger, fields: string, msg: string): void {
  const l = log as unknown as Marked;
  const time = (l[timeSym] as () => string)();
  const stream = l[streamSym] as { write(line: string): unknown };
  stream.write(`{"level":${INFO}${time}${l[chindingsSym] as string},${fields},"msg":"${msg}"}\n`);
}

const str = JSON.stringify;

/**
 * `START` with method, callId, caller and the arguments, given as JSON text that is already
 * summarized and redacted (summarizeArgsJson).
 */
export function logCallStart(log: Logger, method: string, callId: string, caller: string, argsJson: string): void {
  if (!log.isLevelEnabled('info')) return;
  if (!isDirect(log)) return log.info({ method, callId, caller, args: JSON.parse(argsJson) as unknown }, 'START');
  write(log, `"method":${str(method)},"callId":${str(callId)},"caller":${str(caller)},"args":${argsJson}`, 'START');
}

/** `FINISH` of a call that succeeded, with its duration in ms. */
export function logCallOk(log: Logger, method: string, callId: string, ms: number): void {
  if (!log.isLevelEnabled('info')) return;
  if (!isDirect(log)) return log.info({ method, callId, ms, ok: true }, 'FINISH');
  write(log, `"method":${str(method)},"callId":${str(callId)},"ms":${str(ms)},"ok":true`, 'FINISH');
}
