/*
 * The benchmark's load generator: one thread, level-triggered epoll, so that it
 * costs the server as little CPU as possible. Every reply is checked, at any
 * time; a wrong one counts as a violation, and the first few are sampled.
 *
 * Throughput mode (default): --connections clients play games over and over,
 * one write a round trip: `PARAMS 1 100\nNUMBER\n`, then `REPORT X\nNUMBER\n`,
 * or `REPORT X\nPARAMS 0 -1\nPARAMS 1 100\nNUMBER\n` when a game ends (Correct,
 * or five rounds). A reply must be an integer in range, not repeated in its
 * game. Warm-up starts once the server has answered every connection once; a
 * round trip unanswered when the window closes is timed with its age so far,
 * so a starved connection shows in p99. Latencies go into a log-linear
 * histogram (exact below 128 µs, then within 1/64), printed as [µs, count].
 * Idle mode (--idle N): N connections play one round trip each, then stay open
 * until stdin has a line or ends, or --hold seconds pass. Burst mode (--burst
 * N): N connections opened at once, each sending `PARAMS 1 10\nNUMBER\n`; how
 * many had a reply (an integer in 1..10) and when the last came, within --hold.
 * Reconnect (--reconnect 1, with throughput mode): each connection closes after
 * its first reply (`PARAMS 1 100\nNUMBER\n`) and opens anew, so a round trip
 * is a whole connection: with --tls, a full handshake (no session is resumed);
 * its latency runs from the connect to the reply.
 *
 * TLS (--tls 1, any mode; built in when OpenSSL's headers and libraries are
 * there, and then `--help` lists it): every connection is TLS, with OpenSSL's
 * defaults (TLS 1.3 here), SNI `localhost`, and no certificate check: it
 * measures the server, whose every reply is still checked.
 *
 * WebSocket (--websocket 1, any mode, with --tls too: wss): on a web port
 * (server.ts --web), each connection first sends `GET /ws` with the upgrade's
 * headers (no Origin, as a program's request) and waits for a `HTTP/1.1 101`
 * head with the Sec-WebSocket-Accept of its fixed key; any other answer is a
 * socket error, sampled, and the connection is closed. Then it plays as over
 * TCP: each line of a write goes as one masked text frame (FIN, opcode 1, a
 * zero mask key, so the payload goes as is), all in the same write; the
 * server's frames are decoded into `payload\n` for the same line handling
 * (fragments joined, pings answered); a close frame ends the connection.
 *
 * While replies are due it polls for up to --spin µs before sleeping, yielding
 * the CPU between polls: on this benchmark's 2-core VM, waking a sleeping
 * generator cost the server a tenth of its CPU (5-8% fewer round trips).
 *
 * Build: cc -O2 -Wall -Wextra -DLOAD_TLS -o bench/out/load bench/load.c -lssl -lcrypto,
 * or without TLS: cc -O2 -Wall -Wextra -o bench/out/load bench/load.c (bench/build_c.ts)
 * Stdout: one JSON line; in throughput mode after `{"phase":"measuring"}`,
 * printed when the measured window opens.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#ifdef LOAD_TLS
#include <openssl/err.h>
#include <openssl/ssl.h>
#endif

#define ROUNDS 5
#define LINE 64 /* bytes kept of a reply line; a longer one is not an integer here */
#define SAMPLES 5
#define SAMPLE_TEXT 300
#define SUB_BITS 6
#define SUB (1 << SUB_BITS)
#define BUCKETS ((32 - SUB_BITS) * SUB)
#define SECOND 1000000000LL

enum { THROUGHPUT, IDLE, BURST };
enum {
  PORT, CONNECTIONS, DURATION, WARMUP, IDLE_N, BURST_N, HOLD, SPIN, TLS, RECONNECT, WEBSOCKET,
  OPTIONS
};
static const char *OPTION[OPTIONS] = {"port", "connections", "duration", "warmup",
                                      "idle", "burst",       "hold",     "spin",
                                      "tls",  "reconnect",   "websocket"};
static double opt[OPTIONS] = {-1, 50, 5, 1, 0, 0, 120, 20, 0, 0, 0};
static const char *host = "127.0.0.1";
enum { NOT_INTEGER, ERROR_REPLY, OUT_OF_RANGE, REPEATED, UNSOLICITED, KINDS };
static const char *KIND[KINDS] = {"notInteger", "errorReply", "outOfRange", "repeated",
                                  "unsolicited"};
