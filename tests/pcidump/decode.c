/*
 * Runs irqsight's PCI config-space decoder (src/parse/pci_config.c) on every device of an
 * `lspci -x`/`-xxx`/`-xxxx` hex dump and prints one line per device:
 *
 *   DDDD:BB:DD.F len=N msi=yes|no|unknown [msi_enable=+|- msi_count=E/C]
 *                msix=yes|no|unknown [msix_enable=+|- msix_count=N msix_masked=+|-] broken=0|1
 *
 * The dump is read the way pciutils' lib/dump.c reads it (what `lspci -F FILE` sees): a line
 * "BB:DD.F ", "DDDD:BB:DD.F " or "DDDDD:BB:DD.F " starts a device, an empty line ends it,
 * "OFF: xx xx ..." lines fill its bytes; bytes never written read 0xff and the readable
 * length is one past the highest byte written. Used by tests/stages/17-pcidump.sh.
 * Exit status: 0, 1 on a malformed dump, 2 on usage or I/O errors.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/pci_config.h"

#define CFG_MAX 4096

struct dev {
	unsigned dom, bus, slot, fn;
	size_t len;
	uint8_t cfg[CFG_MAX];
};

static int matches(const char *s, const char *fmt)
{
	for (; *fmt; fmt++, s++)
		if (*fmt == '#' ? !isxdigit((unsigned char)*s) : *fmt != *s)
			return 0;
	return 1;
}

static const char *pm(bool b)
{
	return b ? "+" : "-";
}

static const char *tri_word(enum tri t)
{
	return t == TRI_YES ? "yes" : t == TRI_NO ? "no" : "unknown";
}

static void emit(const struct dev *d)
{
	struct pci_cfg c;
	if (parse_pci_config(d->cfg, d->len, &c) < 0) {
		printf("%04x:%02x:%02x.%u len=%zu header=unknown\n", d->dom, d->bus, d->slot, d->fn,
		       d->len);
		return;
	}
	printf("%04x:%02x:%02x.%u len=%zu msi=%s", d->dom, d->bus, d->slot, d->fn, d->len,
	       tri_word(c.has_msi));
	if (c.has_msi == TRI_YES)
		printf(" msi_offset=%02x msi_enable=%s msi_count=%u/%u", c.msi_offset,
		       pm(c.msi_enabled), c.msi_vectors_enabled, c.msi_vectors_capable);
	printf(" msix=%s", tri_word(c.has_msix));
	if (c.has_msix == TRI_YES)
		printf(" msix_offset=%02x msix_enable=%s msix_count=%u msix_masked=%s", c.msix_offset,
		       pm(c.msix_enabled), c.msix_table_size, pm(c.msix_function_masked));
	printf(" broken=%d\n", c.cap_list_broken ? 1 : 0);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s LSPCI-X-DUMP\n", argv[0]);
		return 2;
	}
	FILE *f = fopen(argv[1], "r");
	if (!f) {
		perror(argv[1]);
		return 2;
	}
	static struct dev d;
	bool have = false;
	char buf[512];
	unsigned lineno = 0;
	while (fgets(buf, sizeof(buf), f)) {
		lineno++;
		char *nl = strchr(buf, '\n');
		if (!nl) {
			fprintf(stderr, "%s:%u: line too long or unterminated\n", argv[1], lineno);
			fclose(f);
			return 1;
		}
		*nl = 0;
		if (nl > buf && nl[-1] == '\r')
			nl[-1] = 0;
		unsigned dom = 0, bus, slot, fn;
		if ((matches(buf, "##:##.# ") && sscanf(buf, "%x:%x.%u", &bus, &slot, &fn) == 3) ||
		    ((matches(buf, "####:##:##.# ") || matches(buf, "#####:##:##.# ")) &&
		     sscanf(buf, "%x:%x:%x.%u", &dom, &bus, &slot, &fn) == 4)) {
			if (have)
				emit(&d);
			memset(&d, 0, sizeof(d));
			memset(d.cfg, 0xff, sizeof(d.cfg));
			d.dom = dom, d.bus = bus, d.slot = slot, d.fn = fn;
			have = true;
			continue;
		}
		if (!buf[0]) {
			if (have)
				emit(&d);
			have = false;
			continue;
		}
		const char *colon = strchr(buf, ':');
		size_t ndig = colon ? (size_t)(colon - buf) : 0;
		if (!have || ndig < 2 || ndig > 8 || colon[1] != ' ')
			continue;	/* text (lspci -vv lines, headers): ignored, as lib/dump.c does */
		bool hex = true;
		for (size_t i = 0; i < ndig; i++)
			hex = hex && isxdigit((unsigned char)buf[i]);
		if (!hex)
			continue;
		unsigned long off = strtoul(buf, NULL, 16);
		const char *z = colon + 2;
		while (isxdigit((unsigned char)z[0]) && isxdigit((unsigned char)z[1]) &&
		       (!z[2] || z[2] == ' ')) {
			if (off >= CFG_MAX) {
				fprintf(stderr, "%s:%u: offset past 4096\n", argv[1], lineno);
				fclose(f);
				return 1;
			}
			char b[3] = { z[0], z[1], 0 };
			d.cfg[off++] = (uint8_t)strtoul(b, NULL, 16);
			if (off > d.len)
				d.len = off;
			z += 2;
			if (*z)
				z++;
		}
		if (*z) {
			fprintf(stderr, "%s:%u: malformed hex line\n", argv[1], lineno);
			fclose(f);
			return 1;
		}
	}
	if (have)
		emit(&d);
	fclose(f);
	return 0;
}
