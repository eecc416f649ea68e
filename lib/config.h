/* Server configuration from AFTERCARE_* environment variables (README lists them). */
#ifndef AC_CONFIG_H
#define AC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

typedef enum ac_jwt_alg { AC_JWT_HS256, AC_JWT_RS256 } ac_jwt_alg;

typedef struct ac_config {
  /* Owned by the config (free with ac_config_free). */
  char *database_url;
  char *reports_database_url; /* "" = reports read the primary */
  char *listen_host;
  unsigned listen_port;
  ac_jwt_alg jwt_alg;
  char *jwt_secret;      /* HS256: the shared secret */
  size_t jwt_secret_len;
  char *jwt_public_key;  /* RS256: PEM text */
  char *jwt_private_key; /* RS256: PEM text, optional (issuing) */
  char *jwt_issuer;
  char *jwt_audience;
  long token_ttl;
  unsigned threads;
  char *cors_origins;    /* comma list, may be empty */
  unsigned connection_timeout;
  unsigned max_connections;
  unsigned per_ip_connections;
  long statement_timeout_ms;
  long auth_cache_seconds;
  long login_max_failures;
  long login_window_seconds;
  long sweep_seconds; /* how often the SLA sweeper looks for due work */
  /* how often the daily callback sweep runs (idempotent, so hourly catches
   * every store's new local day within the hour) */
  long callback_sweep_seconds;
} ac_config;

#define AC_MIN_SECRET_BYTES 32

/* need_jwt: check the token settings (serve, token). On failure returns false
 * with a message for the operator in err. */
bool ac_config_load(ac_config *cfg, bool need_jwt, char *err, size_t err_size);
void ac_config_free(ac_config *cfg);

/* Is `origin` one of cfg->cors_origins? */
bool ac_config_cors_allows(const ac_config *cfg, const char *origin);

#endif
