#ifndef CTLS_HARDENING_H
#define CTLS_HARDENING_H
#include <stddef.h>
#include <stdint.h>

// NIOSSL exposes no switch for TLS session tickets or the server session cache, and both
// let a server recognise a returning visitor. These are BoringSSL's own functions under the
// symbol prefix swift-nio-ssl's vendored copy uses; they resolve at link time against it.
uint32_t CNIOBoringSSL_SSL_CTX_set_options(void *ctx, uint32_t options);
int CNIOBoringSSL_SSL_CTX_set_session_cache_mode(void *ctx, int mode);
int CNIOBoringSSL_SSL_CTX_set_num_tickets(void *ctx, size_t num_tickets);

#define CTLS_SSL_OP_NO_TICKET 0x00004000U
#define CTLS_SSL_SESS_CACHE_OFF 0x0000

#endif