enum { WARMER, COLDER, UNSURE, CORRECT };
static const char *DECISION[4] = {"Warmer", "Colder", "Unsure", "Correct"};

/* The server's frame being read, with --websocket: its stage, header and payload left. */
enum { FRAME_START, FRAME_LENGTH, FRAME_EXTENDED, FRAME_MASK, FRAME_PAYLOAD };
struct frame {
  uint8_t stage, opcode, extended, have, n_control, mask[4];
  bool fin, masked;
  uint64_t left;
  uint8_t control[125]; /* a ping's payload, for its pong */
};

struct conn {
  int fd;
  enum { CONNECTING, HANDSHAKING, UPGRADING, OPEN, CLOSED } state;
  bool replied, awaiting, reopened;
  bool status_read, accepted; /* of the upgrade's response head, with --websocket */
  void *ssl; /* an SSL *, with --tls */
  int n_guesses;
  double secret, previous, guesses[ROUNDS];
  int64_t sent;
  size_t length;
  uint8_t line[LINE];
  struct frame frame;
};

static int mode, ep, family, upper = 100;
static struct sockaddr_storage address;
static socklen_t address_len;
static struct conn *conns;
static size_t n_conns, next_conn, max_inflight = 200, inflight, connected, answered, gone;
static bool measuring, stdin_done;
static int64_t last_answer, spin_ns;
static uint64_t round_trips, games, violations[KINDS], socket_errors, closed_early, rng;
static double counts[BUCKETS], max_us;
static char samples[SAMPLES][SAMPLE_TEXT], errors[SAMPLES][SAMPLE_TEXT];
static int n_samples, n_errors;
static char open_msg[32], restart_msg[48], next_msg[4][32], end_msg[4][64], upgrade_msg[512];
/* RFC 6455's sample key, and the Sec-WebSocket-Accept a server must answer it with. */
static const char WS_KEY[] = "dGhlIHNhbXBsZSBub25jZQ==";
static const char WS_ACCEPT[] = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
static uint8_t buffer[64 * 1024];
#ifdef LOAD_TLS
static SSL_CTX *tls_context;
#endif

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * SECOND + t.tv_nsec;
}

/* ---------------------------------------------------------------- histogram */

/* The bucket of a latency in µs: exact below 128, then within 1/64 of it. */
static int bucket_of(double us) {
  uint32_t v = us <= 0 ? 0 : us >= 0x7fffffff ? 0x7fffffff : (uint32_t)(us + 0.5);
  if (v < 2 * SUB) return (int)v;
  int shift = 31 - __builtin_clz(v) - SUB_BITS;
  return (shift + 1) * SUB + (int)(v >> shift) - SUB;
}

/* The middle of a bucket's range of values. */
static double bucket_value(int index) {
  if (index < 2 * SUB) return index;
  int shift = (index >> SUB_BITS) - 1;
  double width = (double)(1u << shift);
  return (index - shift * SUB) * width + (width - 1) / 2;
}

static void record(double us) {
  counts[bucket_of(us)]++;
  if (us > max_us) max_us = us;
}

/* ------------------------------------------------------------------- checks */

static void add_sample(char (*list)[SAMPLE_TEXT], int *n, const char *format, ...) {
  if (*n >= SAMPLES) return;
  va_list args;
  va_start(args, format);
  vsnprintf(list[(*n)++], SAMPLE_TEXT, format, args);
  va_end(args);
}

/* A line (its first LINE bytes) as a sample's text: \" \\ and \xNN escapes. */
static char *escape(char text[4 * LINE + 1], const uint8_t *line, size_t n) {
  char *p = text;
  for (size_t i = 0; i < n && i < LINE; i++) {
    uint8_t b = line[i];
    if (b == '"' || b == '\\') *p++ = '\\', *p++ = (char)b;
    else if (b < 0x20 || b >= 0x7f) p += sprintf(p, "\\x%02x", b);
    else *p++ = (char)b;
  }
  *p = 0;
  return text;
}

/* Counts a violation; samples the line, quoted. */
static void violation(int kind, const uint8_t *line, size_t n) {
  violations[kind]++;
  char text[4 * LINE + 1];
  add_sample(samples, &n_samples, "%s: \"%s\"", KIND[kind], escape(text, line, n));
}

