# vm_peer.py: the VM end of feth-vm's datagram socket, for tests/linux/vm_helper.sh. It plays
# a guest with one network card: one Ethernet frame per datagram, as QEMU's `-netdev dgram`,
# vfkit and krunkit send them.
#
#   python3 vm_peer.py --log FILE [--mac MAC] [--ip A.B.C.D] [--ip6 X::Y]
#       [--stream] [--stdout closed|broken] -- COMMAND...        (launcher: --fd mode)
#   python3 vm_peer.py --log FILE ... [--bind MYPATH [--chown UID:GID]] --to PATH   (--socket mode)
#
# Launcher: it makes a socketpair (AF_UNIX, SOCK_DGRAM; SOCK_STREAM with --stream), keeps one
# end and runs COMMAND with the other inherited, "{fd}" in COMMAND replaced by its number (as
# a VM launcher hands QEMU its end). COMMAND's stdin is /dev/null; its stdout and stderr are
# this program's (or, with --stdout, a closed descriptor or a pipe whose reader is gone). It
# ends when COMMAND ends, with COMMAND's exit status (128 + N when killed by signal N); a
# SIGTERM, SIGINT or SIGHUP to it stops COMMAND first (SIGTERM, then SIGKILL after 5 s), so that
# no COMMAND outlives it.
# Socket mode: it binds MYPATH (owned by UID:GID with --chown, so that an unprivileged feth-vm
# may send to it; without --bind it stays unbound, a sender that cannot be answered) and sends
# to PATH; it ends on "quit" or at the end of its commands.
#
# Meanwhile it answers, as a guest would, ARP requests for --ip, ICMP echo requests to --ip,
# neighbour solicitations for --ip6 and ICMPv6 echo requests to --ip6, and counts what it
# receives. Commands, one per line on stdin, each answered in the log by "done SEQ RESULT"
# (SEQ counts the commands from 1):
#   hello                      a 4-byte "VFKT" datagram (vfkit's hello)
#   arp HOSTIP                 an ARP request (broadcast) for HOSTIP
#   ping HOSTIP HOSTMAC N      N ICMP echo requests to HOSTIP
#   send LEN zero|random|frame|vlan [DSTMAC]
#                              one datagram of LEN bytes: zeros, random bytes, or an IPv4 UDP
#                              frame to DSTMAC (vlan: with an 802.1Q tag) cut or padded to LEN
#   burst SECONDS DSTMAC       60-byte frames to DSTMAC as fast as the socket takes them
#   stall / resume             stop / start reading the socket (a guest that hangs)
#   close                      close the socket (the guest's card gone), keep running
#   wait KEY MIN SECONDS       until counter KEY reaches MIN ("ok") or SECONDS pass ("timeout")
#   stats                      the counters, KEY=VALUE
#   quit
# The counters: rx (datagrams received), rx_bytes, rx_udp (IPv4 UDP to --ip), arp_replies
# (to our requests), echo_replies (to our pings), arp_answered, echo_answered,
# echo6_answered, ns_answered, sent (datagrams sent, every kind), send_errors.
import argparse
import errno
import fcntl
import os
import random
import select
import signal
import socket
import struct
import subprocess
import sys
import time

ETH_P_IP, ETH_P_ARP, ETH_P_IPV6 = 0x0800, 0x0806, 0x86DD
BROADCAST = b"\xff" * 6


def mac_bytes(text):
    return bytes.fromhex(text.replace(":", ""))


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, proto, payload):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0x4000, 64, proto, 0, src, dst)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def icmp6(src, dst, body):
    # body with a zero checksum at [2:4]; the checksum over the IPv6 pseudo-header.
    pseudo = src + dst + struct.pack("!I3xB", len(body), 58)
    body = body[:2] + struct.pack("!H", csum(pseudo + body)) + body[4:]
    return struct.pack("!IHBB16s16s", 0x60000000, len(body), 58, 255, src, dst) + body


