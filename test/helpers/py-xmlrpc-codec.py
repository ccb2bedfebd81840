# Python's xmlrpc.client as an independent codec: reads one JSON request on stdin and answers JSON.
#  {"op": "loads", "docs": [xml, ...]}          -> [{"method", "params": [tagged...]} | {"fault": [code, string]} | {"error": msg}]
#  {"op": "dumps", "values": [tagged, ...]}     -> [xml of a methodResponse holding that value, ...]
#  {"op": "call", "method": m, "values": [...]} -> xml of a methodCall with those params
#  {"op": "fault", "code": n, "string": s}      -> xml of a fault response
# Tagged values: ["int", "123"], ["bool", true], ["float", "1.5"], ["str", s], ["nil", null],
# ["bytes", b64], ["datetime", "YYYY-MM-DDTHH:MM:SS"], ["list", [...]], ["dict", {k: tagged}].
import base64
import datetime
import json
import sys
import xmlrpc.client

from py_tagged import tag


def untag(t):
    kind, v = t
    if kind == 'int':
        return int(v)
    if kind == 'float':
        return float(v)
    if kind == 'bytes':
        return base64.b64decode(v)
    if kind == 'datetime':
        return datetime.datetime.strptime(v, '%Y-%m-%dT%H:%M:%S')
    if kind == 'list':
        return [untag(x) for x in v]
    if kind == 'dict':
        return {k: untag(x) for k, x in v.items()}
    return v  # nil, bool, str


def loads(doc):
    try:
        params, method = xmlrpc.client.loads(doc, use_builtin_types=True)
        return {'method': method, 'params': [tag(p) for p in params]}
    except xmlrpc.client.Fault as f:
        return {'fault': [f.faultCode, f.faultString]}
    except Exception as e:  # noqa: BLE001 - report any refusal to the test
        return {'error': '%s: %s' % (type(e).__name__, e)}


req = json.load(sys.stdin)
if req['op'] == 'loads':
    out = [loads(d) for d in req['docs']]
elif req['op'] == 'call':
    out = xmlrpc.client.dumps(tuple(untag(v) for v in req['values']), req['method'], allow_none=True)
elif req['op'] == 'fault':
    out = xmlrpc.client.dumps(xmlrpc.client.Fault(req['code'], req['string']), methodresponse=True)
else:
    out = [xmlrpc.client.dumps((untag(v),), methodresponse=True, allow_none=True) for v in req['values']]
json.dump(out, sys.stdout)
