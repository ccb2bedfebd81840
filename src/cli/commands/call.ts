// `hvagent call METHOD [ARGS...]`: one XML-RPC call to an agent, printing the result as JSON
// (discovery XML documents are printed as they are).
import { parse, resolveTarget, parseCallArg } from '../args.js';
import { XmlRpcClient } from '../../rpc/client.js';

export const HELP = `Usage: hvagent call METHOD [ARG ...] [options]

Calls METHOD on an agent. Each ARG is JSON when it parses as JSON (123, true, null,
"text", [1,2], {"a":1}), otherwise a plain string.

Options:
  --url URL          agent URL (default HVAGENT_URL or https://127.0.0.1:8899/api/3/)
  --user USER        user (default oracle)
  --password PW      password (default HVAGENT_PASSWORD)
  --sandbox DIR      take url, user and password from DIR/sandbox.json
  --timeout SECS     call timeout (default 1200, as managers use)
  --raw              print strings as they are, not JSON-quoted
`;

export function toJson(v: unknown): string {
  return JSON.stringify(
    v,
    (_k, x) => (typeof x === 'bigint' ? x.toString() : Buffer.isBuffer(x) ? { base64: x.toString('base64') } : x),
    2,
  );
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    url: { type: 'string' },
    user: { type: 'string' },
    password: { type: 'string' },
    sandbox: { type: 'string' },
    timeout: { type: 'string' },
    raw: { type: 'boolean' },
  });
  if (values.help || positionals.length === 0) {
    process.stdout.write(HELP);
    return values.help ? 0 : 2;
  }
  const target = resolveTarget(values);
  const u = new URL(target.url);
  u.username = encodeURIComponent(target.user);
  u.password = encodeURIComponent(target.password);
  const client = new XmlRpcClient({ url: u.toString(), timeoutMs: Number(values.timeout ?? 1200) * 1000, rejectUnauthorized: false });
  const [method, ...rest] = positionals;
  const result = await client.call(method, rest.map(parseCallArg) as never[]);
  if (typeof result === 'string' && (values.raw || result.startsWith('<?xml'))) process.stdout.write(result + '\n');
  else process.stdout.write(toJson(result ?? null) + '\n');
  return 0;
}
