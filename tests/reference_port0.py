"""Runs a server of the reference game on an ephemeral port, unchanged.

The reference takes a fixed port and prints only 'listening'. Tests bind port
0, so this loads reference_game.py as a module, wraps the one call that binds
(socket.listen for the threaded server, asyncio.start_server for the asyncio
one) to print 'listening on 127.0.0.1:PORT' first, and runs the reference's
own server function.

usage: reference_port0.py threaded-server|async-server [--quiet] [--reference FILE]
The reference file is FILE (such as the Korean notes' reference_game_ko.py,
which has the same functions), else $WARMER_COLDER_REFERENCE, else
../shared/reference/reference_game.py from the repository's root.
"""
import asyncio
import importlib.util
import os
import socket
import sys
import types

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PATH = os.environ.get('WARMER_COLDER_REFERENCE') or os.path.join(
    ROOT, '..', 'shared', 'reference', 'reference_game.py')


def announce(sock):
    host, port = sock.getsockname()[:2]
    print(f'listening on {host}:{port}', flush=True)


class AnnouncingSocket(socket.socket):
    def listen(self, *args):
        super().listen(*args)
        announce(self)


def main():
    mode = sys.argv[1]
    path = PATH
    if '--reference' in sys.argv:
        path = sys.argv[sys.argv.index('--reference') + 1]
    spec = importlib.util.spec_from_file_location('reference_game', path)
    ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ref)
    ref.VERBOSE = '--quiet' not in sys.argv
    address = ('127.0.0.1', 0)
    if mode == 'threaded-server':
        ref.socket = types.SimpleNamespace(
            socket=AnnouncingSocket, SOL_SOCKET=socket.SOL_SOCKET,
            SO_REUSEADDR=socket.SO_REUSEADDR, create_connection=socket.create_connection)
        ref.run_server(address)
    elif mode == 'async-server':
        start_server = asyncio.start_server

        async def announcing_start_server(*args, **kwargs):
            server = await start_server(*args, **kwargs)
            announce(server.sockets[0])
            return server
        asyncio.start_server = announcing_start_server
        asyncio.run(ref.run_async_server(address))
    else:
        sys.exit(f'unknown mode {mode}')


if __name__ == '__main__':
    try:
        main()
    except KeyboardInterrupt:
        pass
