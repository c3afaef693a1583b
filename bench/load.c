/*
 * The benchmark's load generator in C: the same clients, checks, flags and
 * JSON as bench/load.ts, on one thread with epoll, so that the generator costs
 * the server as little CPU as possible on a small machine.
 *
 * Many concurrent clients play warmer-colder games against one server over and
 * over, checking every reply. Each round trip is one write: `PARAMS 1 100\n
 * NUMBER\n` to open, then `REPORT X\nNUMBER\n`, or `REPORT X\nPARAMS 0 -1\n
 * PARAMS 1 100\nNUMBER\n` when a game ends (Correct, or five rounds). Per
 * readiness event a connection is read once (level-triggered epoll, one shared
 * 64 KiB buffer, partial lines kept in each connection's parser) and answered
 * with one write. Latencies go into the same log-linear histogram as load.ts.
 * Warm-up starts once the server has answered every connection once, and a
 * round trip still unanswered when the measured window closes is timed with
 * its age so far (a connection the server starves still shows in p99).
 *
 * While replies are due it polls for up to 20 µs (`--spin`) before sleeping,
 * yielding the CPU between polls: on this benchmark's 2-core VM, waking a
 * sleeping generator cost the server about a tenth of its CPU, so a generator
 * that sleeps between replies measured servers 5-8% slower (medians of
 * interleaved runs against bench/ceiling_server.ts, Bun and the Python reference).
 *
 * Build: cc -O2 -Wall -Wextra -o bench/out/load bench/load.c
 * Usage: bench/out/load --port P [--host 127.0.0.1] [--connections 50]
 *   [--duration 5] [--warmup 1] [--spin 20] | --idle N [--hold 120]
 * Stdout: a `{"phase":"measuring"}` line when the measured window opens, then
 * the result (idle mode: one `ready` line once the connections are held).
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h> /* isfinite, NAN: macros only */
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
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------- arithmetic (without libm) */

/* The build line has no -lm, so the few rounding functions needed live here. */
static double floor_(double x) {
  if (!(x > -4e18 && x < 4e18)) return x; /* huge, infinite or NaN: already whole */
  double t = (double)(int64_t)x;
  return t > x ? t - 1 : t;
}
static double ceil_(double x) { return -floor_(-x); }
static double round_(double x) { return floor_(x + 0.5); } /* Math.round */
static double abs_(double x) { return x < 0 ? -x : x; }

/* ---------------------------------------------------------------- histogram */

#define SUB_BITS 6
#define SUB (1 << SUB_BITS)
#define BUCKETS ((32 - SUB_BITS) * SUB)
#define MAX_VALUE 0x7fffffff

