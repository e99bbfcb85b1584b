/* bad-boot-param: boot parameters the kernel rejects or ignores on this hardware. */
#include <string.h>

#include "rules/common.h"
#include "rules/rules.h"

static bool word_in(const char *w, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(w, *list))
			return true;
	return false;
}

/* Each comma-separated word of key's value that is not in valid[]. */
static void check_values(const struct host *h, struct findings *fs, struct finding **f, const char *key,
			 const char *const *valid, const char *why)
{
	for (int i = 0; i < h->cmdline.nparams; i++) {
		const struct cmdline_param *p = &h->cmdline.params[i];
		if (strcmp(p->key, key) || !p->val)
			continue;
		char tmp[256];
		strncpy(tmp, p->val, sizeof(tmp) - 1);
		tmp[sizeof(tmp) - 1] = '\0';
		for (char *save = NULL, *w = strtok_r(tmp, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
			if (word_in(w, valid))
				continue;
			if (!*f)
				*f = finding_new(fs, "bad-boot-param", SEV_WARNING,
						 "Boot parameters that the kernel rejects or ignores");
			finding_evidence(fs, *f, "cmdline", "%s: '%s' is not a valid value%s%s", p->raw, w,
					 why ? ": " : "", why ? why : "");
		}
	}
}

void rule_bad_boot_param(const struct host *h, struct findings *fs)
{
	struct finding *f = NULL;
	const struct platform *p = &h->platform;
	/* The vendor, and which vendor parameter has no effect, come from host_iommu_param():
	 * the same reading the IOMMU verdict (and so iommu-off) uses. */
	enum iommu_vendor hw = host_iommu_hw(h);
	bool amd = hw == IOMMU_VENDOR_AMD, intel = hw == IOMMU_VENDOR_INTEL;
	/* drivers/iommu/amd/init.c:parse_amd_iommu_options() */
	for (size_t i = 0; i < h->klog.nevents; i++) {
		const struct klog_event *e = &h->klog.events[i];
		if (e->kind != KLOG_AMDVI_UNKNOWN_OPTION)
			continue;
		if (!f)
			f = finding_new(fs, "bad-boot-param", SEV_WARNING, "Boot parameters that the kernel rejects or ignores");
		const struct cmdline_param *cp = h->has_cmdline ? cmdline_get(&h->cmdline, "amd_iommu") : NULL;
		if (cp)
			finding_evidence(fs, f, "cmdline", "%s", cp->raw);
		finding_evidence(fs, f, "dmesg", "%s", e->text);
	}
	if (h->has_cmdline) {
		static const char *const amd_valid[] = { "off", "force_enable", "force_isolation", "pgtbl_v1", "pgtbl_v2",
							 "irtcachedis", "nohugepages", "v2_pgsizes_only", "fullflush", NULL };
		if (!f || !klog_find(&h->klog, KLOG_AMDVI_UNKNOWN_OPTION))
			check_values(h, fs, &f, "amd_iommu", amd_valid,
				     "the AMD IOMMU is on by default; 'amd_iommu=on' is a common copy-paste from Intel guides");
		static const char *const intremap_valid[] = { "on", "off", "nosid", "no_x2apic_optout", "nopost", "posted_msi", NULL };
		check_values(h, fs, &f, "intremap", intremap_valid, NULL);
		static const char *const iommu_valid[] = { "pt", "nopt", "off", "force", "noforce", "biomerge", "nobypass",
							   "merge", "nomerge", "soft", "allowdac", "nodac", "usedac", "panic",
							   "nopanic", "forcesac", "noagp", "noaperture", "memaper", "calgary", "bypass", NULL };
		check_values(h, fs, &f, "iommu", iommu_valid, NULL);
		const struct cmdline_param *ip = cmdline_get(&h->cmdline, "intel_iommu");
		const char *raw;
		if (host_iommu_param(h, "intel_iommu", NULL, &raw) == PARAM_OTHER_VENDOR) {
			if (!f)
				f = finding_new(fs, "bad-boot-param", SEV_WARNING, "Boot parameters that the kernel rejects or ignores");
			finding_evidence(fs, f, "cmdline", "%s on an AMD host: it has no effect (the AMD IOMMU driver reads amd_iommu=)", raw);
		}
		if (host_iommu_param(h, "amd_iommu", NULL, &raw) == PARAM_OTHER_VENDOR) {
			if (!f)
				f = finding_new(fs, "bad-boot-param", SEV_WARNING, "Boot parameters that the kernel rejects or ignores");
			finding_evidence(fs, f, "cmdline", "%s on an Intel host: it has no effect (VT-d reads intel_iommu=)", raw);
		}
		/* intel_iommu=on only echoes "DMAR: IOMMU enabled"; without a DMAR table (no
		 * "Host address width"/DRHD lines in a complete boot log) there is nothing to enable. */
		if (ip && cmdline_has_word(&h->cmdline, "intel_iommu", "on") && h->klog.has_boot_start &&
		    !klog_find(&h->klog, KLOG_DMAR_TABLE) && !klog_find(&h->klog, KLOG_DMAR_UNIT) && !p->firmware_dmar) {
			if (!f)
				f = finding_new(fs, "bad-boot-param", SEV_WARNING, "Boot parameters that the kernel rejects or ignores");
			finding_evidence(fs, f, "cmdline", "%s has no effect: the firmware has no DMAR table (the boot log has no "
					 "\"DMAR: Host address width\" or DRHD lines)%s", ip->raw,
					 p->is_virtual ? "; this is a VM: its hypervisor offers no virtual IOMMU" : "");
		}
		if (cmdline_get(&h->cmdline, "noirqbalance")) {
			if (!f)
				f = finding_new(fs, "bad-boot-param", SEV_WARNING, "Boot parameters that the kernel rejects or ignores");
			finding_evidence(fs, f, "cmdline", "noirqbalance: obsolete, no kernel handles it; it is passed to init and does not stop the irqbalance daemon");
		}
	}
	const struct klog_event *u = klog_find(&h->klog, KLOG_UNKNOWN_PARAMS);
	if (u && u->arg) {
		static const char *const topics[] = { "iommu", "irq", "intremap", "msi", "apic", "isol", "nohz", NULL };
		bool rel = false;
		for (const char *const *t = topics; *t; t++)
			if (strstr(u->arg, *t))
				rel = true;
		if (rel) {
			if (!f)
				f = finding_new(fs, "bad-boot-param", SEV_WARNING, "Boot parameters that the kernel rejects or ignores");
			finding_evidence(fs, f, "dmesg", "%s", u->text);
		}
	}
	if (!f)
		return;
	finding_meaning(fs, f, "The setting the operator meant to make is not in effect: the host runs with the "
			"defaults while its configuration suggests otherwise.");
	finding_decision(fs, f, "Correct or remove each parameter listed.");
	/* Remove every parameter named by a cmdline evidence line (each begins with the
	 * parameter as written); on Intel, what amd_iommu= meant is intel_iommu=on. */
	const char *del[16], *add[2] = { NULL, NULL };
	int ndel = 0;
	for (int i = 0; i < h->cmdline.nparams && ndel < 15; i++) {
		const struct cmdline_param *cp = &h->cmdline.params[i];
		size_t n = strlen(cp->raw);
		bool named = false;
		for (int k = 0; k < f->nevidence && !named; k++)
			named = !strcmp(f->evidence[k].key, "cmdline") && !strncmp(f->evidence[k].value, cp->raw, n) &&
				strchr(": ", f->evidence[k].value[n]);
		for (int k = 0; named && k < ndel; k++)
			named = strcmp(del[k], cp->raw) != 0;
		if (named)
			del[ndel++] = cp->raw;
	}
	del[ndel] = NULL;
	bool amd_param = false;
	for (int k = 0; k < ndel; k++)
		amd_param |= !strncmp(del[k], "amd_iommu=", 10) && strcmp(del[k], "amd_iommu=off");
	if (intel && !amd && amd_param && !cmdline_get(&h->cmdline, "intel_iommu"))
		add[0] = "intel_iommu=on";
	if (!fix_boot_params(h, fs, f, add, del))
		finding_note(fs, f, "Correct the parameters named in the kernel log where the boot loader keeps them.");
}
