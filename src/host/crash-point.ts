// Test hook for crash tests: HVAGENT_CRASH_AT=<name> makes the process kill itself (SIGKILL,
// as a power cut would) when it reaches the named step. Unset in production: one string compare.
const crashAt = process.env.HVAGENT_CRASH_AT;

export function crashPoint(name: string): void {
  if (crashAt !== undefined && crashAt === name) {
    process.stderr.write(`HVAGENT_CRASH_AT ${name}: killing the process\n`);
    process.kill(process.pid, 'SIGKILL');
  }
}
