// Constants shared by the bench's servers and its load client.
export const BENCH_PASSWORD = 'bench-password';
export const BENCH_AUTH = 'Basic ' + Buffer.from(`oracle:${BENCH_PASSWORD}`).toString('base64');
export const ECHO_TEXT = 'hello-bench';
export const ECHO_BODY =
  `<?xml version="1.0"?><methodCall><methodName>echo</methodName><params><param><value><string>${ECHO_TEXT}</string></value></param></params></methodCall>`;
