// A PluginContext for calling storage plugins directly in tests, with a logger that keeps
// every line so tests can check that no secret reached a log.
import type { PluginContext, PluginLog } from '../../src/core/storage/plugin.js';

export interface CapturedLog extends PluginLog {
  lines: string[];
}

export function capturedLog(): CapturedLog {
  const lines: string[] = [];
  const at = (level: string) => (obj: object, msg?: string) => void lines.push(`${level} ${JSON.stringify(obj)} ${msg ?? ''}`);
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export function pluginCtx(op: string, log: PluginLog = capturedLog(), commandTimeoutMs = 15_000): PluginContext {
  return { impl: 'oracle.generic.SCSIPlugin.GenericPlugin', op, callId: 'test', log, signal: new AbortController().signal, progress: () => {}, commandTimeoutMs };
}
