/* aftercare: serve | migrate | seed --demo | token --staff ID [--ttl S] | sweep-callbacks */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "auth.h"
#include "config.h"
#include "db.h"
#include "db_callbacks.h"
#include "db_seed.h"
#include "db_staff.h"
#include "http.h"
#include "jwt_token.h"
#include "log.h"
#include "migrate.h"
#include "password.h"
#include "routes.h"
#include "sweeper.h"
#include "tz.h"

static const char USAGE[] =
    "usage: aftercare <command>\n"
    "\n"
    "  serve                      serve the API on AFTERCARE_LISTEN (default 127.0.0.1:8080)\n"
    "  migrate                    apply the database migrations (safe to repeat)\n"
    "  seed --demo                load the demo chain (safe to repeat)\n"
    "  token --staff ID [--ttl S] print a bearer token for staff member ID\n"
    "  sweep-callbacks            run the daily callback sweep once; prints {\"created\": N}\n"
    "  --help                     this text\n"
    "\n"
    "Configuration comes from AFTERCARE_* environment variables; see README.md.\n";

static int fail_config(const char *err) {
  fprintf(stderr, "aftercare: configuration error: %s\n", err);
  return 2;
}

static int cmd_serve(void) {
  ac_config cfg;
  char err[512];
  if (!ac_config_load(&cfg, true, err, sizeof err)) {
    ac_config_free(&cfg);
    return fail_config(err);
  }
  if (!ac_password_init()) {
    ac_config_free(&cfg);
    return fail_config("libsodium failed to start");
  }
  /* Signals are taken by sigwait below, never by a handler. */
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, NULL);
  signal(SIGPIPE, SIG_IGN);

  ac_db_configure(cfg.database_url, cfg.statement_timeout_ms, ac_sql_registry);
  ac_db_configure_reports(cfg.reports_database_url, ac_sql_reports_registry);
  int rc = 1;
  if (ac_auth_start(&cfg) && ac_api_start(&cfg)) {
    ac_server *srv = ac_server_start(&cfg, ac_routes);
    if (srv && !ac_sweeper_start(&cfg)) {
      ac_log_error("serve", "cannot start the SLA sweeper thread");
      ac_server_stop(srv, 0);
      srv = NULL;
    }
    if (srv) {
      ac_log_info("serve", "listening on %s:%u with %u threads (JWT %s)", cfg.listen_host,
                  cfg.listen_port, cfg.threads, cfg.jwt_alg == AC_JWT_RS256 ? "RS256" : "HS256");
      int sig = 0;
      sigwait(&stop, &sig);
      ac_log_info("serve", "signal %d: draining requests in flight", sig);
      ac_sweeper_stop();
      ac_server_stop(srv, 10);
      ac_log_info("serve", "stopped");
      rc = 0;
    }
  }
  ac_api_stop();
  ac_auth_stop();
  ac_db_thread_done();
  ac_tz_cache_clear();
  ac_config_free(&cfg);
  return rc;
}

static int cmd_migrate(void) {
  ac_config cfg;
  char err[512];
  if (!ac_config_load(&cfg, false, err, sizeof err)) {
    ac_config_free(&cfg);
    return fail_config(err);
  }
  bool ok = ac_migrate(cfg.database_url);
  ac_config_free(&cfg);
  return ok ? 0 : 1;
}

static int cmd_seed(int argc, char **argv) {
  if (argc != 3 || strcmp(argv[2], "--demo") != 0) {
    fputs("usage: aftercare seed --demo\n", stderr);
    return 2;
  }
  ac_config cfg;
  char err[512];
  if (!ac_config_load(&cfg, false, err, sizeof err)) {
    ac_config_free(&cfg);
    return fail_config(err);
  }
  bool ok = ac_password_init() && ac_seed_demo(cfg.database_url);
  ac_config_free(&cfg);
  return ok ? 0 : 1;
}

static ac_db_status sweep_tx(ac_tx *tx, void *p) { return ac_cb_sweep(tx, (int *)p); }

