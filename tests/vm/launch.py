#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs one test guest (tests/vm/initrd.sh, tests/vm/init) in QEMU (TCG) on a network of one of
three kinds, and reports on stdout, one "launch: " line per event:

  launch.py [OPTIONS] [-- FETH_VM_ARGS...]
    network (one of):
      (default)           feth-vm --fd N: an AF_UNIX SOCK_DGRAM socketpair, one end for feth-vm,
                          the other for QEMU (-netdev dgram,local.type=fd,local.str=M)
      --socket PATH       feth-vm --socket PATH; QEMU binds --vm-socket (default PATH.vm) and
                          sends to PATH (-netdev dgram,local.type=unix,...,remote.type=unix,...)
      --tap IFNAME        no feth-vm: -netdev tap,ifname=IFNAME,script=no,downscript=no,
                          vnet_hdr=--vnet-hdr (on|off, default off); --tap-addr A.B.C.D/N gives
                          the device that address and brings it up once QEMU has it
    --feth-vm PATH        the helper (default $FETH_VM, else build/examples/feth-vm of this tree)
    --helper-log FILE     feth-vm's stderr (default: this program's)
    --helper-wait SECS    how long feth-vm has, once the VM is gone, to exit by itself (default 5)
    --keep-vm             when feth-vm ends while the VM runs, let the VM run on (default: stop it)
    --guest DIR           DIR/vmlinuz and DIR/initrd.gz (or --kernel FILE, --initrd FILE)
    --append TEXT         the guest's parameters (vm.addr=... vm.host=... vm.steps=...)
    --mac MAC             the guest's MAC (default 52:54:00:12:34:56)
    --memory MB           (default 256)
    --console FILE        the guest's console, escape codes removed (default: this stderr)
    --timeout SECS        how long the guest has to print VM-DONE (default 120)
    --qemu-arg=ARG        one more QEMU argument (repeatable; with "=" when ARG starts with
                          a dash: --qemu-arg=-name)
    FETH_VM_ARGS          passed to feth-vm after --fd N / --socket PATH (--host-addr, --user...)

  stdout:
    launch: feth-vm-json {...}            feth-vm's JSON line
    launch: feth-vm-stdout-extra TEXT     anything feth-vm printed on stdout after it
    launch: qemu-pid PID
    launch: vm-ready SECS                 VM-READY seen, SECS after QEMU started
    launch: console-done 1|0              whether the guest printed VM-DONE
    launch: timeout SECS                  no VM-DONE in time (QEMU is stopped)
    launch: qemu-exit STATUS after SECS s (SECS since QEMU started)
    launch: feth-vm-exit STATUS after SECS s
                                          SECS since the VM's end closed (QEMU gone); when it
                                          ended while the VM ran: "... during-vm at SECS s"
                                          (since QEMU started); when it had to be stopped:
                                          "... after-sigterm" / "... after-sigkill"
    launch: relay-exit STATUS after SECS s
                                          feth-vm's relay, when feth-vm died before it (this
                                          program is a child subreaper and reaps it): SECS
                                          since feth-vm's death
    launch: error TEXT
    launch: result ok|fail
  STATUS is the exit status, or -N for a signal N. Exit status: 0 when the guest printed VM-DONE
  and feth-vm (if any) exited 0 by itself; 1 otherwise; 2 bad usage. Every wait is bounded;
  SIGTERM/SIGINT stop QEMU and feth-vm before this program exits.
