/*
 * eoip_netlink: a netlink socket for Node.js on Node-API only (one build
 * serves every Node >= 20), with libuv's uv_poll for readiness.
 *
 * Rules of this file:
 * - Every failure of the kernel is returned as a value (a negative errno),
 *   never thrown and never fatal: ENOBUFS after a receive-buffer overrun
 *   included. Only a caller passing arguments of the wrong type gets a JS
 *   TypeError.
 * - No allocation per datagram: recv() reads into memory the JS side owns.
 * - The fd is closed exactly once (close(), the env cleanup hook, or the
 *   finalizer, whichever comes first), after its poll handle is stopped.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <uv.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/*
 * struct sockaddr_nl of <linux/netlink.h>, declared here (a fixed kernel ABI)
 * so that the file builds against any libc's headers, musl's included.
 */
struct nl_address {
  sa_family_t nl_family;
  unsigned short nl_pad;
  uint32_t nl_pid;
  uint32_t nl_groups;
};

/* Most iovecs one sendmsg takes (UIO_MAXIOV); larger batches are joined. */
#define MAX_IOV 1024
/* iovecs kept on the stack; more are allocated. */
#define STACK_IOV 64

/* recv() flags, as the JS side passes them. */
#define RECV_PEEK 1

typedef struct nl_socket {
  uv_poll_t poll; /* first: the close callback casts the handle back */
  napi_env env;
  int fd;
  /* uv_poll_init succeeded: the handle must be uv_close()d before freeing. */
  int poll_inited;
  /* uv_close() was called and its callback has run (or there is no handle). */
  int uv_released;
  /* The JS external was finalized: nothing in JS points here any more. */
  int js_released;
  int cleanup_hook;
  /* Inside the JS callback: its async context is destroyed only after it returns. */
  int in_callback;
  /* Strong: an open, polled socket keeps its callback (and its owner) alive. */
  napi_ref on_readable;
  napi_async_context async_context;
} nl_socket;

static void free_if_unowned(nl_socket *s) {
  if (s->uv_released && s->js_released) free(s);
}

static void on_poll_closed(uv_handle_t *handle) {
  nl_socket *s = (nl_socket *)handle;
  s->uv_released = 1;
  free_if_unowned(s);
}

static void cleanup_hook(void *arg);

/* Stop polling, close the fd, release the JS callback. Idempotent. */
static void close_socket(nl_socket *s, int from_cleanup_hook) {
  if (s->fd < 0) return;
  if (s->poll_inited) uv_poll_stop(&s->poll);
  /* The poll is stopped before its fd is closed (libuv's rule). */
  close(s->fd);
  s->fd = -1;
  if (s->poll_inited) {
    uv_close((uv_handle_t *)&s->poll, on_poll_closed);
  } else {
    s->uv_released = 1;
  }
  if (s->on_readable) {
    napi_delete_reference(s->env, s->on_readable);
    s->on_readable = NULL;
  }
  if (s->async_context && !s->in_callback) {
    napi_async_destroy(s->env, s->async_context);
    s->async_context = NULL;
  }
  if (s->cleanup_hook && !from_cleanup_hook) napi_remove_env_cleanup_hook(s->env, cleanup_hook, s);
  s->cleanup_hook = 0;
}

/* The environment is going away (process exit, worker end): close now. */
static void cleanup_hook(void *arg) {
  nl_socket *s = arg;
  s->cleanup_hook = 0;
  close_socket(s, 1);
}

static void finalize_socket(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  nl_socket *s = data;
  close_socket(s, 0);
  s->js_released = 1;
  free_if_unowned(s);
}

/* ---- argument helpers: a wrong type is the caller's bug (TypeError) ---- */

static int arg_socket(napi_env env, napi_value v, nl_socket **out) {
  napi_valuetype t;
  void *p = NULL;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external ||
      napi_get_value_external(env, v, &p) != napi_ok || p == NULL) {
    napi_throw_type_error(env, NULL, "expected a socket handle");
    return 0;
  }
  *out = p;
  return 1;
}

static int arg_int(napi_env env, napi_value v, int32_t *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number || napi_get_value_int32(env, v, out) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a number");
    return 0;
  }
  return 1;
}

