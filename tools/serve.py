#!/usr/bin/env python3
"""Serves the rankscope site (index.html + www/) on localhost, with the right MIME types.

Usage: python3 tools/serve.py [--root DIR] [--port N] [--host H]
The port defaults to $PORT, else 8000. Only the standard library is used. Files are sent with
`Cache-Control: no-store` so a rebuilt WASM is always picked up.
"""
import argparse
import functools
import http.server
import os
import sys


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".css": "text/css",
        ".svg": "image/svg+xml",
        ".html": "text/html; charset=utf-8",
    }

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        super().end_headers()

    def log_message(self, fmt, *args):
        if os.environ.get("RANKSCOPE_QUIET") != "1":
            super().log_message(fmt, *args)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=".")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    for build in ("rankscope_bg.wasm", "rankscope_fma_bg.wasm"):
        if not os.path.isfile(os.path.join(args.root, "www", "pkg", build)):
            sys.exit(f"{args.root}/www/pkg/{build} is missing: build the WASM first (make wasm)")
    handler = functools.partial(Handler, directory=args.root)
    server = http.server.ThreadingHTTPServer((args.host, args.port), handler)
    try:
        print(f"rankscope is served at http://{args.host}:{server.server_address[1]}/", flush=True)
    except BrokenPipeError:
        pass  # nobody is reading stdout any more; keep serving

    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
