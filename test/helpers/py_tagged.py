# The type-tagged view of a decoded XML-RPC value that the Python peers hand to the tests:
# ["int", "123"], ["bool", true], ["float", "1.5"], ["str", s], ["nil", null], ["bytes", b64],
# ["datetime", "YYYY-MM-DDTHH:MM:SS"], ["list", [...]], ["dict", {k: tagged}].
import base64
import datetime


def tag(v):
    if v is None:
        return ['nil', None]
    if isinstance(v, bool):
        return ['bool', v]
    if isinstance(v, int):
        return ['int', str(v)]
    if isinstance(v, float):
        return ['float', repr(v)]
    if isinstance(v, str):
        return ['str', v]
    if isinstance(v, bytes):
        return ['bytes', base64.b64encode(v).decode()]
    if isinstance(v, datetime.datetime):
        return ['datetime', v.strftime('%Y-%m-%dT%H:%M:%S')]
    if isinstance(v, (list, tuple)):
        return ['list', [tag(x) for x in v]]
    if isinstance(v, dict):
        return ['dict', {k: tag(x) for k, x in v.items()}]
    return ['other', repr(v)]
