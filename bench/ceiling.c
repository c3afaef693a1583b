/*
 * The load generator's ceiling: a minimal warmer-colder server in C, one
 * thread, level-triggered epoll, for the benchmark only. It plays just far
 * enough to pass the generator's checks (PARAMS, NUMBER with distinct in-range
 * guesses, REPORT Correct) and answers all lines of one read with one write, so
 * the rate the generator reaches against it bounds what the generator can
 * measure. Not the project's server.
 *
 * Build: cc -O2 -Wall -Wextra -o bench/out/ceiling bench/ceiling.c
 * Usage: bench/out/ceiling [--port 0] [--host 127.0.0.1]; prints `Listening on
 * HOST:PORT`; SIGTERM and SIGINT keep their default action: the process ends.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_LINE 256
#define MAX_GUESSES 128 /* a game of 1..100 plays to its end */

struct conn {
  int fd;
  long long lower, upper, secret;
  int has_secret, n_guesses;
  long long guesses[MAX_GUESSES];
  size_t length;
  char line[MAX_LINE];
};

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint64_t next_random(void) { /* xorshift64 */
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static int guessed(const struct conn *c, long long value) {
  int i = 0;
  while (i < c->n_guesses && c->guesses[i] != value) i++;
  return i < c->n_guesses;
}

/* Handles the line in c->line; appends any reply to out. */
static size_t command(struct conn *c, char *out) {
  char *line = c->line;
  size_t n = c->length;
  c->length = 0;
  line[n] = 0;
  if (n == 6 && memcmp(line, "NUMBER", 6) == 0) {
    if (c->upper < c->lower) return (size_t)sprintf(out, "ERROR no-game Send PARAMS first\n");
    long long guess = c->secret;
    if (!c->has_secret) {
      unsigned long long size = (unsigned long long)(c->upper - c->lower) + 1;
      if (c->n_guesses >= MAX_GUESSES || (unsigned long long)c->n_guesses >= size) {
        return (size_t)sprintf(out, "ERROR exhausted No numbers left\n");
      }
      do guess = c->lower + (long long)(next_random() % size);
      while (guessed(c, guess));
    }
    if (c->n_guesses < MAX_GUESSES) c->guesses[c->n_guesses++] = guess;
    return (size_t)sprintf(out, "%lld\n", guess);
  }
  if (n > 7 && memcmp(line, "PARAMS ", 7) == 0) {
    c->has_secret = 0;
    c->n_guesses = 0;
    if (sscanf(line + 7, "%lld %lld", &c->lower, &c->upper) != 2) c->upper = c->lower - 1;
    return 0;
  }
  if (n > 7 && memcmp(line, "REPORT ", 7) == 0) {
    if (strcmp(line + 7, "Correct") == 0 && c->n_guesses > 0) {
      c->secret = c->guesses[c->n_guesses - 1];
      c->has_secret = 1;
    }
    return 0;
  }
  return (size_t)sprintf(out, "ERROR unknown-command Unknown command\n");
}

static void drop(int ep, struct conn *c) {
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  free(c);
}

static void on_readable(int ep, struct conn *c) {
  char in[16 * 1024], out[32 * 1024];
  ssize_t n = recv(c->fd, in, sizeof in, 0);
  if (n <= 0) {
    if (n == 0 || (errno != EAGAIN && errno != EINTR)) drop(ep, c);
    return;
  }
  size_t len = 0;
  for (ssize_t i = 0; i < n; i++) {
    if (in[i] == '\n') {
      len += command(c, out + len);
      if (len > sizeof out - 128) { /* a flood of lines: send what we have */
        if (send(c->fd, out, len, MSG_NOSIGNAL) < 0) {
          drop(ep, c);
          return;
        }
        len = 0;
      }
    } else if (c->length < MAX_LINE - 1) {
      c->line[c->length++] = in[i];
    }
  }
  /* The generator never has more than one reply outstanding, so a short write
   * cannot happen here; a failed one ends the connection. */
  if (len > 0 && send(c->fd, out, len, MSG_NOSIGNAL) < 0) drop(ep, c);
}

int main(int argc, char **argv) {
  const char *host = "127.0.0.1";
  int port = 0;
  for (int i = 1; i < argc; i++) {
    if (i + 1 < argc && strcmp(argv[i], "--port") == 0) port = atoi(argv[++i]);
    else if (i + 1 < argc && strcmp(argv[i], "--host") == 0) host = argv[++i];
    else {
      fprintf(stderr, "usage: bench/out/ceiling [--port 0] [--host 127.0.0.1]\n");
      return strcmp(argv[i], "--help") == 0 ? 0 : 2;
    }
  }
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (inet_pton(AF_INET, host, &address.sin_addr) != 1) {
    return fprintf(stderr, "ceiling: --host wants an IPv4 address, got %s\n", host), 2;
  }
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  socklen_t length = sizeof address;
  if (bind(listener, (struct sockaddr *)&address, sizeof address) < 0 ||
      listen(listener, 4096) < 0 ||
      getsockname(listener, (struct sockaddr *)&address, &length) < 0) {
    perror("ceiling: listen");
    return 1;
  }
  printf("Listening on %s:%d\n", host, ntohs(address.sin_port));
  fflush(stdout);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
  struct epoll_event events[1024];
  for (;;) {
    int n = epoll_wait(ep, events, 1024, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      perror("ceiling: epoll_wait");
      return 1;
    }
    for (int i = 0; i < n; i++) {
      struct conn *c = events[i].data.ptr;
      if (c != NULL) {
        on_readable(ep, c);
        continue;
      }
      int fd;
      while ((fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        c = calloc(1, sizeof *c);
        if (c == NULL) {
          close(fd);
          continue;
        }
        c->fd = fd;
        c->upper = -1;
        struct epoll_event cev = {.events = EPOLLIN, .data.ptr = c};
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
      }
    }
  }
}
