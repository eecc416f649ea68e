#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *env_dup(const char *name, const char *fallback) {
  const char *v = getenv(name);
  if (!v || !*v)
    v = fallback;
  return v ? strdup(v) : NULL;
}

static bool env_long(const char *name, long fallback, long min, long max, long *out, char *err,
                     size_t err_size) {
  const char *v = getenv(name);
  if (!v || !*v) {
    *out = fallback;
    return true;
  }
  char *end;
  errno = 0;
  long x = strtol(v, &end, 10);
  if (errno || *end || x < min || x > max) {
    snprintf(err, err_size, "%s must be a whole number from %ld to %ld", name, min, max);
    return false;
  }
  *out = x;
  return true;
}

/* PEM text as given, or the contents of the file it names. Caller frees. */
static char *read_pem(const char *name, char *err, size_t err_size) {
  const char *v = getenv(name);
  if (!v || !*v)
    return NULL;
  if (strncmp(v, "-----BEGIN", 10) == 0)
    return strdup(v);
  FILE *f = fopen(v, "rb");
  if (!f) {
    snprintf(err, err_size, "%s: cannot open %s: %s", name, v, strerror(errno));
    return NULL;
  }
  char *buf = calloc(1, 65537);
  size_t n = buf ? fread(buf, 1, 65536, f) : 0;
  fclose(f);
  if (!buf || n == 0 || n == 65536) {
    free(buf);
    snprintf(err, err_size, "%s: %s is empty or larger than 64 KiB", name, v);
    return NULL;
  }
  return buf;
}

static bool parse_listen(ac_config *cfg, char *err, size_t err_size) {
  const char *v = getenv("AFTERCARE_LISTEN");
  if (!v || !*v)
    v = "127.0.0.1:8080";
  const char *colon = strrchr(v, ':');
  char *end;
  long port = colon ? strtol(colon + 1, &end, 10) : -1;
  if (!colon || colon == v || *end || port < 1 || port > 65535) {
    snprintf(err, err_size, "AFTERCARE_LISTEN must be host:port, e.g. 127.0.0.1:8080");
    return false;
  }
  cfg->listen_host = strndup(v, (size_t)(colon - v));
  cfg->listen_port = (unsigned)port;
  return cfg->listen_host != NULL;
}