class Peer:
    def __init__(self, a, log):
        self.a = a
        self.log = log
        self.mac = mac_bytes(a.mac)
        self.ip = socket.inet_aton(a.ip)
        self.ip6 = socket.inet_pton(socket.AF_INET6, a.ip6)
        self.sock = None
        self.dest = None  # socket mode: where to send
        self.stalled = False
        self.child = None
        self.c = dict.fromkeys(
            "rx rx_bytes rx_udp arp_replies echo_replies arp_answered echo_answered "
            "echo6_answered ns_answered sent send_errors".split(), 0)

    def note(self, text):
        self.log.write(text + "\n")
        self.log.flush()

    # ---- sending -------------------------------------------------------------------------------
    def send(self, data, wait=2.0):
        """One datagram; waits up to WAIT s while the socket is full. True when sent."""
        if self.sock is None:
            self.c["send_errors"] += 1
            return False
        deadline = time.monotonic() + wait
        while True:
            try:
                if self.dest:
                    self.sock.sendto(data, self.dest)
                else:
                    self.sock.send(data)
                self.c["sent"] += 1
                return True
            except BlockingIOError:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                select.select([], [self.sock], [], min(left, 0.05))
            except OSError as e:
                if e.errno == errno.ENOBUFS and time.monotonic() < deadline:
                    time.sleep(0.001)
                    continue
                self.note("send error: %s" % e)
                break
        self.c["send_errors"] += 1
        return False

    def arp_request(self, host_ip):
        arp = struct.pack("!HHBBH6s4s6s4s", 1, ETH_P_IP, 6, 4, 1, self.mac, self.ip, bytes(6),
                          socket.inet_aton(host_ip))
        return BROADCAST + self.mac + struct.pack("!H", ETH_P_ARP) + arp + bytes(18)

    def echo_request(self, host_ip, host_mac, seq):
        body = struct.pack("!BBHHH", 8, 0, 0, 0x7E57, seq) + b"feth-vm peer ping" + bytes(31)
        body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
        return (mac_bytes(host_mac) + self.mac + struct.pack("!H", ETH_P_IP) +
                ipv4(self.ip, socket.inet_aton(host_ip), 1, body))

    def udp_frame(self, dst_mac, n, vlan=False):
        """An IPv4 UDP frame to DST_MAC (to 10.255.255.254, for nobody), cut or padded to N
        bytes; with VLAN, an 802.1Q tag (VLAN 7) after the MACs."""
        tag = struct.pack("!HH", 0x8100, 7) if vlan else b""
        payload = b"feth-vm peer udp" + bytes(max(0, n - 42 - len(tag) - 16))
        udp = struct.pack("!HHHH", 9999, 9999, 8 + len(payload), 0) + payload
        frame = (mac_bytes(dst_mac) + self.mac + tag + struct.pack("!H", ETH_P_IP) +
                 ipv4(self.ip, socket.inet_aton("10.255.255.254"), 17, udp))
        return (frame + bytes(max(0, n - len(frame))))[:n]

    # ---- receiving -----------------------------------------------------------------------------
    def handle(self, f):
        self.c["rx"] += 1
        self.c["rx_bytes"] += len(f)
        if len(f) < 14:
            return
        dst, src, etype = f[0:6], f[6:12], struct.unpack("!H", f[12:14])[0]
        if dst not in (self.mac, BROADCAST) and dst[0] & 1 == 0:
            return
        p = f[14:]
        if etype == ETH_P_ARP and len(p) >= 28:
            op, sha, spa, tha, tpa = struct.unpack("!6xH6s4s6s4s", p[:28])
            if op == 1 and tpa == self.ip:
                arp = struct.pack("!HHBBH6s4s6s4s", 1, ETH_P_IP, 6, 4, 2, self.mac, self.ip, sha, spa)
                if self.send(sha + self.mac + struct.pack("!H", ETH_P_ARP) + arp + bytes(18), 0.5):
                    self.c["arp_answered"] += 1
            elif op == 2 and tha == self.mac and tpa == self.ip:
                self.c["arp_replies"] += 1
        elif etype == ETH_P_IP and len(p) >= 20 and p[0] >> 4 == 4:
            ihl = (p[0] & 15) * 4
            total = struct.unpack("!H", p[2:4])[0]
            proto, sip, dip = p[9], p[12:16], p[16:20]
            if dip != self.ip or total > len(p) or total < ihl:
                return
            body = p[ihl:total]
            if proto == 17:
                self.c["rx_udp"] += 1
            elif proto == 1 and len(body) >= 8 and body[0] == 8:
                reply = b"\0\0\0\0" + body[4:]
                reply = reply[:2] + struct.pack("!H", csum(reply)) + reply[4:]
                if self.send(src + self.mac + struct.pack("!H", ETH_P_IP) + ipv4(dip, sip, 1, reply), 0.5):
                    self.c["echo_answered"] += 1
            elif proto == 1 and len(body) >= 8 and body[0] == 0 and body[4:6] == b"\x7e\x57":
                self.c["echo_replies"] += 1
        elif etype == ETH_P_IPV6 and len(p) >= 48 and p[6] == 58:
            plen = struct.unpack("!H", p[4:6])[0]
            sip, dip, body = p[8:24], p[24:40], p[40:40 + plen]
            if len(body) < 8:
                return
            if body[0] == 135 and len(body) >= 24 and body[8:24] == self.ip6:
                # A neighbour solicitation: a solicited advertisement, our MAC in it.
                na = struct.pack("!BBHI16sBB6s", 136, 0, 0, 0x60000000, self.ip6, 2, 1, self.mac)
                to = sip if sip != bytes(16) else socket.inet_pton(socket.AF_INET6, "ff02::1")
                if self.send(src + self.mac + struct.pack("!H", ETH_P_IPV6) + icmp6(self.ip6, to, na), 0.5):
                    self.c["ns_answered"] += 1
            elif body[0] == 128 and dip == self.ip6:
                reply = struct.pack("!BBH", 129, 0, 0) + body[4:]
                if self.send(src + self.mac + struct.pack("!H", ETH_P_IPV6) + icmp6(dip, sip, reply), 0.5):
                    self.c["echo6_answered"] += 1

    def pump(self, timeout):
        """Reads what the socket holds (unless stalled) for up to TIMEOUT s; False once the
        launched program ended."""
        r = [] if self.stalled or self.sock is None else [self.sock]
        if r:
            select.select(r, [], [], timeout)
        elif timeout > 0:
            time.sleep(timeout)
        if r:
            for _ in range(512):
                try:
                    data = self.sock.recv(65536)
                except (BlockingIOError, InterruptedError):
                    break
                except OSError as e:
                    self.note("recv error: %s" % e)
                    break
                if not data and self.a.stream:
                    break
                self.handle(data)
        return self.child is None or self.child.poll() is None

    # ---- commands ------------------------------------------------------------------------------
    def command(self, words):
        c = words[0] if words else ""
        if c == "hello":
            return "sent" if self.send(b"VFKT") else "failed"
        if c == "arp":
            return "sent" if self.send(self.arp_request(words[1])) else "failed"
        if c == "ping":
            n = sum(self.send(self.echo_request(words[1], words[2], i + 1)) for i in range(int(words[3])))
            return "sent %d" % n
        if c == "send":
            n, kind = int(words[1]), words[2]
            if kind == "zero":
                data = bytes(n)
            elif kind == "random":
                data = bytes(random.getrandbits(8) for _ in range(n))
            else:
                data = self.udp_frame(words[3], n, kind == "vlan")
            return "sent" if self.send(data) else "failed"
        if c == "burst":
            frame = self.udp_frame(words[2], 60)
            end = time.monotonic() + float(words[1])
            n = 0
            while time.monotonic() < end:
                if self.send(frame, max(0.0, end - time.monotonic())):
                    n += 1
                if n % 256 == 0:
                    self.pump(0)
            return "sent %d" % n
        if c == "stall":
            self.stalled = True
            return "stalled"
        if c == "resume":
            self.stalled = False
            return "reading"
        if c == "close":
            if self.sock is not None:
                self.sock.close()
                self.sock = None
            return "closed"
        if c == "wait":
            key, least, end = words[1], int(words[2]), time.monotonic() + float(words[3])
            while self.c[key] < least and time.monotonic() < end:
                if not self.pump(0.02):
                    break
            return "%s %s=%d" % ("ok" if self.c[key] >= least else "timeout", key, self.c[key])
        if c == "stats":
            return " ".join("%s=%d" % kv for kv in self.c.items())
        return "unknown command '%s'" % c