/* The bucket of a value (microseconds): exact below 128, then within 1/64 of it. */
static int bucket_of(double value) {
  uint32_t v;
  if (!(value > 0)) v = 0;
  else if (value >= MAX_VALUE) v = MAX_VALUE;
  else v = (uint32_t)round_(value);
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

struct histogram {
  double counts[BUCKETS];
  double count, sum, max;
};

static void hist_record(struct histogram *h, double value) {
  h->counts[bucket_of(value)]++;
  h->count++;
  h->sum += value;
  if (value > h->max) h->max = value;
}

/* The first bucket holding rank ceil(p% of count), as in load.ts. */
static double hist_percentile(const struct histogram *h, double p) {
  if (h->count == 0) return NAN;
  double rank = ceil_((p / 100) * h->count);
  if (rank < 1) rank = 1;
  double seen = 0;
  for (int i = 0; i < BUCKETS; i++) {
    seen += h->counts[i];
    if (seen >= rank) return bucket_value(i);
  }
  return h->max;
}

/* ------------------------------------------------------------------ output */

struct sb {
  char *data;
  size_t len, cap;
};

static void sb_grow(struct sb *s, size_t more) {
  if (s->len + more + 1 <= s->cap) return;
  size_t cap = s->cap ? s->cap : 1024;
  while (cap < s->len + more + 1) cap *= 2;
  s->data = realloc(s->data, cap);
  if (!s->data) {
    perror("realloc");
    exit(1);
  }
  s->cap = cap;
}

static void sb_add(struct sb *s, const char *bytes, size_t n) {
  sb_grow(s, n);
  memcpy(s->data + s->len, bytes, n);
  s->len += n;
  s->data[s->len] = 0;
}

static void sb_printf(struct sb *s, const char *format, ...) {
  va_list args;
  va_start(args, format);
  char probe[1];
  int n = vsnprintf(probe, sizeof probe, format, args);
  va_end(args);
  sb_grow(s, (size_t)n);
  va_start(args, format);
  vsnprintf(s->data + s->len, (size_t)n + 1, format, args);
  va_end(args);
  s->len += (size_t)n;
}

/* A number as JSON.stringify writes it: shortest round trip, null if not finite. */
static void sb_number(struct sb *s, double v) {
  if (!isfinite(v)) {
    sb_add(s, "null", 4);
    return;
  }
  if (v == 0) v = 0; /* -0 -> 0 */
  char text[40];
  for (int precision = 15; precision <= 17; precision++) {
    snprintf(text, sizeof text, "%.*g", precision, v);
    if (strtod(text, NULL) == v) break;
  }
  sb_add(s, text, strlen(text));
}

static void sb_utf8(struct sb *s, uint32_t cp) {
  char b[4];
  size_t n;
  if (cp < 0x80) b[0] = (char)cp, n = 1;
  else if (cp < 0x800) b[0] = (char)(0xc0 | cp >> 6), b[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
  else if (cp < 0x10000) {
    b[0] = (char)(0xe0 | cp >> 12), b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    b[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
  } else {
    b[0] = (char)(0xf0 | cp >> 18), b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    b[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), b[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
  }
  sb_add(s, b, n);
}

/*
 * Bytes as a JSON string the way JSON.stringify(new TextDecoder().decode(bytes))
 * writes it: invalid UTF-8 becomes U+FFFD (WHATWG's maximal-subpart rule),
 * quotes, backslashes and control characters are escaped.
 */
static void sb_json_string(struct sb *s, const uint8_t *p, size_t n) {
  sb_add(s, "\"", 1);
  size_t i = 0;
  while (i < n) {
    uint32_t b = p[i++], cp;
    if (b < 0x80) cp = b;
    else {
      int need = 0;
      uint8_t lo = 0x80, hi = 0xbf;
      if (b >= 0xc2 && b <= 0xdf) need = 1, cp = b & 0x1f;
      else if (b >= 0xe0 && b <= 0xef) {
        need = 2, cp = b & 0x0f;
        if (b == 0xe0) lo = 0xa0;
        if (b == 0xed) hi = 0x9f;
      } else if (b >= 0xf0 && b <= 0xf4) {
        need = 3, cp = b & 0x07;
        if (b == 0xf0) lo = 0x90;
        if (b == 0xf4) hi = 0x8f;
      } else cp = 0xfffd;
      while (need > 0) {
        if (i >= n || p[i] < lo || p[i] > hi) {
          cp = 0xfffd;
          break;
        }
        cp = cp << 6 | (p[i++] & 0x3f);
        lo = 0x80, hi = 0xbf;
        need--;
      }
    }
    switch (cp) {
      case '"': sb_add(s, "\\\"", 2); break;
      case '\\': sb_add(s, "\\\\", 2); break;
      case '\b': sb_add(s, "\\b", 2); break;
      case '\f': sb_add(s, "\\f", 2); break;
      case '\n': sb_add(s, "\\n", 2); break;
      case '\r': sb_add(s, "\\r", 2); break;
      case '\t': sb_add(s, "\\t", 2); break;
      default:
        if (cp < 0x20) sb_printf(s, "\\u%04x", cp);
        else sb_utf8(s, cp);
    }
  }
  sb_add(s, "\"", 1);
}

static void write_all(int fd, const char *data, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return;
    }
    data += w;
    n -= (size_t)w;
  }
}

/* ------------------------------------------------------------------- player */

enum { INT, NOT_INT, ERROR_LINE };
enum { WARMER, COLDER, UNSURE, CORRECT };

#define LOWER 1
#define UPPER 100
#define ROUNDS 5
#define SAMPLE 60
#define MAX_SAMPLES 5

struct msg {
  const char *text;
  size_t len;
};
#define MSG(s) {s, sizeof(s) - 1}

static const struct msg OPEN = MSG("PARAMS 1 100\nNUMBER\n");
static const struct msg NEXT[4] = {
  MSG("REPORT Warmer\nNUMBER\n"),
  MSG("REPORT Colder\nNUMBER\n"),
  MSG("REPORT Unsure\nNUMBER\n"),
  MSG("REPORT Correct\nNUMBER\n"),
};
static const struct msg END[4] = {
  MSG("REPORT Warmer\nPARAMS 0 -1\nPARAMS 1 100\nNUMBER\n"),
  MSG("REPORT Colder\nPARAMS 0 -1\nPARAMS 1 100\nNUMBER\n"),
  MSG("REPORT Unsure\nPARAMS 0 -1\nPARAMS 1 100\nNUMBER\n"),
  MSG("REPORT Correct\nPARAMS 0 -1\nPARAMS 1 100\nNUMBER\n"),
};
static const struct msg RESTART = MSG("PARAMS 0 -1\nPARAMS 1 100\nNUMBER\n");
static const uint8_t ERROR_PREFIX[6] = {'E', 'R', 'R', 'O', 'R', ' '};

/* An honest client's report: 0 is Correct; no previous (-1) or equal is Unsure. */
static int decide(double distance, double previous) {
  if (distance == 0) return CORRECT;
  if (previous < 0 || distance == previous) return UNSURE;
  return distance < previous ? WARMER : COLDER;
}

/* Counters of the process; reset when warm-up ends (samples are kept). */
struct stats {
  uint64_t round_trips, games;
  uint64_t not_integer, error_reply, out_of_range, repeated, unsolicited;
  char *samples[MAX_SAMPLES];
  int n_samples;
};

enum { CONNECTING, OPENED, CLOSED };

/* One connection: socket, reply parser, player, timing. */
struct conn {
  int fd;
  uint8_t state;
  bool replied, want_out;
  /* parser: numbers as doubles, exactly as load.ts reads them */
  bool negative, bad, error_prefix, cr;
  double value;
  uint64_t digits, length;
  uint8_t sample[SAMPLE];
  /* player */
  bool awaiting;
  uint8_t n_guesses;
  double secret, previous;
  double guesses[ROUNDS];
  /* timing */
  int64_t sent;
  /* bytes not yet written (only after a short write) */
  char *out;
  size_t out_len, out_cap;
};

/* -------------------------------------------------------------------- state */

static struct {
  const char *host;
  int port;
  double connections, duration, warmup, idle, hold, spin;
} opt = {"127.0.0.1", 0, 50, 5, 1, 0, 120, 20};

static struct stats stats;
static struct histogram hist;
static struct conn *conns;
static size_t n_conns, next_conn, inflight, connected, n_answered;
static int ep;
static bool measuring, idle_mode;
static uint64_t socket_errors, closed_early;
static char *error_samples[MAX_SAMPLES];
static int n_error_samples;
static struct sockaddr_storage address;
static socklen_t address_len;
static int family;
static const char *resolve_error;
static uint8_t read_buffer[64 * 1024];
static uint64_t rng;

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static double random01(void) { /* xorshift64* */
  rng ^= rng >> 12;
  rng ^= rng << 25;
  rng ^= rng >> 27;
  return (double)((rng * 0x2545F4914F6CDD1DULL) >> 11) * 0x1p-53;
}

static void new_game(struct conn *c) {
  c->secret = LOWER + floor_(random01() * (UPPER - LOWER + 1));
  c->previous = -1;
  c->n_guesses = 0;
  c->awaiting = true;
}

/* Checks one reply and returns the next write (NULL: none); sets *violation. */
static const struct msg *play(struct conn *c, int kind, double value, const char **violation) {
  *violation = NULL;
  if (!c->awaiting) {
    stats.unsolicited++;
    *violation = "unsolicited";
    return NULL;
  }
  c->awaiting = false;
  stats.round_trips++;
  if (kind != INT) {
    if (kind == ERROR_LINE) stats.error_reply++;
    else stats.not_integer++;
    *violation = kind == ERROR_LINE ? "error-reply" : "not-integer";
    new_game(c);
    return &RESTART;
  }
  if (value < LOWER || value > UPPER) {
    stats.out_of_range++;
    *violation = "out-of-range";
  } else {
    for (int i = 0; i < c->n_guesses; i++) {
      if (c->guesses[i] == value) {
        stats.repeated++;
        *violation = "repeated";
        break;
      }
    }
  }
  c->guesses[c->n_guesses++] = value;
  double distance = abs_(value - c->secret);
  int decision = decide(distance, c->previous);
  c->previous = distance;
  if (decision == CORRECT || c->n_guesses >= ROUNDS) {
    stats.games++;
    new_game(c);
    return &END[decision];
  }
  c->awaiting = true;
  return &NEXT[decision];
}

/* ------------------------------------------------------------------ sockets */

static void error_sample(const char *format, ...) {
  if (n_error_samples >= MAX_SAMPLES) return;
  va_list args;
  va_start(args, format);
  if (vasprintf(&error_samples[n_error_samples], format, args) >= 0) n_error_samples++;
  va_end(args);
}

static const char *errno_name(int e) {
  const char *name = strerrorname_np(e);
  return name ? name : "EUNKNOWN";
}

/* Closes a connection, counting it as closed early (node's "close" event). */
static void drop(struct conn *c) {
  if (c->state == CLOSED) return;
  if (c->state == CONNECTING) inflight--;
  if (c->fd >= 0) close(c->fd);
  c->fd = -1;
  c->state = CLOSED;
  closed_early++;
}

static void fail(struct conn *c, const char *syscall, int e) {
  socket_errors++;
  if (strcmp(syscall, "connect") == 0) {
    error_sample("connect %s %s:%d", errno_name(e), opt.host, opt.port);
  } else {
    error_sample("%s %s", syscall, errno_name(e));
  }
  drop(c);
}

static void set_events(struct conn *c, uint32_t events) {
  struct epoll_event ev = {.events = events, .data.ptr = c};
  epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Writes bytes, or queues what the socket does not take and waits for EPOLLOUT. */
static void send_bytes(struct conn *c, const char *data, size_t n) {
  if (c->out_len == 0) {
    ssize_t w = send(c->fd, data, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno != EAGAIN && errno != EINTR) {
        fail(c, "write", errno);
        return;
      }
      w = 0;
    }
    data += w;
    n -= (size_t)w;
    if (n == 0) return;
  }
  if (c->out_len + n > c->out_cap) {
    size_t cap = c->out_cap ? c->out_cap * 2 : 256;
    while (cap < c->out_len + n) cap *= 2;
    c->out = realloc(c->out, cap);
    if (!c->out) {
      perror("realloc");
      exit(1);
    }
    c->out_cap = cap;
  }
  memcpy(c->out + c->out_len, data, n);
  c->out_len += n;
  if (!c->want_out) {
    c->want_out = true;
    set_events(c, EPOLLIN | EPOLLOUT);
  }
}

static void flush_out(struct conn *c) {
  if (c->out_len > 0) {
    ssize_t w = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno != EAGAIN && errno != EINTR) fail(c, "write", errno);
      return;
    }
    memmove(c->out, c->out + w, c->out_len - (size_t)w);
    c->out_len -= (size_t)w;
  }
  if (c->out_len == 0 && c->want_out) {
    c->want_out = false;
    set_events(c, EPOLLIN);
  }
}

