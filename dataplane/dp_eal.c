/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL initialisation. The config's dataplane.eal list is passed unchanged;
 * sluice-dp only adds what keeps two instances apart (--file-prefix) and
 * what keeps EAL away from PCI devices the config does not name.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "dp_eal.h"
#include "dp_log.h"

int dp_eal_is_vdev(const char *devargs)
{
	return strncmp(devargs, "net_", 4) == 0 || strncmp(devargs, "eth_", 4) == 0;
}

/* Does the config's EAL list hold option @opt ("--file-prefix", "-a", ...)? */
static int has_opt(const struct cfg *cfg, const char *opt)
{
	size_t n = strlen(opt);

	for (uint32_t i = 0; i < cfg->dataplane.n_eal; i++) {
		const char *arg = cfg->dataplane.eal[i];

		if (strcmp(arg, opt) == 0)
			return 1;
		/* "--file-prefix=x", and "-a0000:01:00.0" for short options */
		if (strncmp(arg, opt, n) == 0 && (arg[n] == '=' || (opt[1] != '-' && arg[n])))
			return 1;
	}
	return 0;
}

static int push(struct dp_eal_args *a, char *arg)
{
	if (a->argc >= DP_EAL_ARGV_MAX)
		return -E2BIG;
	a->argv[a->argc++] = arg;
	a->argv[a->argc] = NULL;
	return 0;
}

int dp_eal_args_build(const struct cfg *cfg, const char *prog, struct dp_eal_args *a)
{
	const struct cfg_dataplane *dp = &cfg->dataplane;
	int has_allow = has_opt(cfg, "-a") || has_opt(cfg, "--allow");
	int pci_opt = has_allow || has_opt(cfg, "-b") || has_opt(cfg, "--block") ||
		      has_opt(cfg, "--no-pci");
	int n_pci = 0;
	int rc = 0;

	memset(a, 0, sizeof(*a));
	rc |= push(a, (char *)prog);
	for (uint32_t i = 0; i < dp->n_eal; i++)
		rc |= push(a, dp->eal[i]);
	if (!has_opt(cfg, "--file-prefix")) {
		snprintf(a->file_prefix, sizeof(a->file_prefix), "sluice-%s", cfg->instance);
		rc |= push(a, "--file-prefix");
		rc |= push(a, a->file_prefix);
	}
	for (uint32_t i = 0; i < dp->n_ports; i++) {
		if (dp_eal_is_vdev(dp->ports[i].devargs))
			continue;
		n_pci++;
		if (!has_allow) {
			rc |= push(a, "-a");
			rc |= push(a, (char *)dp->ports[i].devargs);
		}
	}
	if (n_pci == 0 && !pci_opt)
		rc |= push(a, "--no-pci");
	return rc ? -E2BIG : 0;
}

int dp_eal_init(const struct cfg *cfg, const char *prog)
{
	struct dp_eal_args a;
	char line[2048];
	size_t off = 0;
	int rc;

	rc = dp_eal_args_build(cfg, prog, &a);
	if (rc) {
		fprintf(stderr, "sluice-dp: %s: more than %d EAL arguments\n", cfg->file,
			DP_EAL_ARGV_MAX);
		return rc;
	}
	line[0] = '\0';
	for (int i = 1; i < a.argc && off < sizeof(line); i++)
		off += snprintf(line + off, sizeof(line) - off, "%s%s", i > 1 ? " " : "",
				a.argv[i]);

	rc = rte_eal_init(a.argc, a.argv);
	if (rc < 0) {
		rc = -rte_errno;
		fprintf(stderr, "sluice-dp: EAL init failed (%s): %s\n", line, rte_strerror(-rc));
		return rc;
	}
	/* logs to stdout from here on (12-factor), not syslog */
	rte_openlog_stream(stdout);
	DP_EAL_LOG(INFO, "EAL arguments: %s", line);
	return 0;
}
