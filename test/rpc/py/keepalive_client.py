# Python's own keep-alive client over TLS: N rounds of (a large answer, then a small call) on one
# connection, as a manager calling get_log then echo does. Prints "ok <n> bad <n>".
import http.client, ssl, sys, xmlrpc.client, base64

port, rounds, password = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
ctx = ssl._create_unverified_context()
auth = 'Basic ' + base64.b64encode(('oracle:' + password).encode()).decode()
conn = http.client.HTTPSConnection('127.0.0.1', port, context=ctx)
ok = bad = 0


def call(method, *args):
    body = xmlrpc.client.dumps(args, method).encode()
    conn.request('POST', '/api/3/', body, {'Authorization': auth, 'Content-Type': 'text/xml'})
    r = conn.getresponse()
    r.read()
    return r.status


for _ in range(rounds):
    try:
        if call('big') == 200 and call('echo', 'x') == 200:
            ok += 1
            continue
    except Exception:
        pass
    bad += 1
    conn.close()
conn.close()
print('ok', ok, 'bad', bad)
