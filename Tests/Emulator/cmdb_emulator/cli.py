"""The command line: the flags (README "Flags") and main(), which serves until SIGTERM / SIGINT."""

import argparse
import signal
import sys
import threading

from .app import Emulator
from .faults import DEFAULT_FAULT_MIX
from .server import Server


def build_parser():
    p = argparse.ArgumentParser(description="A local BlueKing CMDB emulator (ESB and API gateway routes).")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port (default 0: a free port)")
    p.add_argument("--app-code", default="bkcc-demo", help="the valid bk_app_code (default bkcc-demo)")
    p.add_argument("--app-secret", default="bkcc-demo-secret", help="the valid bk_app_secret (default bkcc-demo-secret)")
    p.add_argument("--models", metavar="FILE.json", help="extra models (see README.md for the format)")
    p.add_argument("--state", metavar="FILE", help="keep instances in FILE across restarts")
    p.add_argument("--envelope", choices=("esb", "native"), default="esb",
                   help="esb: code/message (default); native: bk_error_code/bk_error_msg")
    p.add_argument("--rate", type=float, default=0, metavar="N", help="allow N API requests per second (0: no limit)")
    p.add_argument("--fault", action="append", metavar="NAME[:ARG]", help="a fault for every API request (repeatable)")
    p.add_argument("--fault-rate", type=float, default=0, metavar="P",
                   help="give a random fault of --fault-mix to each API request with probability P (0..1)")
    p.add_argument("--fault-mix", metavar="NAME[:ARG],...",
                   help="the faults --fault-rate draws from (default %s)" % ",".join(DEFAULT_FAULT_MIX))
    p.add_argument("--fault-seed", type=int, default=1, help="seed of --fault-rate's draws (default 1)")
    p.add_argument("--tls-cert", metavar="PEM", help="serve HTTPS with this certificate (chain) ...")
    p.add_argument("--tls-key", metavar="PEM", help="... and this private key")
    p.add_argument("--first-id", type=int, default=1001, help="the first bk_inst_id (default 1001)")
    p.add_argument("--quiet", action="store_true", help="no access log (the default)")
    p.add_argument("--verbose", action="store_true", help="access log on stderr")
    return p


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.quiet:
        args.verbose = False
    if args.rate < 0:
        print("emulator: --rate must be >= 0", file=sys.stderr)
        return 2
    try:
        emu = Emulator(args)
    except (OSError, ValueError) as e:
        print("emulator: %s" % e, file=sys.stderr)
        return 2
    try:
        server = Server((args.host, args.port), emu)
    except OSError as e:
        print("emulator: cannot listen on %s:%s: %s" % (args.host, args.port, e), file=sys.stderr)
        return 2
    host, port = server.server_address[:2]
    shown = "[%s]" % host if ":" in host else host

    def on_signal(signum, frame):
        emu.stop.set()

    # installed before the URL is printed: a parent may signal as soon as it has read the line
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        print("%s://%s:%d" % ("https" if emu.tls else "http", shown, port), flush=True)
    except OSError:
        pass
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    while not emu.stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    return 0