/* The daily callback sweep once, for cron or a test; safe beside servers. */
static int cmd_sweep_callbacks(void) {
  ac_config cfg;
  char err[512];
  if (!ac_config_load(&cfg, false, err, sizeof err)) {
    ac_config_free(&cfg);
    return fail_config(err);
  }
  ac_db_configure(cfg.database_url, cfg.statement_timeout_ms, ac_sql_registry);
  ac_scope system;
  ac_scope_system(&system);
  int created = 0;
  ac_db_status s = ac_db_transact(&system, sweep_tx, &created);
  ac_db_thread_done();
  ac_tz_cache_clear();
  ac_config_free(&cfg);
  if (s != AC_DB_OK) {
    fprintf(stderr, "aftercare: callback sweep failed (status %d)\n", (int)s);
    return 1;
  }
  printf("{\"created\": %d}\n", created);
  return 0;
}

typedef struct token_ctx {
  int64_t id;
  ac_staff_auth staff;
} token_ctx;

static ac_db_status load_staff(ac_tx *tx, void *p) {
  token_ctx *c = p;
  return ac_staff_auth_by_id(tx, c->id, &c->staff);
}

static bool parse_long(const char *s, long *out) {
  char *end;
  errno = 0;
  *out = strtol(s, &end, 10);
  return s[0] && !*end && !errno && *out > 0;
}

static int cmd_token(int argc, char **argv) {
  long id = 0, ttl = 0;
  for (int i = 2; i < argc; i++) {
    if (strcmp(argv[i], "--staff") == 0 && i + 1 < argc && parse_long(argv[i + 1], &id))
      i++;
    else if (strcmp(argv[i], "--ttl") == 0 && i + 1 < argc && parse_long(argv[i + 1], &ttl))
      i++;
    else {
      fputs("usage: aftercare token --staff ID [--ttl SECONDS]\n", stderr);
      return 2;
    }
  }
  if (!id) {
    fputs("usage: aftercare token --staff ID [--ttl SECONDS]\n", stderr);
    return 2;
  }
  ac_config cfg;
  char err[512];
  if (!ac_config_load(&cfg, true, err, sizeof err)) {
    ac_config_free(&cfg);
    return fail_config(err);
  }
  ac_db_configure(cfg.database_url, cfg.statement_timeout_ms, ac_sql_registry);
  ac_scope system;
  ac_scope_system(&system);
  token_ctx c = {.id = id};
  ac_db_status s = ac_db_read(&system, load_staff, &c);
  int rc = 1;
  if (s == AC_DB_NOROW || (s == AC_DB_OK && !c.staff.active))
    fprintf(stderr, "aftercare: no active staff member with id %ld\n", id);
  else if (s != AC_DB_OK)
    fprintf(stderr, "aftercare: cannot read staff from the database\n");
  else {
    char *token = ac_jwt_issue(&cfg, c.staff.id, c.staff.role, c.staff.stores, c.staff.n_stores,
                               ttl ? ttl : cfg.token_ttl, time(NULL));
    if (token) {
      puts(token);
      free(token);
      rc = 0;
    } else {
      fputs("aftercare: cannot sign tokens (RS256 needs AFTERCARE_JWT_PRIVATE_KEY)\n", stderr);
    }
  }
  ac_db_thread_done();
  ac_config_free(&cfg);
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
      strcmp(argv[1], "help") == 0) {
    fputs(USAGE, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (strcmp(argv[1], "serve") == 0 && argc == 2)
    return cmd_serve();
  if (strcmp(argv[1], "migrate") == 0 && argc == 2)
    return cmd_migrate();
  if (strcmp(argv[1], "seed") == 0)
    return cmd_seed(argc, argv);
  if (strcmp(argv[1], "token") == 0)
    return cmd_token(argc, argv);
  if (strcmp(argv[1], "sweep-callbacks") == 0 && argc == 2)
    return cmd_sweep_callbacks();
  fprintf(stderr, "aftercare: unknown command %s\n\n%s", argv[1], USAGE);
  return 2;
}