/* The writes answering one read; flushed when nearly full (a flood of lines). */
struct out {
  size_t len;
  char data[1024];
};

/* One complete reply line: time it, check it, and queue the next write into `out`. */
static void reply(struct conn *c, int64_t now, struct out *out) {
  int kind = c->error_prefix && c->length >= 6 ? ERROR_LINE
             : c->bad || c->digits == 0       ? NOT_INT
                                              : INT;
  double value = c->negative ? -c->value : c->value;
  size_t sample_length = c->length < SAMPLE ? c->length : SAMPLE;
  c->value = 0;
  c->digits = c->length = 0;
  c->negative = c->bad = c->cr = false;
  c->error_prefix = true;
  if (measuring) hist_record(&hist, (double)(now - c->sent) / 1000);
  const char *violation;
  const struct msg *next = play(c, kind, value, &violation);
  if (violation && stats.n_samples < MAX_SAMPLES) {
    struct sb s = {0};
    sb_printf(&s, "%s: ", violation);
    sb_json_string(&s, c->sample, sample_length);
    stats.samples[stats.n_samples++] = s.data;
  }
  if (!c->replied) c->replied = true, n_answered++;
  if (next == NULL || idle_mode) {
    c->awaiting = false;
    return;
  }
  c->sent = now;
  memcpy(out->data + out->len, next->text, next->len);
  out->len += next->len;
}