/* An honest client's report: 0 is Correct; no previous (-1) or equal is Unsure. */
static int decide(double distance, double previous) {
  if (distance == 0) return CORRECT;
  if (previous < 0 || distance == previous) return UNSURE;
  return distance < previous ? WARMER : COLDER;
}

/* -1 for an integer ([+-]?[0-9]+, into *value), else NOT_INTEGER or ERROR_REPLY. */
static int classify(const uint8_t *s, size_t n, double *value) {
  if (n >= 6 && memcmp(s, "ERROR ", 6) == 0) return ERROR_REPLY;
  size_t i = n > 0 && (s[0] == '-' || s[0] == '+');
  if (n > LINE || i == n) return NOT_INTEGER;
  double v = 0;
  for (; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return NOT_INTEGER;
    v = v * 10 + (s[i] - '0');
  }
  *value = s[0] == '-' ? -v : v;
  return -1;
}

static void new_game(struct conn *c) {
  rng ^= rng >> 12, rng ^= rng << 25, rng ^= rng >> 27; /* xorshift64* */
  c->secret = 1 + (double)(((rng * 0x2545F4914F6CDD1DULL) >> 11) % (uint64_t)upper);
  c->previous = -1;
  c->n_guesses = 0;
  c->awaiting = true;
}

/* ------------------------------------------------------------------ sockets */

/* Whether the connection is up: upgrading to a WebSocket, or playing. */
static bool is_open(const struct conn *c) { return c->state == UPGRADING || c->state == OPEN; }

/*
 * With --websocket, a masked close frame (1000, normal), unchecked: before
 * closing an open connection that is still sound, or answering the server's.
 */
static void say_goodbye(struct conn *c) {
  static const uint8_t CLOSE_FRAME[] = {0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8};
  if (opt[WEBSOCKET] == 0 || c->state != OPEN) return;
#ifdef LOAD_TLS
  if (c->ssl) {
    if (SSL_write(c->ssl, CLOSE_FRAME, sizeof CLOSE_FRAME) <= 0) ERR_clear_error();
    return;
  }
#endif
  if (send(c->fd, CLOSE_FRAME, sizeof CLOSE_FRAME, MSG_NOSIGNAL) < 0) return;
}

/* Closes the socket (a TLS one with its close_notify, once open), whatever its state. */
static void close_conn(struct conn *c) {
  if (c->state == CONNECTING) inflight--;
#ifdef LOAD_TLS
  if (c->ssl && is_open(c)) SSL_shutdown(c->ssl);
  SSL_free(c->ssl);
#endif
  c->ssl = NULL;
  if (c->fd >= 0) close(c->fd);
  c->fd = -1;
  c->state = CLOSED;
}

static void drop(struct conn *c) {
  if (c->state == CLOSED) return;
  if (!c->replied) gone++;
  close_conn(c);
  closed_early++;
}

static void fail(struct conn *c, const char *what, int e) {
  socket_errors++;
  const char *name = strerrorname_np(e);
  add_sample(errors, &n_errors, "%s %s", what, name ? name : "EUNKNOWN");
  drop(c);
}

#ifdef LOAD_TLS
/* A TLS call's failure: EAGAIN when it only waits for the socket, else counted and dropped. */
static int tls_failed(struct conn *c, const char *what, int result) {
  int e = SSL_get_error(c->ssl, result);
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return EAGAIN;
  SSL_set_quiet_shutdown(c->ssl, 1); /* no close_notify after a failure */
  if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && errno == 0)) return drop(c), 0;
  if (e == SSL_ERROR_SYSCALL) return fail(c, what, errno), EIO;
  char text[160];
  ERR_error_string_n(ERR_get_error(), text, sizeof text);
  socket_errors++;
  add_sample(errors, &n_errors, "%s %s", what, text);
  drop(c);
  ERR_clear_error();
  return EPROTO;
}
#endif

/* One write; a short one (the server reads nothing yet replies) ends the connection. */
static void send_bytes(struct conn *c, const void *data, size_t n) {
#ifdef LOAD_TLS
  if (c->ssl) {
    errno = 0;
    int w = SSL_write(c->ssl, data, (int)n);
    if (w <= 0 && tls_failed(c, "tls write", w) == EAGAIN) fail(c, "tls write", EAGAIN);
    return;
  }
#endif
  ssize_t w = send(c->fd, data, n, MSG_NOSIGNAL);
  if (w != (ssize_t)n) fail(c, "write", w < 0 ? errno : EAGAIN);
}