def above_stdio(fd):
    """FD moved to 3 or more (stdout may be closed: the program's end must not become it)."""
    if fd > 2:
        return fd
    new = fcntl.fcntl(fd, fcntl.F_DUPFD, 3)
    os.close(fd)
    return new


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", required=True)
    ap.add_argument("--mac", default="52:54:00:12:34:56")
    ap.add_argument("--ip", default="10.77.1.2")
    ap.add_argument("--ip6", default="fd77:1::2")
    ap.add_argument("--stream", action="store_true")
    ap.add_argument("--stdout", choices=["closed", "broken"])
    ap.add_argument("--bind")
    ap.add_argument("--to")
    ap.add_argument("--chown")
    ap.add_argument("cmd", nargs="*")
    a = ap.parse_args()
    log = open(a.log, "a", buffering=1)
    peer = Peer(a, log)
    code = 0

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, stop)
    try:
        if a.to:
            peer.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            if a.bind:
                try:
                    os.unlink(a.bind)
                except FileNotFoundError:
                    pass
                peer.sock.bind(a.bind)
                if a.chown:
                    uid, gid = a.chown.split(":")
                    os.chown(a.bind, int(uid), int(gid))
            peer.dest = a.to
            peer.sock.setblocking(False)
            peer.note("ready")
        else:
            kind = socket.SOCK_STREAM if a.stream else socket.SOCK_DGRAM
            mine, theirs = socket.socketpair(socket.AF_UNIX, kind)
            fd = above_stdio(os.dup(theirs.fileno()))
            theirs.close()
            out = None
            if a.stdout == "broken":
                r, out = os.pipe()
                os.close(r)
            cmd = [w.replace("{fd}", str(fd)) for w in a.cmd]
            peer.child = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=out, pass_fds=[fd],
                preexec_fn=(lambda: os.close(1)) if a.stdout == "closed" else None)
            os.close(fd)
            if out is not None:
                os.close(out)
            peer.sock = mine
            peer.sock.setblocking(False)
            peer.note("child %d fd %d" % (peer.child.pid, fd))
        seq = 0
        ctl = sys.stdin.fileno()
        os.set_blocking(ctl, False)
        pending = b""
        ctl_open = True
        while True:
            if not peer.pump(0.02 if ctl_open or peer.child else 0):
                break
            if ctl_open:
                try:
                    chunk = os.read(ctl, 4096)
                except BlockingIOError:
                    chunk = None
                if chunk == b"":
                    ctl_open = False
                    if peer.child is None:
                        break
                elif chunk:
                    pending += chunk
                    quit_now = False
                    while b"\n" in pending:
                        line, pending = pending.split(b"\n", 1)
                        words = line.decode().split()
                        seq += 1
                        if words == ["quit"]:
                            peer.note("done %d quit" % seq)
                            quit_now = True
                            break
                        peer.note("done %d %s" % (seq, peer.command(words)))
                    if quit_now:
                        break
            elif peer.child is None:
                break
        if peer.child is not None and peer.child.poll() is not None:
            rc = peer.child.returncode
            code = rc if rc >= 0 else 128 - rc
            peer.note("exit %s" % (rc if rc >= 0 else "signal %d" % -rc))
    except SystemExit as e:
        code = e.code
    finally:
        if peer.child is not None and peer.child.poll() is None:
            peer.child.terminate()
            try:
                peer.child.wait(5)
            except subprocess.TimeoutExpired:
                peer.child.kill()
                peer.child.wait()
            peer.note("stopped the program: exit %s" % peer.child.returncode)
        peer.note("stats " + " ".join("%s=%d" % kv for kv in peer.c.items()))
        if a.bind:
            try:
                os.unlink(a.bind)
            except OSError:
                pass
    return code


if __name__ == "__main__":
    sys.exit(main())