static int arg_bytes(napi_env env, napi_value v, uint8_t **data, size_t *len) {
  bool is_typed = false;
  napi_typedarray_type type;
  void *p = NULL;
  size_t n = 0;
  if (napi_is_typedarray(env, v, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, v, &type, &n, &p, NULL, NULL) != napi_ok || type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "expected a Uint8Array");
    return 0;
  }
  /* A detached buffer has no data: treat it as empty. */
  *data = p;
  *len = p ? n : 0;
  return 1;
}

static napi_value make_int(napi_env env, int64_t v) {
  napi_value out;
  napi_create_int64(env, v, &out);
  return out;
}

static napi_value make_undefined(napi_env env) {
  napi_value out;
  napi_get_undefined(env, &out);
  return out;
}

/* ---- event loop ---- */

static void on_poll(uv_poll_t *handle, int status, int events) {
  (void)events;
  nl_socket *s = (nl_socket *)handle;
  if (s->fd < 0 || !s->on_readable) return;
  int code = 0;
  if (status < 0) {
    /*
     * libuv reports POLLERR as UV_EBADF and stops the handle. On a netlink
     * socket POLLERR means sk_err is set (ENOBUFS after an overrun): fetch
     * and clear it, hand it to JS as a value, and keep polling.
     */
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0) {
      uv_poll_start(&s->poll, UV_READABLE, on_poll);
      code = -err;
    } else {
      code = -errno; /* not a socket any more: stay stopped, JS closes it */
    }
  }
  napi_env env = s->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value fn, recv, arg, result;
  if (napi_get_reference_value(env, s->on_readable, &fn) == napi_ok && fn != NULL) {
    napi_get_global(env, &recv); /* napi_make_callback wants an object */
    napi_create_int32(env, code, &arg);
    s->in_callback = 1;
    napi_status st = napi_make_callback(env, s->async_context, recv, fn, 1, &arg, &result);
    s->in_callback = 0;
    if (s->fd < 0 && s->async_context) {
      /* Closed from inside the callback. */
      napi_async_destroy(env, s->async_context);
      s->async_context = NULL;
    }
    bool pending = false;
    if (st != napi_ok && napi_is_exception_pending(env, &pending) == napi_ok && pending) {
      /* An exception in the callback becomes an uncaught exception, as for any I/O callback. */
      napi_value exc;
      if (napi_get_and_clear_last_exception(env, &exc) == napi_ok) napi_fatal_exception(env, exc);
    }
  }
  napi_close_handle_scope(env, scope);
}

/* Wrap an open fd: poll it, keep the callback, hand JS an external. */
static napi_value wrap_fd(napi_env env, int fd, napi_value callback) {
  nl_socket *s = calloc(1, sizeof *s);
  if (!s) {
    close(fd);
    return make_int(env, -ENOMEM);
  }
  s->env = env;
  s->fd = fd;
  uv_loop_t *loop = NULL;
  int err = 0;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == NULL) {
    err = EINVAL;
  } else if ((err = -uv_poll_init(loop, &s->poll, fd)) == 0) {
    s->poll_inited = 1;
    if ((err = -uv_poll_start(&s->poll, UV_READABLE, on_poll)) == 0) {
      napi_value resource, name;
      if (napi_create_reference(env, callback, 1, &s->on_readable) != napi_ok ||
          napi_create_object(env, &resource) != napi_ok ||
          napi_create_string_utf8(env, "EOIP_NETLINK_SOCKET", NAPI_AUTO_LENGTH, &name) != napi_ok ||
          napi_async_init(env, resource, name, &s->async_context) != napi_ok) {
        err = ENOMEM;
      }
    }
  }
  napi_value external;
  if (err == 0 && napi_create_external(env, s, finalize_socket, NULL, &external) != napi_ok) err = ENOMEM;
  if (err != 0) {
    close_socket(s, 0);
    s->js_released = 1;
    free_if_unowned(s);
    return make_int(env, -err);
  }
  if (napi_add_env_cleanup_hook(env, cleanup_hook, s) == napi_ok) s->cleanup_hook = 1;
  return external;
}

/*
 * socket() inside the network namespace `target_fd`: this thread enters it,
 * creates the socket and comes back. The namespace of a socket is fixed at
 * creation, so the socket stays there.
 */
