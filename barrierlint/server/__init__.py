"""`barrierlint server`: a Language Server Protocol server over stdio (pygls).

The editor sees what `check FILE` sees, on the text being typed: `analysis` runs the engine on
the open buffers and their project, `lsp` turns findings and model places into protocol
values, `navigation` answers definition, references, hover and symbols from the analysed
project, and `app` wires them to pygls. pygls is an optional extra (`barrierlint[server]`):
nothing here is imported unless `barrierlint server` runs.
"""

from __future__ import annotations

from ..errors import UsageError


def main() -> None:
    """Serve on standard input and output until the client says exit."""
    try:
        from .app import build
    except ImportError as error:
        if getattr(error, "name", "") and error.name.split(".")[0] in ("pygls", "lsprotocol"):
            raise UsageError("the language server needs pygls: pip install 'barrierlint[server]'") from None
        raise
    import os
    import sys

    server = build()
    server.start_io()
    sys.stdout = open(os.devnull, "w")  # pygls closed the protocol's stream: nothing more goes there
    if not server.shut_down:  # the protocol's rule: `exit` without `shutdown` first is a failure
        raise SystemExit(1)
