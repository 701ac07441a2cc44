/* Command-line commands other than serve: migrate, version, token create|revoke. */
#ifndef OIH_CLI_H
#define OIH_CLI_H

#include "config.h"

/* Each returns the process exit code. */
int cli_migrate(const struct config *cfg);
int cli_version(void);
int cli_token(const struct config *cfg, int argc, char **argv);

#endif