static int socket_in_netns(int target_fd, int protocol) {
  int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (home < 0) return -errno;
  if (setns(target_fd, CLONE_NEWNET) != 0) {
    int e = errno;
    close(home);
    return -e;
  }
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol);
  int socket_errno = errno;
  if (setns(home, CLONE_NEWNET) != 0) {
    /* Cannot happen with a valid fd of our own namespace; never leave a socket made in doubt. */
    int e = errno;
    if (fd >= 0) close(fd);
    close(home);
    return -e;
  }
  close(home);
  return fd >= 0 ? fd : -socket_errno;
}

/*
 * open(protocol, onReadable, netnsPath?, netnsFd?) -> handle | -errno.
 * onReadable(status) is called when the socket is readable (status 0) or
 * has a pending error (status -errno, e.g. -ENOBUFS; already cleared).
 */
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t protocol, ns_fd = -1;
  napi_valuetype t;
  if (argc < 2 || !arg_int(env, argv[0], &protocol)) return NULL;
  if (napi_typeof(env, argv[1], &t) != napi_ok || t != napi_function) {
    napi_throw_type_error(env, NULL, "expected a callback");
    return NULL;
  }
  char path[4096];
  int have_path = 0;
  if (argc > 2 && napi_typeof(env, argv[2], &t) == napi_ok && t == napi_string) {
    size_t n = 0;
    if (napi_get_value_string_utf8(env, argv[2], path, sizeof path, &n) != napi_ok) return NULL;
    if (n >= sizeof path - 1) return make_int(env, -ENAMETOOLONG);
    if (strlen(path) != n) return make_int(env, -EINVAL); /* an embedded NUL */
    have_path = 1;
  }
  if (argc > 3 && napi_typeof(env, argv[3], &t) == napi_ok && t == napi_number) {
    if (!arg_int(env, argv[3], &ns_fd)) return NULL;
  }

  int fd;
  if (have_path) {
    int target = open(path, O_RDONLY | O_CLOEXEC);
    if (target < 0) return make_int(env, -errno);
    fd = socket_in_netns(target, protocol);
    close(target);
  } else if (ns_fd >= 0) {
    fd = socket_in_netns(ns_fd, protocol);
  } else {
    fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol);
    if (fd < 0) fd = -errno;
  }
  if (fd < 0) return make_int(env, fd);

  struct nl_address addr;
  memset(&addr, 0, sizeof addr);
  addr.nl_family = AF_NETLINK; /* port 0: the kernel picks a free one */
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    int e = errno;
    close(fd);
    return make_int(env, -e);
  }
  return wrap_fd(env, fd, argv[1]);
}

/* adopt(fd, onReadable) -> handle | -errno: poll an fd opened elsewhere (tests feed datagrams this way). */
static napi_value js_adopt(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd;
  napi_valuetype t;
  if (argc < 2 || !arg_int(env, argv[0], &fd)) return NULL;
  if (napi_typeof(env, argv[1], &t) != napi_ok || t != napi_function) {
    napi_throw_type_error(env, NULL, "expected a callback");
    return NULL;
  }
  if (fd < 0) return make_int(env, -EBADF);
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) return make_int(env, -errno);
  return wrap_fd(env, fd, argv[1]);
}

/* socketPair() -> [fd, fd] | -errno: an AF_UNIX datagram pair, for feeding crafted datagrams in tests. */
static napi_value js_socket_pair(napi_env env, napi_callback_info info) {
  (void)info;
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, fds) != 0) return make_int(env, -errno);
  napi_value out;
  napi_create_array_with_length(env, 2, &out);
  napi_set_element(env, out, 0, make_int(env, fds[0]));
  napi_set_element(env, out, 1, make_int(env, fds[1]));
  return out;
}

/* port(handle) -> port id | -errno */
static napi_value js_port(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  nl_socket *s;
  if (argc < 1 || !arg_socket(env, argv[0], &s)) return NULL;
  if (s->fd < 0) return make_int(env, -EBADF);
  struct nl_address addr;
  socklen_t len = sizeof addr;
  memset(&addr, 0, sizeof addr);
  if (getsockname(s->fd, (struct sockaddr *)&addr, &len) != 0) return make_int(env, -errno);
  if (addr.nl_family != AF_NETLINK) return make_int(env, -EAFNOSUPPORT);
  return make_int(env, addr.nl_pid);
}

