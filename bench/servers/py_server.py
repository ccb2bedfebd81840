# Bench targets (b) and (c): Python's SimpleXMLRPCServer with ThreadingMixIn over TLS with a Basic
# auth check, as the stock agent ran it. argv: certfile keyfile password protocol (HTTP/1.0|HTTP/1.1).
# Prints {"port": N} once listening.
import base64
import hmac
import json
import socketserver
import ssl
import sys
from xmlrpc.server import SimpleXMLRPCRequestHandler, SimpleXMLRPCServer

certfile, keyfile, password, protocol = sys.argv[1:5]
expected = "Basic " + base64.b64encode(f"oracle:{password}".encode()).decode()


class Handler(SimpleXMLRPCRequestHandler):
    protocol_version = protocol
    rpc_paths = ("/", "/RPC2", "/api/3", "/api/3/")

    def parse_request(self):
        if not super().parse_request():
            return False
        if hmac.compare_digest(self.headers.get("Authorization", ""), expected):
            return True
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="bench"')
        self.send_header("Content-Length", "0")
        self.end_headers()
        return False

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, SimpleXMLRPCServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


server = Server(("127.0.0.1", 0), requestHandler=Handler, logRequests=False, allow_none=True)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(certfile, keyfile)
# The handshake runs in the handler thread (on first read), not in the accepting thread.
server.socket = ctx.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
server.register_function(lambda msg: msg, "echo")
print(json.dumps({"port": server.server_address[1]}), flush=True)
server.serve_forever()
