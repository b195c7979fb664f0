"""Start a Python child process that runs one agentfn function, configured over its stdin.

Shared by the trace writer process and the import's parser workers. A plain
``python -c`` child, not :mod:`multiprocessing`: spawn re-imports the caller's
``__main__`` (breaking scripts without an ``if __name__ == "__main__"`` guard)
and fork is unsafe in a process that runs threads. The child gets the parent's
``sys.path``, so it imports the same agentfn, installed or not.
"""

from __future__ import annotations

import pickle
import struct
import subprocess
import sys
from typing import IO, Any

__all__ = ["recv_object", "send_object", "start_child"]

_LEN = struct.Struct(">Q")
_BOOT = (
    "import importlib,pickle,struct,sys\n"
    "n,=struct.unpack('>Q',sys.stdin.buffer.read(8))\n"
    "cfg=pickle.loads(sys.stdin.buffer.read(n))\n"
    "sys.path[:0]=cfg.pop('sys_path')\n"
    "m,_,f=cfg.pop('entry').partition(':')\n"
    "getattr(importlib.import_module(m),f)(cfg)\n"
)


def send_object(stream: IO[bytes], obj: Any) -> None:
    """Write one length-prefixed pickle and flush."""
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LEN.pack(len(data)) + data)
    stream.flush()


def recv_object(stream: IO[bytes]) -> Any:
    """Read one object written by :func:`send_object`; EOFError at end of stream."""
    head = stream.read(_LEN.size)
    if len(head) < _LEN.size:
        raise EOFError
    (size,) = _LEN.unpack(head)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)


def start_child(entry: str, config: dict[str, Any], *, new_session: bool = False) -> subprocess.Popen[bytes]:
    """Run ``entry`` (``"module:function"``) in a new interpreter as ``function(config)``.

    The child's stdin and stdout are pipes to this process (the config is already sent on
    stdin); its stderr is this process's. ``new_session`` keeps a terminal's Ctrl-C away from it.
    """
    proc = subprocess.Popen(
        [sys.executable, "-c", _BOOT], stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=new_session
    )
    assert proc.stdin is not None
    send_object(proc.stdin, {**config, "sys_path": list(sys.path), "entry": entry})
    return proc
