/* serve.h - the server's entry point, for main.c. */
#ifndef BOXCORE_SERVE_H
#define BOXCORE_SERVE_H

/* Read requests from g_cfg.req_fd until EOF or SIGTERM (core_init first). */
int serve_main(void);

#endif
