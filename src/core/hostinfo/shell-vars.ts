// Edits KEY=value files (/etc/sysconfig/clock) in place: set or add keys, keep every other
// line and comment.

/** Values are written double-quoted when they need it. */
export function quoteShellValue(v: string): string {
  return /^[A-Za-z0-9_./:+-]*$/.test(v) ? v : `"${v.replace(/(["\\$`])/g, '\\$1')}"`;
}

export function setShellVars(current: string | undefined, vars: Record<string, string>): string {
  const lines = (current ?? '').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const pending = new Map(Object.entries(vars));
  const out = lines.map((line) => {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=/.exec(line);
    if (m && pending.has(m[1])) {
      const v = pending.get(m[1]) as string;
      pending.delete(m[1]);
      return `${m[1]}=${quoteShellValue(v)}`;
    }
    return line;
  });
  for (const [k, v] of pending) out.push(`${k}=${quoteShellValue(v)}`);
  return out.join('\n') + '\n';
}