/*
 * One write of protocol lines: as they are, or with --websocket each line a
 * masked text frame, its mask key zero (the lines are ours: under 126 bytes).
 */
static void send_text(struct conn *c, const char *text) {
  if (opt[WEBSOCKET] == 0) {
    send_bytes(c, text, strlen(text));
    return;
  }
  uint8_t frames[256];
  size_t n = 0;
  for (const char *line = text, *end; (end = strchr(line, '\n')) != NULL; line = end + 1) {
    size_t length = (size_t)(end - line);
    uint8_t head[6] = {0x81, (uint8_t)(0x80 | length), 0, 0, 0, 0};
    memcpy(frames + n, head, sizeof head);
    memcpy(frames + n + sizeof head, line, length);
    n += sizeof head + length;
  }
  send_bytes(c, frames, n);
}

static void open_conn(struct conn *c);

/* One reply line: time it, check it, and send the next write. */
static void on_line(struct conn *c, int64_t now) {
  size_t n = c->length;
  c->length = 0;
  if (n > 0 && n <= LINE && c->line[n - 1] == '\r') n--;
  if (!c->replied) c->replied = true, answered++, last_answer = now;
  if (!c->awaiting) {
    violation(UNSOLICITED, c->line, n);
    return;
  }
  c->awaiting = false;
  round_trips++;
  if (measuring) record((double)(now - c->sent) / 1000);
  double value = 0;
  int kind = classify(c->line, n, &value);
  const char *next;
  if (kind >= 0) {
    violation(kind, c->line, n);
    new_game(c);
    next = restart_msg;
  } else {
    bool repeated = false;
    for (int i = 0; i < c->n_guesses; i++) repeated |= c->guesses[i] == value;
    if (value < 1 || value > upper) violation(OUT_OF_RANGE, c->line, n);
    else if (repeated) violation(REPEATED, c->line, n);
    c->guesses[c->n_guesses++] = value;
    double distance = value > c->secret ? value - c->secret : c->secret - value;
    int decision = decide(distance, c->previous);
    c->previous = distance;
    if (decision == CORRECT || c->n_guesses >= ROUNDS) {
      games++;
      new_game(c);
      next = end_msg[decision];
    } else {
      c->awaiting = true;
      next = next_msg[decision];
    }
  }
  if (mode != THROUGHPUT) c->awaiting = false; /* one round trip only */
  else if (opt[RECONNECT] > 0) say_goodbye(c), close_conn(c), c->reopened = true, open_conn(c);
  else c->sent = now, send_text(c, next);
}

/* One byte of the replies: a line's end, or a byte of it (its first LINE bytes are kept). */
static void line_byte(struct conn *c, uint8_t b, int64_t now) {
  if (b == '\n') on_line(c, now);
  else if (c->length++ < LINE) c->line[c->length - 1] = b;
}

/* A frame read whole: a data frame's last ends its line, a ping is answered, a close closes. */
static void frame_end(struct conn *c, int64_t now) {
  struct frame *f = &c->frame;
  f->stage = FRAME_START;
  if (f->opcode == 8) {
    say_goodbye(c);
    drop(c);
  } else if (f->opcode == 9) {
    uint8_t pong[6 + sizeof f->control] = {0x8a, (uint8_t)(0x80 | f->n_control), 0, 0, 0, 0};
    memcpy(pong + 6, f->control, f->n_control);
    send_bytes(c, pong, 6 + (size_t)f->n_control);
  } else if (f->opcode < 8 && f->fin) {
    line_byte(c, '\n', now);
  }
}

/*
 * One byte of the server's frames (RFC 6455 5.2): a data frame's payload goes
 * to the lines (a message is a line: its end is the line's), a control
 * frame's is kept for its pong. A server's frame is unmasked, but a mask
 * would be applied.
 */