/* setOption(handle, level, name, value) -> 0 | -errno (int-valued options) */
static napi_value js_set_option(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  nl_socket *s;
  int32_t level, name, value;
  if (argc < 4 || !arg_socket(env, argv[0], &s) || !arg_int(env, argv[1], &level) ||
      !arg_int(env, argv[2], &name) || !arg_int(env, argv[3], &value))
    return NULL;
  if (s->fd < 0) return make_int(env, -EBADF);
  int v = value;
  if (setsockopt(s->fd, level, name, &v, sizeof v) != 0) return make_int(env, -errno);
  return make_int(env, 0);
}

/* getOption(handle, level, name) -> value (>= 0) | -errno (int-valued options) */
static napi_value js_get_option(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  nl_socket *s;
  int32_t level, name;
  if (argc < 3 || !arg_socket(env, argv[0], &s) || !arg_int(env, argv[1], &level) || !arg_int(env, argv[2], &name))
    return NULL;
  if (s->fd < 0) return make_int(env, -EBADF);
  int v = 0;
  socklen_t len = sizeof v;
  if (getsockopt(s->fd, level, name, &v, &len) != 0) return make_int(env, -errno);
  return make_int(env, (uint32_t)v);
}

static ssize_t sendmsg_retry(int fd, struct iovec *iov, size_t n) {
  struct nl_address kernel;
  memset(&kernel, 0, sizeof kernel);
  kernel.nl_family = AF_NETLINK; /* port 0: the kernel */
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_name = &kernel;
  msg.msg_namelen = sizeof kernel;
  msg.msg_iov = iov;
  msg.msg_iovlen = n;
  ssize_t r;
  do r = sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  return r < 0 ? -errno : r;
}

/*
 * send(handle, data) -> bytes sent | -errno. `data` is one Uint8Array or an
 * array of them: one datagram either way (the kernel handles each netlink
 * message in it in turn).
 */
static napi_value js_send(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  nl_socket *s;
  if (argc < 2 || !arg_socket(env, argv[0], &s)) return NULL;
  bool is_array = false;
  napi_is_array(env, argv[1], &is_array);
  if (!is_array) {
    struct iovec one;
    size_t len;
    if (!arg_bytes(env, argv[1], (uint8_t **)&one.iov_base, &len)) return NULL;
    one.iov_len = len;
    if (s->fd < 0) return make_int(env, -EBADF);
    return make_int(env, sendmsg_retry(s->fd, &one, 1));
  }
  uint32_t count = 0;
  napi_get_array_length(env, argv[1], &count);
  if (count == 0) return make_int(env, -EINVAL);
  struct iovec stack_iov[STACK_IOV];
  struct iovec *iov = count <= STACK_IOV ? stack_iov : malloc(sizeof *iov * count);
  if (!iov) return make_int(env, -ENOMEM);
  size_t total = 0;
  for (uint32_t i = 0; i < count; i++) {
    napi_value item;
    size_t len;
    if (napi_get_element(env, argv[1], i, &item) != napi_ok || !arg_bytes(env, item, (uint8_t **)&iov[i].iov_base, &len)) {
      if (iov != stack_iov) free(iov);
      return NULL;
    }
    iov[i].iov_len = len;
    total += len;
  }
  ssize_t r;
  if (s->fd < 0) {
    r = -EBADF;
  } else if (count <= MAX_IOV) {
    r = sendmsg_retry(s->fd, iov, count);
  } else {
    /* More pieces than one sendmsg takes: join them into one buffer. */
    uint8_t *joined = malloc(total ? total : 1);
    if (!joined) {
      r = -ENOMEM;
    } else {
      size_t at = 0;
      for (uint32_t i = 0; i < count; i++) {
        if (iov[i].iov_len) memcpy(joined + at, iov[i].iov_base, iov[i].iov_len);
        at += iov[i].iov_len;
      }
      struct iovec whole = {joined, total};
      r = sendmsg_retry(s->fd, &whole, 1);
      free(joined);
    }
  }
  if (iov != stack_iov) free(iov);
  return make_int(env, r);
}