static void take(struct conn *c, uint8_t b) {
  uint64_t at = c->length++;
  if (at < SAMPLE) c->sample[at] = b;
  if (at < 6 && b != ERROR_PREFIX[at]) c->error_prefix = false;
  if (b >= '0' && b <= '9') {
    c->value = c->value * 10 + (b - '0');
    c->digits++;
  } else if (at == 0 && (b == '-' || b == '+')) {
    c->negative = b == '-';
  } else {
    c->bad = true;
  }
}

/* Reads once; parses the bytes into lines and answers them all in one write. */
static void on_readable(struct conn *c) {
  ssize_t n = recv(c->fd, read_buffer, sizeof read_buffer, 0);
  if (n <= 0) {
    if (n == 0) drop(c);
    else if (errno != EAGAIN && errno != EINTR) fail(c, "read", errno);
    return;
  }
  int64_t now = now_ns();
  struct out out;
  out.len = 0;
  for (ssize_t i = 0; i < n; i++) {
    uint8_t b = read_buffer[i];
    if (b == '\n') {
      reply(c, now, &out);
      if (out.len > sizeof out.data - 64) { /* a flood of lines: write what we have */
        send_bytes(c, out.data, out.len);
        out.len = 0;
        if (c->state == CLOSED) return;
      }
      continue;
    }
    if (c->cr) {
      c->cr = false;
      take(c, '\r');
    }
    if (b == '\r') c->cr = true;
    else take(c, b);
  }
  if (out.len > 0) send_bytes(c, out.data, out.len);
}