static void frame_byte(struct conn *c, uint8_t b, int64_t now) {
  struct frame *f = &c->frame;
  switch (f->stage) {
  case FRAME_START:
    f->fin = b >> 7, f->opcode = b & 0x0f, f->stage = FRAME_LENGTH;
    return;
  case FRAME_LENGTH:
    f->masked = b >> 7, f->left = b & 0x7f, f->have = 0, f->n_control = 0;
    memset(f->mask, 0, sizeof f->mask);
    f->extended = f->left == 126 ? 2 : f->left == 127 ? 8 : 0;
    if (f->extended) f->left = 0;
    break;
  case FRAME_EXTENDED:
    f->left = f->left << 8 | b;
    if (++f->have < f->extended) return;
    f->have = 0;
    break;
  case FRAME_MASK:
    f->mask[f->have++] = b;
    if (f->have < sizeof f->mask) return;
    f->have = 0;
    break;
  default: /* FRAME_PAYLOAD */
    b ^= f->mask[f->have++ & 3];
    if (f->opcode < 8) line_byte(c, b, now);
    else if (f->n_control < sizeof f->control) f->control[f->n_control++] = b;
    if (c->state == OPEN && --f->left == 0) frame_end(c, now);
    return;
  }
  /* The header's next part: the extended length, the mask key, then the payload. */
  f->stage = f->stage < FRAME_EXTENDED && f->extended ? FRAME_EXTENDED
           : f->stage < FRAME_MASK && f->masked       ? FRAME_MASK
                                                      : FRAME_PAYLOAD;
  if (f->stage == FRAME_PAYLOAD && f->left == 0) frame_end(c, now);
}

/* The connection is ready for games: the first write. */
static void start_games(struct conn *c) {
  c->state = OPEN;
  c->length = 0;
  new_game(c);
  if (opt[RECONNECT] == 0) c->sent = now_ns(); /* else timed from the connect */
  send_text(c, open_msg);
}

/* An upgrade refused or not understood: a socket error, sampled, and the connection closed. */
static void upgrade_failed(struct conn *c, const char *why, const uint8_t *line, size_t n) {
  char text[4 * LINE + 1];
  socket_errors++;
  add_sample(errors, &n_errors, "websocket upgrade: %s\"%s\"", why, escape(text, line, n));
  drop(c);
}

/*
 * One byte of the upgrade's response head, read line by line into c->line:
 * the status line must be `HTTP/1.1 101`, a header must accept our key, and
 * an empty line ends it. Then the games start.
 */
static void head_byte(struct conn *c, uint8_t b) {
  if (b != '\n') {
    if (c->length++ < LINE) c->line[c->length - 1] = b;
    return;
  }
  size_t n = c->length < LINE ? c->length : LINE;
  c->length = 0;
  if (n > 0 && c->line[n - 1] == '\r') n--;
  const char *name = "sec-websocket-accept:";
  size_t skip = strlen(name);
  if (!c->status_read) {
    c->status_read = true;
    bool switching = n >= 12 && memcmp(c->line, "HTTP/1.1 101", 12) == 0 &&
                     (n == 12 || c->line[12] == ' ');
    if (!switching) upgrade_failed(c, "", c->line, n);
  } else if (n >= skip && strncasecmp((const char *)c->line, name, skip) == 0) {
    while (skip < n && (c->line[skip] == ' ' || c->line[skip] == '\t')) skip++;
    c->accepted = n - skip == strlen(WS_ACCEPT) && memcmp(c->line + skip, WS_ACCEPT, n - skip) == 0;
  } else if (n == 0 && !c->accepted) {
    upgrade_failed(c, "101 without our key's Sec-WebSocket-Accept ", (const uint8_t *)WS_ACCEPT,
                   strlen(WS_ACCEPT));
  } else if (n == 0) {
    start_games(c);
  }
}

/* Reads what the socket has (decrypted, with --tls): > 0 bytes, or 0 with the socket dealt with. */
static ssize_t receive(struct conn *c) {
#ifdef LOAD_TLS
  if (c->ssl) {
    errno = 0;
    int n = SSL_read(c->ssl, buffer, sizeof buffer);
    if (n <= 0) tls_failed(c, "tls read", n);
    return n > 0 ? n : 0;
  }
#endif
  ssize_t n = recv(c->fd, buffer, sizeof buffer, 0);
  if (n == 0) drop(c);
  if (n < 0 && errno != EAGAIN && errno != EINTR) fail(c, "read", errno);
  return n > 0 ? n : 0;
}

/* Whether OpenSSL holds bytes read ahead that no epoll event will announce again. */
static bool has_pending(struct conn *c) {
#ifdef LOAD_TLS
  return c->ssl && is_open(c) && SSL_has_pending(c->ssl);
#else
  (void)c;
  return false;
#endif
}

