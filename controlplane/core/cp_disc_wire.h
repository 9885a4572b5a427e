/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The discovery wiring: the providers the config asks for (the watched
 * file, DNS SRV, etcd) started on the loop, each report of theirs merged
 * into the model (cp_model_update()), their errors and the entries the
 * model refused logged (escaped: a source's text is not trusted). A pool
 * takes a provider's sets when its discovery keys name it (an implicit
 * pool takes the file's and etcd's); a provider no pool uses is not
 * started. After a reload, new SRV names are resolved and the file is read
 * again; other provider settings need a restart (logged).
 */
#ifndef CP_DISC_WIRE_H
#define CP_DISC_WIRE_H

#include "cfg_types.h"
#include "cp_disc_dns.h"
#include "cp_disc_etcd.h"
#include "cp_disc_file.h"
#include "cp_loop.h"
#include "cp_model.h"

struct cp_disc_wire {
	struct cp_loop *loop;
	struct cp_model *model; /* where reports go */
	struct cfg *const *cfg; /* the running config */
	struct cp_disc_file *file;
	struct cp_disc_dns *dns;
	struct cp_disc_etcd *etcd;
};

void cp_disc_wire_init(struct cp_disc_wire *dw, struct cp_loop *loop, struct cp_model *model,
		       struct cfg *const *cfg);

/*
 * Start the providers the running config asks for (the file's first
 * reports arrive inside this call). 0 or -errno, logged naming the
 * provider and what failed.
 */
int cp_disc_wire_start(struct cp_disc_wire *dw);

/* An accepted reload from @old: new SRV names added, the file read again. */
void cp_disc_wire_reload(struct cp_disc_wire *dw, const struct cfg *old);

/* The model's refused hook: one line per refused entry (escaped), then how many more. */
void cp_disc_wire_refused(enum cp_disc_source src, const char *pool,
			  const struct cp_model_refusal *r, uint32_t n, uint32_t n_total);

/* Stop every provider (never from a loop handler). */
void cp_disc_wire_stop(struct cp_disc_wire *dw);

#endif /* CP_DISC_WIRE_H */
