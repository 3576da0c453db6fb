"""A stand-in for journald's native socket (systemd.journal-fields(7),
"Native Journal Protocol"): a datagram socket the test binds, each datagram
one entry of fields, "NAME=value\\n", or "NAME\\n" + 64-bit little-endian
length + value + "\\n" for a value that holds newlines. Field names are
upper case letters, digits and '_', not starting with '_' (those are
journald's own); anything else is a protocol error, raised."""
import re
import socket
import struct
import threading

NAME = re.compile(rb"[A-Z0-9][A-Z0-9_]*\Z")


def parse(datagram):
    """The entry's fields as {name: [values]} (a name may repeat)."""
    fields = {}
    i = 0
    while i < len(datagram):
        nl = datagram.find(b"\n", i)
        if nl < 0:
            raise ValueError("field without a terminating newline at %d" % i)
        line = datagram[i:nl]
        eq = line.find(b"=")
        if eq >= 0:
            name, value = line[:eq], line[eq + 1:]
            i = nl + 1
        else:
            name = line
            if nl + 9 > len(datagram):
                raise ValueError("binary field %r without its length" % name)
            (size,) = struct.unpack("<Q", datagram[nl + 1:nl + 9])
            start = nl + 9
            end = start + size
            if end + 1 > len(datagram) or datagram[end:end + 1] != b"\n":
                raise ValueError("binary field %r: %d bytes and a newline do not follow" % (name, size))
            value = datagram[start:end]
            i = end + 1
        if not NAME.match(name):
            raise ValueError("bad field name %r" % name)
        fields.setdefault(name.decode(), []).append(value.decode("utf-8"))
    return fields


class FakeJournald:
    """Receives on a thread of its own, as journald does: a sender whose
    datagrams nobody reads blocks once the socket's buffer is full."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.entries = []
        self.errors = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._receive, daemon=True)
        self.thread.start()

    def _receive(self):
        self.sock.settimeout(0.1)
        while True:
            try:
                data = self.sock.recv(1 << 20)
            except socket.timeout:
                if self.stopping.is_set():
                    return
                continue
            try:
                self.entries.append(parse(data))
            except ValueError as e:
                self.errors.append(str(e))

    def stop(self):
        """Every entry received, once the socket is empty; a malformed
        datagram raises here."""
        self.stopping.set()
        self.thread.join()
        self.sock.close()
        if self.errors:
            raise ValueError("malformed entries: %s" % self.errors)
        return self.entries