/* Reads the replies: the upgrade's head first, with --websocket, then lines (in frames). */
static void on_readable(struct conn *c) {
  do {
    ssize_t n = receive(c);
    int64_t now = n > 0 ? now_ns() : 0;
    for (ssize_t i = 0; i < n && is_open(c); i++) {
      if (c->state == UPGRADING) head_byte(c, buffer[i]);
      else if (opt[WEBSOCKET] > 0) frame_byte(c, buffer[i], now);
      else line_byte(c, buffer[i], now);
    }
  } while (has_pending(c));
}

/* Connected (and with --tls, the handshake made): upgrade to a WebSocket, or start the games. */
static void on_open(struct conn *c) {
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
  epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
  if (opt[WEBSOCKET] == 0) {
    start_games(c);
    return;
  }
  c->state = UPGRADING;
  send_bytes(c, upgrade_msg, strlen(upgrade_msg));
}

#ifdef LOAD_TLS
/* Goes on with the handshake; waits for the socket it asks for, or opens. */
static void handshake(struct conn *c) {
  errno = 0;
  int r = SSL_do_handshake(c->ssl);
  if (r == 1) {
    on_open(c);
    return;
  }
  if (tls_failed(c, "tls handshake", r) != EAGAIN) return;
  bool writing = SSL_get_error(c->ssl, r) == SSL_ERROR_WANT_WRITE;
  struct epoll_event ev = {.events = writing ? EPOLLOUT : EPOLLIN, .data.ptr = c};
  epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}
#endif

/* Starts connecting a client; completion arrives as EPOLLOUT. */
static void open_conn(struct conn *c) {
  c->state = CONNECTING;
  c->awaiting = opt[RECONNECT] > 0; /* a stalled reconnection counts in p99 */
  c->sent = now_ns();
  c->length = 0;
  c->status_read = c->accepted = false;
  memset(&c->frame, 0, sizeof c->frame);
  inflight++;
  int one = 1;
  c->fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
  if (c->fd >= 0) setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (c->fd < 0 || (connect(c->fd, (struct sockaddr *)&address, address_len) < 0 &&
                    errno != EINPROGRESS) ||
      epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
    fail(c, "connect", errno);
  }
}

static void open_next(void) { open_conn(&conns[next_conn++]); }

/* A connect finished: open the connection, or start its handshake with --tls. */
static void on_connected(struct conn *c) {
  int e = 0;
  socklen_t len = sizeof e;
  if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0) e = errno;
  if (e != 0) {
    fail(c, "connect", e);
    return;
  }
  inflight--;
  if (!c->reopened) connected++;
#ifdef LOAD_TLS
  if (tls_context) {
    c->ssl = SSL_new(tls_context);
    if (!c->ssl || !SSL_set_fd(c->ssl, c->fd) || !SSL_set_tlsext_host_name(c->ssl, "localhost")) {
      fail(c, "tls setup", ENOMEM);
      return;
    }
    SSL_set_connect_state(c->ssl);
    c->state = HANDSHAKING;
    handshake(c);
    return;
  }
#endif
  on_open(c);
}

/* One event, for the state the connection was in (a reply may close and reopen it). */
static void on_event(struct conn *c) {
  if (is_open(c)) on_readable(c);
#ifdef LOAD_TLS
  else if (c->state == HANDSHAKING) handshake(c);
#endif
  else if (c->state == CONNECTING) on_connected(c);
}

/* --------------------------------------------------------------- event loop */

/* Handles events until `until` (ns) or until `done()`; stdin is tagged NULL. */
static void loop(int64_t until, bool (*done)(void)) {
  struct epoll_event events[1024];
  while (!(done && done()) && now_ns() < until) {
    int n = 0;
    int64_t spin_until = now_ns() + spin_ns;
    while (mode == THROUGHPUT && spin_ns > 0 && (n = epoll_wait(ep, events, 1024, 0)) == 0 &&
           now_ns() < spin_until) {
      sched_yield(); /* to anything runnable on this CPU: a server's threads */
    }
    if (n == 0) {
      int64_t left = until - now_ns();
      n = epoll_wait(ep, events, 1024, left <= 0 ? 0 : (int)((left + 999999) / 1000000));
    }
    if (n < 0 && errno != EINTR) {
      perror("load: epoll_wait");
      exit(1);
    }
    for (int i = 0; i < n; i++) {
      if (events[i].data.ptr == NULL) stdin_done = true;
      else on_event(events[i].data.ptr);
    }
  }
}

/* Opens connections (at most max_inflight connecting); done when each has a reply or is gone. */
static bool settled(void) {
  while (inflight < max_inflight && next_conn < n_conns) open_next();
  return answered + gone >= n_conns;
}