static void on_connected(struct conn *c) {
  inflight--;
  connected++;
  c->state = OPENED;
  c->sent = now_ns();
  new_game(c);
  send_bytes(c, OPEN.text, OPEN.len);
  if (c->state == OPENED && !c->want_out) set_events(c, EPOLLIN);
}

/* Starts connecting the next client; completion arrives as EPOLLOUT. */
static void open_next(void) {
  struct conn *c = &conns[next_conn++];
  memset(c, 0, sizeof *c);
  c->fd = -1;
  c->state = CONNECTING;
  c->error_prefix = true;
  inflight++;
  if (resolve_error) {
    socket_errors++;
    error_sample("getaddrinfo %s %s", resolve_error, opt.host);
    drop(c);
    return;
  }
  c->fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) {
    fail(c, "connect", errno);
    return;
  }
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  int r = connect(c->fd, (struct sockaddr *)&address, address_len);
  if (r < 0 && errno != EINPROGRESS) {
    fail(c, "connect", errno);
    return;
  }
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
    fail(c, "connect", errno);
    return;
  }
  if (r == 0) on_connected(c);
}

static void on_event(struct conn *c, uint32_t events) {
  if (c->state == CONNECTING) {
    if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
    int e = 0;
    socklen_t len = sizeof e;
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0) e = errno;
    if (e != 0) fail(c, "connect", e);
    else on_connected(c);
    return;
  }
  if (c->state != OPENED) return;
  if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) on_readable(c);
  if (c->state == OPENED && (events & EPOLLOUT)) flush_out(c);
}

/* --------------------------------------------------------------- event loop */

#define MAX_EVENTS 1024
#define STDIN_TAG ((void *)&opt)

static struct epoll_event events[MAX_EVENTS];
static bool stdin_done;
static int64_t spin_ns;

/* Milliseconds to wait for `until` (ns; -1: no deadline): -1 for ever, 0 when it has passed. */
static int timeout_ms(int64_t until) {
  if (until < 0) return -1;
  int64_t left = until - now_ns();
  return left <= 0 ? 0 : (int)((left + 999999) / 1000000);
}

/*
 * Waits for events. With --spin, first polls for up to that many microseconds,
 * yielding the CPU between polls to anything else runnable on it (a server's
 * other threads or processes), and only then sleeps: waking a process that
 * sleeps costs the waker (the server) a lot on some machines, virtual ones
 * above all, so a generator that sleeps between replies slows the server down.
 */
static int wait_events(int64_t until) {
  if (spin_ns > 0 && !idle_mode) {
    int64_t spin_until = now_ns() + spin_ns;
    for (;;) {
      int n = epoll_wait(ep, events, MAX_EVENTS, 0);
      if (n != 0) return n;
      if (now_ns() >= spin_until) break;
      sched_yield();
    }
  }
  return epoll_wait(ep, events, MAX_EVENTS, timeout_ms(until));
}