bool ac_config_load(ac_config *cfg, bool need_jwt, char *err, size_t err_size) {
  memset(cfg, 0, sizeof *cfg);
  long threads_default = sysconf(_SC_NPROCESSORS_ONLN);
  if (threads_default < 2)
    threads_default = 2;
  long threads, timeout, maxconn, perip;
  cfg->database_url = env_dup("AFTERCARE_DATABASE_URL", "postgresql:///aftercare");
  cfg->reports_database_url = env_dup("AFTERCARE_REPORTS_DATABASE_URL", "");
  cfg->jwt_issuer = env_dup("AFTERCARE_JWT_ISSUER", "aftercare");
  cfg->jwt_audience = env_dup("AFTERCARE_JWT_AUDIENCE", "aftercare-api");
  cfg->cors_origins = env_dup("AFTERCARE_CORS_ORIGINS", "");
  if (!parse_listen(cfg, err, err_size) ||
      !env_long("AFTERCARE_TOKEN_TTL", 3600, 60, 86400 * 30, &cfg->token_ttl, err, err_size) ||
      !env_long("AFTERCARE_THREADS", threads_default, 1, 256, &threads, err, err_size) ||
      !env_long("AFTERCARE_CONNECTION_TIMEOUT", 30, 1, 3600, &timeout, err, err_size) ||
      !env_long("AFTERCARE_MAX_CONNECTIONS", 1024, 16, 65536, &maxconn, err, err_size) ||
      !env_long("AFTERCARE_PER_IP_CONNECTIONS", 256, 0, 65536, &perip, err, err_size) ||
      !env_long("AFTERCARE_STATEMENT_TIMEOUT_MS", 5000, 100, 600000, &cfg->statement_timeout_ms,
                err, err_size) ||
      !env_long("AFTERCARE_AUTH_CACHE_SECONDS", 30, 0, 60, &cfg->auth_cache_seconds, err,
                err_size) ||
      !env_long("AFTERCARE_LOGIN_MAX_FAILURES", 5, 1, 1000, &cfg->login_max_failures, err,
                err_size) ||
      !env_long("AFTERCARE_LOGIN_WINDOW_SECONDS", 900, 1, 86400, &cfg->login_window_seconds, err,
                err_size) ||
      !env_long("AFTERCARE_SWEEP_SECONDS", 15, 1, 3600, &cfg->sweep_seconds, err, err_size) ||
      !env_long("AFTERCARE_CALLBACK_SWEEP_SECONDS", 3600, 10, 86400, &cfg->callback_sweep_seconds,
                err, err_size))
    return false;
  cfg->threads = (unsigned)threads;
  cfg->connection_timeout = (unsigned)timeout;
  cfg->max_connections = (unsigned)maxconn;
  cfg->per_ip_connections = (unsigned)perip;

  if (!need_jwt)
    return true;
  err[0] = '\0';
  cfg->jwt_public_key = read_pem("AFTERCARE_JWT_PUBLIC_KEY", err, err_size);
  if (err[0])
    return false;
  cfg->jwt_private_key = read_pem("AFTERCARE_JWT_PRIVATE_KEY", err, err_size);
  if (err[0])
    return false;
  const char *alg = getenv("AFTERCARE_JWT_ALG");
  if (!alg || !*alg)
    alg = cfg->jwt_public_key ? "RS256" : "HS256";
  if (strcmp(alg, "HS256") == 0) {
    cfg->jwt_alg = AC_JWT_HS256;
    const char *secret = getenv("AFTERCARE_JWT_SECRET");
    if (!secret || !*secret) {
      snprintf(err, err_size,
               "AFTERCARE_JWT_SECRET is not set: give a random secret of at least %d bytes "
               "(e.g. `openssl rand -base64 48`), or set AFTERCARE_JWT_PUBLIC_KEY for RS256",
               AC_MIN_SECRET_BYTES);
      return false;
    }
    if (strlen(secret) < AC_MIN_SECRET_BYTES) {
      snprintf(err, err_size, "AFTERCARE_JWT_SECRET is %zu bytes; it must be at least %d",
               strlen(secret), AC_MIN_SECRET_BYTES);
      return false;
    }
    cfg->jwt_secret = strdup(secret);
    cfg->jwt_secret_len = strlen(secret);
  } else if (strcmp(alg, "RS256") == 0) {
    cfg->jwt_alg = AC_JWT_RS256;
    if (!cfg->jwt_public_key) {
      snprintf(err, err_size, "AFTERCARE_JWT_ALG=RS256 needs AFTERCARE_JWT_PUBLIC_KEY (PEM or path)");
      return false;
    }
  } else {
    snprintf(err, err_size, "AFTERCARE_JWT_ALG must be HS256 or RS256");
    return false;
  }
  return true;
}

void ac_config_free(ac_config *cfg) {
  free(cfg->database_url);
  free(cfg->reports_database_url);
  free(cfg->listen_host);
  if (cfg->jwt_secret)
    explicit_bzero(cfg->jwt_secret, cfg->jwt_secret_len);
  free(cfg->jwt_secret);
  free(cfg->jwt_public_key);
  free(cfg->jwt_private_key);
  free(cfg->jwt_issuer);
  free(cfg->jwt_audience);
  free(cfg->cors_origins);
  memset(cfg, 0, sizeof *cfg);
}

bool ac_config_cors_allows(const ac_config *cfg, const char *origin) {
  if (!origin || !*origin || !cfg->cors_origins)
    return false;
  size_t n = strlen(origin);
  const char *p = cfg->cors_origins;
  while (*p) {
    while (*p == ' ' || *p == ',')
      p++;
    const char *end = p;
    while (*end && *end != ',')
      end++;
    const char *trim = end;
    while (trim > p && trim[-1] == ' ')
      trim--;
    if ((size_t)(trim - p) == n && memcmp(p, origin, n) == 0)
      return true;
    p = end;
  }
  return false;
}