static bool stdin_said(void) { return stdin_done; }

/* ------------------------------------------------------------------- output */

static void print_strings(const char *key, char (*list)[SAMPLE_TEXT], int n) {
  printf(",\"%s\":[", key);
  for (int i = 0; i < n; i++) {
    fputs(i ? ",\"" : "\"", stdout);
    for (const char *p = list[i]; *p; p++) {
      if (*p == '"' || *p == '\\') putchar('\\');
      putchar(*p);
    }
    putchar('"');
  }
  printf("]");
}

/* The fields every mode prints: connections, violations, socket errors; the line's end. */
static void print_checks(void) {
  uint64_t total = 0;
  for (int k = 0; k < KINDS; k++) total += violations[k];
  printf("\"requested\":%zu,\"connected\":%zu,\"answered\":%zu,\"violations\":{\"total\":%llu",
         n_conns, connected, answered, (unsigned long long)total);
  for (int k = 0; k < KINDS; k++) printf(",\"%s\":%llu", KIND[k], (unsigned long long)violations[k]);
  print_strings("samples", samples, n_samples);
  printf("},\"socketErrors\":%llu,\"closedEarly\":%llu", (unsigned long long)socket_errors,
         (unsigned long long)closed_early);
  print_strings("errorSamples", errors, n_errors);
  printf("}\n");
  fflush(stdout);
}

static double cpu_s(struct timeval t) { return (double)t.tv_sec + (double)t.tv_usec / 1e6; }

/* After warm-up, measures for --duration; prints all but the checks. */
static void throughput(void) {
  loop(now_ns() + (int64_t)(opt[WARMUP] * 1e9), NULL);
  printf("{\"phase\":\"measuring\"}\n");
  fflush(stdout);
  round_trips = games = 0;
  struct rusage r0, r1;
  getrusage(RUSAGE_SELF, &r0);
  int64_t t0 = now_ns();
  measuring = true;
  loop(t0 + (int64_t)(opt[DURATION] * 1e9), NULL);
  measuring = false;
  int64_t t1 = now_ns();
  size_t unanswered = 0;
  for (size_t i = 0; i < next_conn; i++) {
    if (conns[i].state != CLOSED && conns[i].awaiting) {
      record((double)(t1 - conns[i].sent) / 1000);
      unanswered++;
    }
  }
  getrusage(RUSAGE_SELF, &r1);
  double seconds = (double)(t1 - t0) / 1e9;
  double cpu = cpu_s(r1.ru_utime) - cpu_s(r0.ru_utime) + cpu_s(r1.ru_stime) - cpu_s(r0.ru_stime);
  printf("{\"mode\":\"throughput\",\"seconds\":%.6f,\"roundTrips\":%llu,\"games\":%llu,"
         "\"unanswered\":%zu,\"cpuPercent\":%.2f,\"histogram\":{\"max\":%.1f,\"buckets\":[",
         seconds, (unsigned long long)round_trips, (unsigned long long)games, unanswered,
         cpu / seconds * 100, max_us);
  const char *comma = "";
  for (int i = 0; i < BUCKETS; i++) {
    if (counts[i] > 0) printf("%s[%.1f,%.0f]", comma, bucket_value(i), counts[i]), comma = ",";
  }
  printf("]},");
}

/* ---------------------------------------------------------------------- main */

static const char HELP[] =
  "usage: bench/out/load --port P [--host 127.0.0.1] [--spin 20] (built from bench/load.c)\n"
  "  [--connections 50] [--duration 5] [--warmup 1]  throughput mode (default)\n"
  "  --idle N [--hold 120]     hold N connections after one round trip each\n"
  "  --burst N [--hold 120]    open N connections at once; time their first replies\n"
  "  --reconnect 1             (throughput) a connection a round trip: each closes after its reply\n"
#ifdef LOAD_TLS
  "  --tls 1                   speak TLS (OpenSSL's defaults, no certificate check)\n"
#endif
  "  --websocket 1             (any mode) play over WebSocket on a web port (server.ts --web):\n"
  "                            GET /ws, then a line a masked text frame"
#ifdef LOAD_TLS
  "; with --tls 1, wss"
