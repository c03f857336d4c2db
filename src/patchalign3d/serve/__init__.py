"""`patchalign3d serve`: a local web page to segment a shape by text and look at it in 3D.

    app = create_app(PatchAlign3D.from_pretrained())
    run_server(app, host="127.0.0.1", port=8765)

The page (static/) draws with three.js, vendored from npm at a pinned version (static/vendor/three,
`scripts/vendor_three.sh`), so it needs no network. The HTTP server is Werkzeug's threaded WSGI server,
which is what Flask itself runs locally; it listens on the loopback interface unless told otherwise.
"""

from __future__ import annotations

import logging
import socket
import sys

from patchalign3d.errors import PatchAlignError
from patchalign3d.serve.app import DEFAULT_MAX_UPLOAD_MB, create_app

__all__ = ["DEFAULT_MAX_UPLOAD_MB", "create_app", "run_server"]


def run_server(app, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve `app` until interrupted; port 0 takes a free port. Prints the page's address once listening."""
    from werkzeug.serving import make_server

    # Bound here rather than by Werkzeug, whose own bind exits the process on failure.
    listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(64)
        server = make_server(host, port, app, threaded=True, fd=listener.fileno())
    except OSError as error:
        raise PatchAlignError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    finally:
        listener.close()  # the server holds its own duplicate of the socket
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request; errors still show
    shown_host = f"[{host}]" if ":" in host else host
    print(f"patchalign3d serve: http://{shown_host}:{server.port}/  (Ctrl+C stops it)", flush=True)
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"note: listening on {host}, not only on this computer: anyone who can reach it can upload shapes",
              file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