/* Handles events until `until` (ns) or until `stop()` says so; -1: no deadline. */
static void loop(int64_t until, bool (*stop)(void)) {
  for (;;) {
    if (stop && stop()) return;
    if (until >= 0 && now_ns() >= until) return;
    int n = wait_events(until);
    if (n < 0) {
      if (errno == EINTR) continue;
      perror("epoll_wait");
      exit(1);
    }
    for (int i = 0; i < n; i++) {
      if (events[i].data.ptr == STDIN_TAG) {
        char buf[256];
        ssize_t r = read(0, buf, sizeof buf);
        if (r >= 0 || (errno != EAGAIN && errno != EINTR)) stdin_done = true;
        continue;
      }
      on_event(events[i].data.ptr, events[i].events);
    }
  }
}

static int64_t connect_deadline;

/* Keeps up to 200 connects in flight (load.ts's lanes); done when all have settled. */
static bool connecting_done(void) {
  while (inflight < 200 && next_conn < n_conns && now_ns() < connect_deadline) open_next();
  return inflight == 0 && (next_conn >= n_conns || now_ns() >= connect_deadline);
}

static bool all_answered(void) {
  return n_answered >= connected;
}

static bool stdin_said_something(void) {
  return stdin_done;
}

static void open_all(size_t n, double deadline_s) {
  n_conns = n;
  conns = calloc(n ? n : 1, sizeof *conns);
  if (!conns) {
    perror("calloc");
    exit(1);
  }
  connect_deadline = now_ns() + (int64_t)(deadline_s * 1e9);
  loop(-1, connecting_done);
}

static void violations_json(struct sb *s) {
  uint64_t total =
    stats.not_integer + stats.error_reply + stats.out_of_range + stats.repeated + stats.unsolicited;
  sb_printf(s,
            "{\"total\":%llu,\"notInteger\":%llu,\"errorReply\":%llu,\"outOfRange\":%llu,"
            "\"repeated\":%llu,\"unsolicited\":%llu,\"samples\":[",
            (unsigned long long)total, (unsigned long long)stats.not_integer,
            (unsigned long long)stats.error_reply, (unsigned long long)stats.out_of_range,
            (unsigned long long)stats.repeated, (unsigned long long)stats.unsolicited);
  for (int i = 0; i < stats.n_samples; i++) {
    if (i) sb_add(s, ",", 1);
    sb_json_string(s, (const uint8_t *)stats.samples[i], strlen(stats.samples[i]));
  }
  sb_add(s, "]}", 2);
}

static void errors_json(struct sb *s) {
  sb_printf(s, ",\"socketErrors\":%llu,\"closedEarly\":%llu,\"errorSamples\":[",
            (unsigned long long)socket_errors, (unsigned long long)closed_early);
  for (int i = 0; i < n_error_samples; i++) {
    if (i) sb_add(s, ",", 1);
    sb_json_string(s, (const uint8_t *)error_samples[i], strlen(error_samples[i]));
  }
  sb_add(s, "]", 1);
}

static double cpu_us(const struct timeval *t) {
  return (double)t->tv_sec * 1e6 + (double)t->tv_usec;
}

