"""Which process holds a job, and whether that process still exists.

A job's ``owner`` is :func:`this_process`: ``<host>:<pid>:<start>``, where ``<host>`` is the
host name plus, where ``/proc`` tells them, the kernel's boot id and the PID namespace (two
containers sharing a host name, or one host before and after a reboot, are different hosts
here), and ``<start>`` is the process's start time in clock ticks since boot (so a PID the
kernel has handed to a new process does not pass for the old one). Without ``/proc`` both
extras are empty and the host name and PID alone decide.

:func:`on_this_host` says whether a PID in an owner string can be checked here at all;
:func:`is_alive` then checks it. Owners on other hosts cannot be checked: their heartbeat
decides (see :mod:`exporter.jobs`).
"""

from __future__ import annotations

import os
import socket
from functools import cache
from pathlib import Path

PROC = Path("/proc")


@cache
def _host() -> str:
    name = socket.gethostname()[:180]
    try:
        boot = (PROC / "sys/kernel/random/boot_id").read_text().strip()[:8]
        namespace = os.readlink(PROC / "self/ns/pid").strip("pid:[]")
    except OSError:
        return name
    return f"{name}/{boot}-{namespace}"


def _start_ticks(pid: int) -> str | None:
    """The process's start time from ``/proc/<pid>/stat``: "" without ``/proc``, None when
    the process is gone or a zombie (killed, not yet waited for: it runs nothing)."""
    if not PROC.is_dir():
        return ""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # Fields after the command name, which is in parentheses and may contain spaces.
    fields = stat[stat.rindex(")") + 2 :].split()
    return None if fields[0] in ("Z", "X") else fields[19]


def owner_of(pid: int) -> str:
    """The owner string of process ``pid`` on this host."""
    return f"{_host()}:{pid}:{_start_ticks(pid) or ''}"


@cache
def _owner_once(pid: int) -> str:
    return owner_of(pid)


def this_process() -> str:
    """The owner string of the calling process (computed per PID: forks get their own)."""
    return _owner_once(os.getpid())


def on_this_host(owner: str) -> bool:
    parts = owner.rsplit(":", 2)
    return len(parts) == 3 and parts[1].isdigit() and parts[0] == _host()


def is_alive(owner: str) -> bool:
    """Whether the process named by ``owner`` (which must be on this host) still runs."""
    _, pid_text, start = owner.rsplit(":", 2)
    pid = int(pid_text)
    if pid <= 0:
        return False  # kill(0) would signal our own process group, not check a process
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under another user
    ticks = _start_ticks(pid)
    return ticks is not None and (not start or not ticks or ticks == start)
