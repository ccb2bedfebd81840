# A Python SimpleXMLRPCServer peer for our client's tests: prints "PORT <n>" once listening on
# 127.0.0.1, writes <i8> for integers beyond 32 bits (as the stock agent's peers accept) and,
# when a password is given, requires HTTP Basic auth like an agent.
import base64
import datetime
import sys
import xmlrpc.client
from xmlrpc.server import SimpleXMLRPCRequestHandler, SimpleXMLRPCServer

from py_tagged import tag

PASSWORD = sys.argv[1] if len(sys.argv) > 1 else ''


def dump_int(self, value, write):
    tag = 'int' if -2**31 <= value < 2**31 else 'i8'
    write('<value><%s>%d</%s></value>\n' % (tag, value, tag))


xmlrpc.client.Marshaller.dispatch[int] = dump_int


class Handler(SimpleXMLRPCRequestHandler):
    rpc_paths = ('/', '/RPC2', '/api/3/')

    def parse_request(self):
        if not super().parse_request():
            return False
        if PASSWORD:
            want = 'Basic ' + base64.b64encode(('oracle:' + PASSWORD).encode()).decode()
            if self.headers.get('Authorization') != want:
                self.send_error(401, 'Unauthorized')
                return False
        return True

    def log_message(self, *args):
        pass


def fail(code, msg):
    raise xmlrpc.client.Fault(code, msg)


def boom():
    raise ValueError('python side exploded')


server = SimpleXMLRPCServer(('127.0.0.1', 0), requestHandler=Handler, allow_none=True,
                            use_builtin_types=True, logRequests=False)
server.register_function(lambda x: x, 'echo')
# Type-tagged view of what arrived, so the test sees Python's reading of our encoding.
server.register_function(lambda *a: tag(list(a)), 'describe')
server.register_function(lambda: 2**40, 'big')
server.register_function(lambda: -(2**62), 'bigger')
server.register_function(lambda: None, 'nothing')
server.register_function(lambda: datetime.datetime(2026, 11, 22, 15, 4, 5), 'when')
server.register_function(lambda: b'\x00\x01hv\xff', 'blob')
server.register_function(fail, 'fail')
server.register_function(boom, 'boom')
print('PORT %d' % server.server_address[1], flush=True)
server.serve_forever()