static int throughput(void) {
  int64_t started = now_ns();
  open_all((size_t)opt.connections, 30);
  double connect_ms = (double)(now_ns() - started) / 1e6;
  /* Warm up only once the server has answered every connection: a connection
   * still waiting in the listen queue would otherwise be timed as one very
   * slow round trip, which measures the connect storm, not serving. */
  loop(now_ns() + 30 * (int64_t)1000000000, all_answered);
  double ready_ms = (double)(now_ns() - started) / 1e6;
  loop(now_ns() + (int64_t)(opt.warmup * 1e9), NULL);
  write_all(1, "{\"phase\":\"measuring\"}\n", 22);
  stats.round_trips = stats.games = 0;
  stats.not_integer = stats.error_reply = stats.out_of_range = stats.repeated = 0;
  stats.unsolicited = 0;
  memset(&hist, 0, sizeof hist);
  struct rusage r0, r1;
  getrusage(RUSAGE_SELF, &r0);
  int64_t t0 = now_ns();
  measuring = true;
  loop(t0 + (int64_t)(opt.duration * 1e9), NULL);
  measuring = false;
  int64_t t1 = now_ns();
  double seconds = (double)(t1 - t0) / 1e9;
  /* A round trip still unanswered at the end counts with its age so far: a
   * stalled connection would otherwise never show in the latencies. */
  size_t unanswered = 0;
  for (size_t i = 0; i < n_conns; i++) {
    if (conns[i].state == OPENED && conns[i].awaiting) {
      hist_record(&hist, (double)(t1 - conns[i].sent) / 1000);
      unanswered++;
    }
  }
  getrusage(RUSAGE_SELF, &r1);
  double user = cpu_us(&r1.ru_utime) - cpu_us(&r0.ru_utime);
  double system = cpu_us(&r1.ru_stime) - cpu_us(&r0.ru_stime);

  struct sb s = {0};
  sb_add(&s, "{\"mode\":\"throughput\",\"host\":", 28);
  sb_json_string(&s, (const uint8_t *)opt.host, strlen(opt.host));
  sb_printf(&s, ",\"port\":%d,\"connections\":", opt.port);
  sb_number(&s, opt.connections);
  sb_printf(&s, ",\"connected\":%zu,\"connectMs\":", connected);
  sb_number(&s, round_(connect_ms));
  sb_add(&s, ",\"readyMs\":", 11);
  sb_number(&s, round_(ready_ms));
  sb_printf(&s, ",\"answered\":%zu,\"unanswered\":%zu", n_answered, unanswered);
  sb_add(&s, ",\"seconds\":", 11);
  sb_number(&s, seconds);
  sb_printf(&s, ",\"roundTrips\":%llu,\"games\":%llu,\"roundTripsPerS\":",
            (unsigned long long)stats.round_trips, (unsigned long long)stats.games);
  sb_number(&s, (double)stats.round_trips / seconds);
  sb_add(&s, ",\"gamesPerS\":", 13);
  sb_number(&s, (double)stats.games / seconds);
  sb_add(&s, ",\"p50Us\":", 9);
  sb_number(&s, hist_percentile(&hist, 50));
  sb_add(&s, ",\"p99Us\":", 9);
  sb_number(&s, hist_percentile(&hist, 99));
  sb_add(&s, ",\"maxUs\":", 9);
  sb_number(&s, hist.max);
  sb_add(&s, ",\"violations\":", 14);
  violations_json(&s);
  errors_json(&s);
  sb_add(&s, ",\"cpu\":{\"userMs\":", 17);
  sb_number(&s, user / 1000);
  sb_add(&s, ",\"systemMs\":", 12);
  sb_number(&s, system / 1000);
  sb_add(&s, ",\"percent\":", 11);
  sb_number(&s, (user + system) / 10000 / seconds);
  sb_add(&s, "},\"histogram\":{\"count\":", 23);
  sb_number(&s, hist.count);
  sb_add(&s, ",\"sum\":", 7);
  sb_number(&s, hist.sum);
  sb_add(&s, ",\"max\":", 7);
  sb_number(&s, hist.max);
  sb_add(&s, ",\"buckets\":[", 12);
  bool first = true;
  for (int i = 0; i < BUCKETS; i++) {
    if (hist.counts[i] > 0) {
      sb_printf(&s, "%s[%d,%.0f]", first ? "" : ",", i, hist.counts[i]);
      first = false;
    }
  }
  sb_add(&s, "]}}\n", 4);
  write_all(1, s.data, s.len);
  free(s.data);
  return connected > 0 ? 0 : 1;
}

/*
 * Opens `idle` connections, each playing one round trip, then holds them without
 * traffic. Prints a `ready` JSON line; closes on a line or EOF on stdin, or
 * after `hold` seconds.
 */