static ssize_t recvmsg_retry(int fd, void *base, size_t len, int flags, struct nl_address *from) {
  struct iovec iov = {base, len};
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  memset(from, 0, sizeof *from);
  msg.msg_name = from;
  msg.msg_namelen = sizeof *from;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  ssize_t r;
  do r = recvmsg(fd, &msg, flags | MSG_DONTWAIT | MSG_TRUNC);
  while (r < 0 && errno == EINTR);
  return r < 0 ? -errno : r;
}

/* True for a datagram some other process sent us: only the kernel (port 0) answers requests. */
static int from_user_space(const struct nl_address *from) {
  return from->nl_family == AF_NETLINK && from->nl_pid != 0;
}

/*
 * recv(handle, buffer, offset, limit, flags) -> datagram length | -errno.
 * Reads the next datagram into buffer[offset, offset + limit). A length
 * above `limit` means it did not fit: with RECV_PEEK it is still queued
 * (read it again with more room), without, the rest is lost (MSG_TRUNC).
 * -EAGAIN: nothing to read. Datagrams sent by other processes are dropped.
 */
static napi_value js_recv(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  nl_socket *s;
  uint8_t *data;
  size_t size;
  int32_t offset, limit, flags;
  if (argc < 5 || !arg_socket(env, argv[0], &s) || !arg_bytes(env, argv[1], &data, &size) ||
      !arg_int(env, argv[2], &offset) || !arg_int(env, argv[3], &limit) || !arg_int(env, argv[4], &flags))
    return NULL;
  if (s->fd < 0) return make_int(env, -EBADF);
  /* The range is checked here, not trusted: a bad one would let the kernel write outside the buffer. */
  if (offset < 0 || limit < 0 || (size_t)offset > size || (size_t)limit > size - (size_t)offset)
    return make_int(env, -ERANGE);
  uint8_t *base = data ? data + offset : NULL;
  struct nl_address from;
  for (;;) {
    ssize_t n;
    if (flags & RECV_PEEK) {
      n = recvmsg_retry(s->fd, base, (size_t)limit, MSG_PEEK, &from);
      if (n < 0) return make_int(env, n);
      if (from_user_space(&from) || n <= limit) {
        /* Consume it; nothing is copied twice (a zero-length read). */
        ssize_t c = recvmsg_retry(s->fd, NULL, 0, 0, &from);
        if (c < 0) return make_int(env, c);
        if (from_user_space(&from)) continue;
      }
    } else {
      n = recvmsg_retry(s->fd, base, (size_t)limit, 0, &from);
      if (n < 0) return make_int(env, n);
      if (from_user_space(&from)) continue;
    }
    return make_int(env, n);
  }
}

static napi_value js_ref(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  nl_socket *s;
  bool want = true;
  if (argc < 1 || !arg_socket(env, argv[0], &s)) return NULL;
  if (argc > 1) napi_get_value_bool(env, argv[1], &want);
  if (s->fd >= 0 && s->poll_inited) {
    if (want) uv_ref((uv_handle_t *)&s->poll);
    else uv_unref((uv_handle_t *)&s->poll);
  }
  return make_undefined(env);
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  nl_socket *s;
  if (argc < 1 || !arg_socket(env, argv[0], &s)) return NULL;
  close_socket(s, 0);
  return make_undefined(env);
}

static napi_value js_fd(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  nl_socket *s;
  if (argc < 1 || !arg_socket(env, argv[0], &s)) return NULL;
  return make_int(env, s->fd >= 0 ? s->fd : -EBADF);
}

static napi_value init(napi_env env, napi_value exports) {
  static const struct {
    const char *name;
    napi_callback fn;
  } methods[] = {
      {"open", js_open},     {"adopt", js_adopt}, {"socketPair", js_socket_pair}, {"port", js_port},
      {"setOption", js_set_option}, {"getOption", js_get_option}, {"send", js_send},
      {"recv", js_recv},     {"ref", js_ref},     {"close", js_close},           {"fd", js_fd},
  };
  for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
    napi_value fn;
    if (napi_create_function(env, methods[i].name, NAPI_AUTO_LENGTH, methods[i].fn, NULL, &fn) != napi_ok ||
        napi_set_named_property(env, exports, methods[i].name, fn) != napi_ok)
      return NULL;
  }
  napi_value abi;
  napi_create_int32(env, 1, &abi);
  napi_set_named_property(env, exports, "abi", abi);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
