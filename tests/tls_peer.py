"""TLS peers written with Python's ssl module, which no one here wrote.

usage:
  tls_peer.py client CA_FILE PORT GAMES
      Connects to 127.0.0.1:PORT, verifying the chain against CA_FILE and the
      host name 'localhost', and plays GAMES games of 1..100 by the
      reference's rule (a random secret each). Prints 'won N in K guesses'
      per game, then 'done'; any failure is one line on stderr, exit 1.
  tls_peer.py front CERT_FILE KEY_FILE TARGET_PORT
      A TLS front: listens on 127.0.0.1:0 (prints 'listening on
      127.0.0.1:PORT'), and relays each connection's bytes, once its
      handshake is done, to and from 127.0.0.1:TARGET_PORT in plaintext.
"""
import random
import socket
import ssl
import sys
import threading


def client(ca_file, port, games):
    context = ssl.create_default_context(cafile=ca_file)
    assert context.check_hostname and context.verify_mode == ssl.CERT_REQUIRED
    with socket.create_connection(('127.0.0.1', port), timeout=20) as raw:
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with context.wrap_socket(raw, server_hostname='localhost') as tls:
            lines = tls.makefile('rwb', buffering=0)

            def ask(line):
                tls.sendall(line.encode() + b'\n')

            def reply():
                line = lines.readline()
                if not line.endswith(b'\n'):
                    raise RuntimeError(f'connection ended: {line!r}')
                return line.decode().strip()

            for _ in range(games):
                secret = random.randint(1, 100)
                ask('PARAMS 1 100')
                previous = None
                for count in range(1, 1000):
                    ask('NUMBER')
                    guess = int(reply())
                    if not 1 <= guess <= 100:
                        raise RuntimeError(f'guess {guess} outside 1..100')
                    distance = abs(guess - secret)
                    if distance == 0:
                        ask('REPORT Correct')
                        print(f'won {secret} in {count} guesses', flush=True)
                        break
                    word = ('Unsure' if previous is None or distance == previous
                            else 'Warmer' if distance < previous else 'Colder')
                    ask('REPORT ' + word)
                    previous = distance
                else:
                    raise RuntimeError(f'{secret} not found')
                ask('PARAMS 0 -1')
    print('done', flush=True)


def relay(source, sink):
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for end in (sink, source):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(tls, target_port):
    try:
        plain = socket.create_connection(('127.0.0.1', target_port))
        plain.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:
        tls.close()
        return
    threading.Thread(target=relay, args=(plain, tls), daemon=True).start()
    relay(tls, plain)


def front(cert_file, key_file, target_port):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    listener = socket.create_server(('127.0.0.1', 0))
    host, port = listener.getsockname()[:2]
    print(f'listening on {host}:{port}', flush=True)
    while True:
        raw, _ = listener.accept()
        try:
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            raw.settimeout(10)
            tls = context.wrap_socket(raw, server_side=True)
            tls.settimeout(None)
        except (OSError, ssl.SSLError):
            raw.close()
            continue
        threading.Thread(target=serve, args=(tls, target_port), daemon=True).start()


def main():
    mode = sys.argv[1]
    try:
        if mode == 'client':
            client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        elif mode == 'front':
            front(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        else:
            raise SystemExit(__doc__)
    except (OSError, ssl.SSLError, RuntimeError, ValueError) as error:
        print(f'tls_peer.py: {error}', file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    main()