static int idle(void) {
  idle_mode = true;
  int64_t started = now_ns();
  open_all((size_t)opt.idle, 60);
  loop(now_ns() + 30 * (int64_t)1000000000, all_answered);
  struct sb s = {0};
  sb_add(&s, "{\"mode\":\"idle\",\"ready\":true,\"requested\":", 40);
  sb_number(&s, opt.idle);
  sb_printf(&s, ",\"connected\":%zu,\"answered\":%zu,\"connectMs\":", connected, n_answered);
  sb_number(&s, round_((double)(now_ns() - started) / 1e6));
  sb_add(&s, ",\"violations\":", 14);
  violations_json(&s);
  errors_json(&s);
  sb_add(&s, "}\n", 2);
  write_all(1, s.data, s.len);
  free(s.data);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = STDIN_TAG};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev) < 0) stdin_done = true; /* a file or /dev/null: EOF */
  loop(now_ns() + (int64_t)(opt.hold * 1e9), stdin_said_something);
  return 0;
}

/* ---------------------------------------------------------------------- main */

static const char HELP[] =
  "usage: bench/out/load --port P [options]   (built from bench/load.c)\n"
  "  --host H           server address (default 127.0.0.1)\n"
  "  --port P           server port (required)\n"
  "  --connections N    concurrent clients (default 50)\n"
  "  --duration S       measured seconds (default 5)\n"
  "  --warmup S         seconds of play before measuring (default 1)\n"
  "  --idle N           footprint mode: hold N connections open after one round trip each\n"
  "  --hold S           idle mode: close after S seconds if stdin says nothing (default 120)\n"
  "  --spin US          (C only) poll this long for replies before sleeping, yielding the CPU\n"
  "                     between polls; 0 sleeps at once: least CPU, but waking the generator\n"
  "                     costs the server CPU (default 20)\n"
  "Prints {\"phase\":\"measuring\"} when the measured window opens, then one JSON result\n"
  "(idle mode: one JSON line once the connections are held).\n";

static double number(const char *name, const char *text) {
  char *end;
  double v = strtod(text, &end);
  if (*text == 0 || *end != 0 || !isfinite(v) || v < 0) {
    fprintf(stderr, "load: --%s wants a non-negative number, got \"%s\"\n", name, text);
    exit(2);
  }
  return v;
}

static int resolve(void) {
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *list;
  char port[16];
  snprintf(port, sizeof port, "%d", opt.port);
  int r = getaddrinfo(opt.host, port, &hints, &list);
  if (r != 0) {
    resolve_error = r == EAI_NONAME ? "ENOTFOUND" : gai_strerror(r);
    return -1;
  }
  memcpy(&address, list->ai_addr, list->ai_addrlen);
  address_len = list->ai_addrlen;
  family = list->ai_family;
  freeaddrinfo(list);
  return 0;
}

int main(int argc, char **argv) {
  bool help = false, have_port = false;
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
      help = true;
      continue;
    }
    if (strncmp(arg, "--", 2) != 0) {
      fprintf(stderr, "load: unexpected argument \"%s\"\n", arg);
      return 1;
    }
    const char *name = arg + 2, *value;
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    if (eq) value = eq + 1;
    else if (i + 1 < argc) value = argv[++i];
    else {
      fprintf(stderr, "load: option \"%s\" needs a value\n", arg);
      return 1;
    }
#define IS(s) (len == sizeof(s) - 1 && strncmp(name, s, len) == 0)
    if (IS("host")) opt.host = value;
    else if (IS("port")) opt.port = (int)number("port", value), have_port = true;
    else if (IS("connections")) opt.connections = floor_(number("connections", value));
    else if (IS("duration")) opt.duration = number("duration", value);
    else if (IS("warmup")) opt.warmup = number("warmup", value);
    else if (IS("idle")) opt.idle = floor_(number("idle", value));
    else if (IS("hold")) opt.hold = number("hold", value);
    else if (IS("spin")) opt.spin = number("spin", value);
    else {
      fprintf(stderr, "load: unknown option \"--%.*s\"\n", (int)len, name);
      return 1;
    }
#undef IS
  }
  if (help || !have_port) {
    fputs(HELP, stdout);
    return help ? 0 : 2;
  }
  if (fcntl(0, F_GETFD) < 0) open("/dev/null", O_RDONLY); /* keep fd 0 off the sockets */
  signal(SIGPIPE, SIG_IGN);
  rng = (uint64_t)now_ns() ^ ((uint64_t)getpid() << 32) ^ 0x9E3779B97F4A7C15ULL;
  if (rng == 0) rng = 1;
  spin_ns = (int64_t)(opt.spin * 1000);
  resolve();
  ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) {
    perror("epoll_create1");
    return 1;
  }
  return opt.idle > 0 ? idle() : throughput();
}
