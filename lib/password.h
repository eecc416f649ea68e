/* Argon2id password hashes (libsodium), PHC string format. */
#ifndef AC_PASSWORD_H
#define AC_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#define AC_PASSWORD_HASH_MAX 128
#define AC_PASSWORD_MIN_CHARS 10
#define AC_PASSWORD_MAX_BYTES 1024

/* Once per process; false if libsodium cannot start. */
bool ac_password_init(void);
/* Writes a NUL-terminated "$argon2id$..." string into out. */
bool ac_password_hash(const char *plain, char out[AC_PASSWORD_HASH_MAX]);
/* Constant-time verification. A NULL hash runs a dummy verification so that
 * an unknown login takes as long as a wrong password. */
bool ac_password_verify(const char *hash, const char *plain);

#endif
