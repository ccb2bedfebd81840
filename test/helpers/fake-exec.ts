// A scripted Exec for tests: records every call (argv, netns, stdin) and answers from a
// handler, so the command sequence a component runs can be asserted exactly.
import { CommandError, withNetns, type Exec, type ExecOptions, type ExecResult } from '../../src/host/exec.js';

export interface ExecCall {
  argv: string[];
  netns?: string;
  input?: string;
}

export type ExecAnswer = Partial<Pick<ExecResult, 'code' | 'stdout' | 'stderr'>>;

export class FakeExec implements Exec {
  readonly calls: ExecCall[] = [];

  constructor(private readonly handler: (call: ExecCall) => ExecAnswer | undefined = () => undefined) {}

  async run(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const call: ExecCall = { argv: [...argv] };
    if (opts.netns !== undefined) call.netns = opts.netns;
    if (opts.input !== undefined) call.input = opts.input;
    this.calls.push(call);
    const a = this.handler(call) ?? {};
    const result: ExecResult = { argv: withNetns(argv, opts.netns), code: a.code ?? 0, stdout: a.stdout ?? '', stderr: a.stderr ?? '' };
    if (result.code !== 0 && !opts.allowFail) throw new CommandError(result);
    return result;
  }
}

/** Answers `ip -j -d link show`, `ip -j addr show` and `ip -j route show` from recorded text. */
export function ipJsonExec(rec: { link: string; addr: string; route: string }): FakeExec {
  return new FakeExec(({ argv }) => {
    const cmd = argv.join(' ');
    if (cmd === 'ip -j -d link show') return { stdout: rec.link };
    if (cmd === 'ip -j addr show') return { stdout: rec.addr };
    if (cmd === 'ip -j route show') return { stdout: rec.route };
    return { code: 127, stderr: `unexpected command: ${cmd}` };
  });
}
