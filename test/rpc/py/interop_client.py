# Interop peer: Python's xmlrpc.client calls an hvagent server over HTTPS with Basic auth and
# prints what it got back as JSON (one object), for test/rpc/interop.test.ts to compare.
import datetime
import json
import ssl
import sys
import xmlrpc.client as xc

url, cafile, password = sys.argv[1], sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=cafile)  # verifies the generated cert (IP SAN 127.0.0.1)


def proxy(pw):
    return xc.ServerProxy(url.replace("://", f"://oracle:{pw}@", 1), context=ctx, allow_none=True, use_builtin_types=True)


p = proxy(password)
out = {}
out["string"] = p.echo("héllo <&> wörld")
out["int"] = p.echo(-2147483648)
out["nil"] = p.echo(None)
out["bool"] = p.echo(True)
out["double"] = p.echo(1.5)
out["struct"] = p.echo({"a": 1, "b": [1, "two", None], "c": {"d": False}})
out["array"] = p.echo([1, [2, [3]], {}, []])
out["binary"] = p.echo(b"\x00\x01binary").hex()
out["date"] = p.echo(datetime.datetime(2024, 1, 2, 3, 4, 5)).isoformat()
out["big"] = p.big()  # the server answers <i8>
try:
    p.fail()
    out["fault"] = None
except xc.Fault as f:
    out["fault"] = {"faultCode": f.faultCode, "faultString": f.faultString}
try:
    p.no_such_method()
except xc.Fault as f:
    out["unknown"] = {"faultCode": f.faultCode, "faultString": f.faultString}
try:
    proxy("wrong").echo("x")
    out["wrong_password"] = None
except xc.ProtocolError as e:
    out["wrong_password"] = e.errcode
print(json.dumps(out))