"""
import argparse
import ctypes
import json
import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import time

ESCAPES = re.compile(r"\x1b(\[[0-9;?]*[A-Za-z]|[()][0-9A-Za-z]|[A-Za-z])")


def say(*words):
    print("launch:", *words, flush=True)


class Stop(Exception):
    pass


class Fail(Exception):
    pass


def on_signal(signum, _frame):
    raise Stop(f"signal {signum}")


class Lines:
    """Lines of a pipe, read without blocking (the pipe is one of a selector's)."""

    def __init__(self, f):
        self.fd = f.fileno()
        os.set_blocking(self.fd, False)
        self.buf = b""
        self.eof = False
        self.idle = False

    def drain(self):
        """All that is left, once the writer is gone."""
        lines = []
        while not self.eof and not self.idle:
            lines += self.read()
        return lines

    def read(self):
        try:
            data = os.read(self.fd, 65536)
        except BlockingIOError:
            self.idle = True
            return []
        self.idle = False
        if not data:
            self.eof = True
            data = b"\n" if self.buf else b""
        self.buf += data
        *lines, self.buf = self.buf.split(b"\n")
        return [line.decode(errors="replace").rstrip("\r") for line in lines]


class Children:
    """Every child this process reaps, also the orphans it inherits as a subreaper."""

    def __init__(self):
        self.status = {}
        self.when = {}

    def reap(self):
        while True:
            try:
                pid, st = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self.status[pid] = os.waitstatus_to_exitcode(st)
            self.when[pid] = time.monotonic()

    def done(self, pid):
        self.reap()
        return pid in self.status

    def wait(self, pid, secs):
        end = time.monotonic() + secs
        while not self.done(pid):
            if time.monotonic() >= end:
                return False
            time.sleep(0.02)
        return True


def default_helper():
    if os.environ.get("FETH_VM"):
        return os.environ["FETH_VM"]
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return os.path.join(top, "build", "examples", "feth-vm")


def parse():
    p = argparse.ArgumentParser(usage=__doc__.split("\n\n")[1].split("\n  stdout:")[0])
    p.add_argument("--socket")
    p.add_argument("--vm-socket")
    p.add_argument("--tap")
    p.add_argument("--vnet-hdr", choices=("on", "off"), default="off")
    p.add_argument("--tap-addr")
    p.add_argument("--feth-vm", default=default_helper())
    p.add_argument("--helper-log")
    p.add_argument("--helper-wait", type=float, default=5.0)
    p.add_argument("--keep-vm", action="store_true")
    p.add_argument("--guest")
    p.add_argument("--kernel")
    p.add_argument("--initrd")
    p.add_argument("--append", default="")
    p.add_argument("--mac", default="52:54:00:12:34:56")
    p.add_argument("--memory", type=int, default=256)
    p.add_argument("--console")
    p.add_argument("--timeout", type=float, default=120.0)
    p.add_argument("--qemu-arg", action="append", default=[])
    p.add_argument("helper_args", nargs="*")
    a = p.parse_args()
    if a.socket and a.tap:
        p.error("--socket and --tap exclude each other")
    if a.tap_addr and not a.tap:
        p.error("--tap-addr needs --tap")
    a.kernel = a.kernel or (a.guest and os.path.join(a.guest, "vmlinuz"))
    a.initrd = a.initrd or (a.guest and os.path.join(a.guest, "initrd.gz"))
    if not a.kernel or not a.initrd:
        p.error("--guest DIR, or --kernel and --initrd, name the guest")
    a.vm_socket = a.vm_socket or (a.socket and a.socket + ".vm")
    return a


def subreaper():
    # PR_SET_CHILD_SUBREAPER: a relay orphaned by a killed feth-vm becomes this process's child,
    # so its end is seen (and reaped) here.
    try:
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def orphan(pid):
    """Whether PID is alive and this process's child (a relay whose feth-vm died)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1]) == os.getpid()
    except (OSError, ValueError, IndexError):
        return False


def stop(children, pid, grace=3.0):
    """SIGTERM, then SIGKILL after GRACE seconds; "" if it ended, else the signal it took."""
    if children.done(pid):
        return ""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    if children.wait(pid, grace):
        return "after-sigterm"
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    children.wait(pid, 5.0)
    return "after-sigkill"


def main():
    a = parse()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    subreaper()
    children = Children()
    console = open(a.console, "w", encoding="utf-8") if a.console else sys.stderr
    helper = qemu = None
    helper_out = None
    relay_pid = None
    helper_end = None  # when feth-vm ended (monotonic)
    helper_reported = relay_reported = False
    ok = True
    done = False
    vm_gone = None
    try:
        netdev = None
        qemu_fds = ()
        if not a.tap:
            if a.socket:
                helper_cmd = [a.feth_vm, "--socket", a.socket] + a.helper_args
                helper_fds = ()
            else:
                ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
                helper_cmd = [a.feth_vm, "--fd", str(theirs.fileno())] + a.helper_args
                helper_fds = (theirs.fileno(),)
                netdev = f"dgram,id=n0,local.type=fd,local.str={ours.fileno()}"
                qemu_fds = (ours.fileno(),)
            log = open(a.helper_log, "w") if a.helper_log else None
            helper = subprocess.Popen(helper_cmd, pass_fds=helper_fds, stdin=subprocess.DEVNULL,
                                      stdout=subprocess.PIPE, stderr=log)
            if log:
                log.close()
            if helper_fds:
                theirs.close()
            helper_out = Lines(helper.stdout)
            # Its one JSON line, once the pair is up (or its end).
            sel = selectors.DefaultSelector()
            sel.register(helper_out.fd, selectors.EVENT_READ)
            end = time.monotonic() + 15
            info = None
            while info is None and not helper_out.eof and time.monotonic() < end:
                sel.select(0.1)
                for line in helper_out.read():
                    if info is None:
                        try:
                            info = json.loads(line)
                            say("feth-vm-json", line)
                        except ValueError:
                            say("feth-vm-stdout-extra", line)
                    else:
                        say("feth-vm-stdout-extra", line)
                if children.done(helper.pid):
                    break
            sel.close()
            if info is None:
                if children.wait(helper.pid, 1.0):
                    helper_reported = True
                    say("feth-vm-exit", children.status[helper.pid], "before-vm")
                    raise Fail("feth-vm ended without its JSON line")
                raise Fail("no JSON line from feth-vm in 15 s")
            relay_pid = info.get("relay_pid") if isinstance(info, dict) else None
            if a.socket:
                netdev = (f"dgram,id=n0,local.type=unix,local.path={a.vm_socket},"
                          f"remote.type=unix,remote.path={a.socket}")
                try:
                    os.unlink(a.vm_socket)
                except FileNotFoundError:
                    pass
        else:
            netdev = (f"tap,id=n0,ifname={a.tap},script=no,downscript=no,"
                      f"vnet_hdr={a.vnet_hdr}")

        append = "console=ttyS0 quiet panic=-1 ipv6.disable=1 " + a.append
        qemu_cmd = ["qemu-system-x86_64", "-accel", "tcg", "-m", str(a.memory), "-nographic",
                    "-no-reboot", "-kernel", a.kernel, "-initrd", a.initrd, "-append", append,
                    "-netdev", netdev,
                    "-device", f"virtio-net-pci,netdev=n0,mac={a.mac},romfile="] + a.qemu_arg
        # In --socket mode QEMU's socket is made writable for all (umask 0) so feth-vm's relay,
        # another user, may send to it at once; it is given to that user just after.
        qemu = subprocess.Popen(qemu_cmd, pass_fds=qemu_fds, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                preexec_fn=(lambda: os.umask(0)) if a.socket else None)
        started = time.monotonic()
        if qemu_fds:
            ours.close()
        say("qemu-pid", qemu.pid)
        out = Lines(qemu.stdout)
        sel = selectors.DefaultSelector()
        sel.register(out.fd, selectors.EVENT_READ)
        if helper_out and not helper_out.eof:
            sel.register(helper_out.fd, selectors.EVENT_READ)
        deadline = started + a.timeout
        done_at = None

        def on_console(line):
            nonlocal done, done_at
            line = ESCAPES.sub("", line)
            console.write(line + "\n")
            console.flush()
            if "VM-READY" in line:
                say("vm-ready", f"{time.monotonic() - started:.2f}")
            if "VM-DONE" in line and not done:
                done = True
                done_at = time.monotonic()
        owned = not a.socket
        addressed = not a.tap_addr
        while True:
            now = time.monotonic()
            if not owned and now - started < 10:
                try:
                    st = os.stat(a.socket)
                    os.chown(a.vm_socket, st.st_uid, st.st_gid)
                    os.chmod(a.vm_socket, 0o600)
                    owned = True
                except FileNotFoundError:
                    pass
            if not addressed and now - started > 10:
                say("error", f"no interface {a.tap} 10 s after QEMU started")
                addressed = True
            if not addressed and os.path.exists(f"/sys/class/net/{a.tap}"):
                r = subprocess.run(["ip", "addr", "add", a.tap_addr, "dev", a.tap],
                                   timeout=10, check=False)
                r2 = subprocess.run(["ip", "link", "set", a.tap, "up"], timeout=10, check=False)
                if r.returncode or r2.returncode:
                    say("error", f"cannot give {a.tap} {a.tap_addr}")
                addressed = True
            for key, _ in sel.select(0.1):
                src = out if key.fd == out.fd else helper_out
                for line in src.read():
                    if src is helper_out:
                        say("feth-vm-stdout-extra", line)
                    else:
                        on_console(line)
                if src.eof:
                    sel.unregister(src.fd)
            if children.done(qemu.pid):
                break
            if helper and not helper_reported and children.done(helper.pid):
                helper_end = children.when[helper.pid]
                say("feth-vm-exit", children.status[helper.pid], "during-vm at",
                    f"{helper_end - started:.2f} s")
                helper_reported = True
                ok = False
                if not a.keep_vm:
                    break
            if (helper_reported and relay_pid in children.status and not relay_reported
                    and helper_end is not None):
                say("relay-exit", children.status[relay_pid], "after",
                    f"{children.when[relay_pid] - helper_end:.2f} s")
                relay_reported = True
            if done and time.monotonic() - done_at > 10:
                say("error", "QEMU still runs 10 s after VM-DONE")
                break
            if not done and time.monotonic() > deadline:
                say("timeout", a.timeout)
                break
        if not children.done(qemu.pid):
            stop(children, qemu.pid)
        vm_gone = children.when.get(qemu.pid, time.monotonic())
        # What QEMU printed last.
        for line in out.drain():
            on_console(line)
        sel.close()
        qemu.returncode = children.status.get(qemu.pid)
        say("console-done", 1 if done else 0)
        say("qemu-exit", qemu.returncode, "after", f"{vm_gone - started:.2f} s")
        if a.socket:
            try:
                os.unlink(a.vm_socket)
            except FileNotFoundError:
                pass
        ok = ok and done

        if helper and not helper_reported:
            if children.wait(helper.pid, a.helper_wait):
                helper_end = children.when[helper.pid]
                rc = children.status[helper.pid]
                say("feth-vm-exit", rc, "after", f"{helper_end - vm_gone:.2f} s")
                ok = ok and rc == 0
            else:
                how = stop(children, helper.pid, 5.0)
                helper_end = time.monotonic()
                say("feth-vm-exit", children.status.get(helper.pid), how)
                ok = False
            helper_reported = True
        if helper_out:
            for line in helper_out.drain():
                say("feth-vm-stdout-extra", line)
        # The relay is ours to wait for only when feth-vm died before it.
        if relay_pid and orphan(relay_pid):
            children.wait(relay_pid, 5.0)
        if relay_pid in children.status and not relay_reported:
            say("relay-exit", children.status[relay_pid], "after",
                f"{children.when[relay_pid] - helper_end:.2f} s")
            relay_reported = True
    except Stop as e:
        say("error", f"stopped by {e}")
        ok = False
    except Fail as e:
        say("error", str(e))
        ok = False
    except (OSError, subprocess.SubprocessError) as e:
        say("error", str(e))
        ok = False
    finally:
        # Stopping has begun: a second signal (a wrapper's SIGTERM after a Ctrl-C) must not cut
        # it short and leave QEMU or feth-vm running.
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        for p in (qemu, helper):
            if p and not children.done(p.pid):
                stop(children, p.pid)
                if p is helper and not helper_reported:
                    say("feth-vm-exit", children.status.get(p.pid), "after-stop")
        if relay_pid and not relay_reported and relay_pid in children.status:
            since = f"{children.when[relay_pid] - helper_end:.2f} s" if helper_end else "? s"
            say("relay-exit", children.status[relay_pid], "after", since)
        for p in (qemu, helper):
            if p:
                p.returncode = children.status.get(p.pid, -1)
        if console is not sys.stderr:
            console.close()
    say("result", "ok" if ok else "fail")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