#endif
  "\n";

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i += 2) {
    const char *flag = argv[i], *value = i + 1 < argc ? argv[i + 1] : "";
    if (strcmp(flag, "--help") == 0) return fputs(HELP, stdout), 0;
    int k = 0;
    while (k < OPTIONS && (strncmp(flag, "--", 2) != 0 || strcmp(flag + 2, OPTION[k]) != 0)) k++;
    char *end;
    double v = strtod(value, &end);
    if (strcmp(flag, "--host") == 0 && *value) host = value;
    else if (k < OPTIONS && *value && *end == 0 && v >= 0 && v < 1e9) opt[k] = v;
    else return fprintf(stderr, "load: bad option %s %s\n%s", flag, value, HELP), 2;
  }
  if (opt[PORT] < 0) return fputs(HELP, stderr), 2;
#ifdef LOAD_TLS
  if (opt[TLS] > 0) {
    signal(SIGPIPE, SIG_IGN); /* OpenSSL writes with write(2): a closed peer must not kill us */
    tls_context = SSL_CTX_new(TLS_client_method());
    if (!tls_context) return fputs("load: OpenSSL gave no TLS context\n", stderr), 1;
    SSL_CTX_set_verify(tls_context, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_session_cache_mode(tls_context, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_read_ahead(tls_context, 1);
  }
#else
  if (opt[TLS] > 0) {
    return fputs("load: built without OpenSSL, so no --tls (apt-get install libssl-dev)\n", stderr), 2;
  }
#endif
  if (fcntl(0, F_GETFD) < 0) open("/dev/null", O_RDONLY); /* keep fd 0 off the sockets */
  rng = (uint64_t)now_ns() ^ ((uint64_t)getpid() << 32) ^ 0x9E3779B97F4A7C15ULL;
  mode = opt[BURST_N] > 0 ? BURST : opt[IDLE_N] > 0 ? IDLE : THROUGHPUT;
  n_conns = (size_t)(mode == BURST ? opt[BURST_N] : mode == IDLE ? opt[IDLE_N] : opt[CONNECTIONS]);
  if (mode == BURST) upper = 10, max_inflight = n_conns;
  spin_ns = (int64_t)(opt[SPIN] * 1000);
  snprintf(open_msg, sizeof open_msg, "PARAMS 1 %d\nNUMBER\n", upper);
  snprintf(restart_msg, sizeof restart_msg, "PARAMS 0 -1\n%s", open_msg);
  for (int d = 0; d < 4; d++) {
    snprintf(next_msg[d], sizeof next_msg[d], "REPORT %s\nNUMBER\n", DECISION[d]);
    snprintf(end_msg[d], sizeof end_msg[d], "REPORT %s\n%s", DECISION[d], restart_msg);
  }
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *list;
  char port[16];
  snprintf(port, sizeof port, "%.0f", opt[PORT]);
  const char *bracket = strchr(host, ':') ? "[" : "", *closing = *bracket ? "]" : "";
  int length = snprintf(upgrade_msg, sizeof upgrade_msg,
                        "GET /ws HTTP/1.1\r\nHost: %s%s%s:%s\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                        "Sec-WebSocket-Version: 13\r\n\r\n",
                        bracket, host, closing, port, WS_KEY);
  if (length < 0 || (size_t)length >= sizeof upgrade_msg) {
    return fprintf(stderr, "load: host name too long: %s\n", host), 2;
  }
  int r = getaddrinfo(host, port, &hints, &list);
  if (r != 0) return fprintf(stderr, "load: %s: %s\n", host, gai_strerror(r)), 1;
  memcpy(&address, list->ai_addr, list->ai_addrlen);
  address_len = list->ai_addrlen;
  family = list->ai_family;
  ep = epoll_create1(EPOLL_CLOEXEC);
  conns = calloc(n_conns + 1, sizeof *conns);
  if (ep < 0 || !conns) return perror("load"), 1;
  int64_t t0 = last_answer = now_ns();
  loop(t0 + (int64_t)((mode == BURST ? opt[HOLD] : 60) * 1e9), settled);
  if (mode == THROUGHPUT) throughput();
  else printf("{\"mode\":\"%s\",\"seconds\":%.6f,", mode == BURST ? "burst" : "idle",
              (double)(last_answer - t0) / 1e9);
  print_checks();
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  if (mode == IDLE && epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev) < 0) stdin_done = true; /* /dev/null */
  if (mode == IDLE) loop(now_ns() + (int64_t)(opt[HOLD] * 1e9), stdin_said);
  return mode == THROUGHPUT && connected == 0;
}
