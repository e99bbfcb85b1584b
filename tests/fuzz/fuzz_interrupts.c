/*
 * /proc/interrupts (src/parse/interrupts.c), fed line by line the way
 * src/model/build_irqs.c:pi_stream_read()/add_row() do: the first non-blank line may be
 * the CPU header (its count fixes the columns), else the first row with counts does;
 * counts go into an array of exactly that many columns.
 */
#include "fuzz.h"

#include "parse/interrupts.h"

static void row(struct slice line, int *ncols)
{
	int ncpus = *ncols;
	int cap = ncpus > 0 ? ncpus : 4096;
	uint32_t *counts = malloc((size_t)cap * sizeof(uint32_t));
	FUZZ_CHECK(counts);
	struct pi_row r;
	if (pi_parse_row(line, ncpus, counts, cap, &r)) {
		free(counts);
		return;
	}
	const char *b = line.p;
	size_t n = line.n;
	FUZZ_CHECK(r.name.n && fuzz_within(r.name, b, n));
	FUZZ_CHECK(r.ncounts >= 0 && (ncpus < 0 || r.ncounts <= ncpus));
	FUZZ_CHECK(fuzz_within(r.chip, b, n) && fuzz_within(r.hwirq, b, n) && fuzz_within(r.trigger, b, n));
	FUZZ_CHECK(fuzz_within(r.flow, b, n) && fuzz_within(r.actions, b, n) && fuzz_within(r.desc, b, n));
	if (r.is_numeric)
		FUZZ_CHECK(r.irq >= 0);
	uint64_t sum = 0;
	for (int i = 0; i < r.ncounts && i < cap; i++)
		sum += counts[i];
	if (r.ncounts <= cap)
		FUZZ_CHECK(sum == r.total);
	if (ncpus < 0 && r.ncounts)
		*ncols = r.ncounts > cap ? cap : r.ncounts;

	struct pi_chip_info ci;
	pi_classify_chip(r.chip, &ci);
	FUZZ_CHECK(fuzz_within(ci.bdf, b, n));
	uint64_t hw;
	if (r.hwirq.n && slice_u64(r.hwirq, 10, &hw)) {
		char bdf[16];
		unsigned idx;
		pi_decode_msi_hwirq(hw, bdf, &idx);
		FUZZ_CHECK(strlen(bdf) < sizeof(bdf) && idx < 0x800);
	}
	struct slice acts = r.actions, a;
	int na = 0;
	while (pi_next_action(&acts, &a)) {
		FUZZ_CHECK(fuzz_within(a, b, n));
		FUZZ_CHECK(++na <= (int)n + 1);
	}
	free(counts);
}

/* The line feeder both readers share: runs of whole lines, in order, nothing lost
 * but the lines too long for the buffer. */
struct fed {
	char *out;
	size_t n;
	bool ended;	/* a run without a final newline came: only the last may */
};

static void fed_run(void *ctx, const char *text, size_t n)
{
	struct fed *f = ctx;
	FUZZ_CHECK(n && !f->ended);
	if (text[n - 1] != '\n')
		f->ended = true;
	memcpy(f->out + f->n, text, n);
	f->n += n;
}

static void feeder(const uint8_t *data, size_t size, bool skip)
{
	struct fed f = { .out = malloc(size ? size : 1) };
	FUZZ_CHECK(f.out);
	struct pi_feeder pf = { .chunk = 16, .max_line = 64, .skip_overlong = skip };
	size_t step = 1 + (size ? data[0] % 13 : 0), off = 0;
	int r;
	for (;;) {
		char *p;
		size_t room;
		if ((r = pi_feeder_space(&pf, &p, &room)) < 0)
			break;
		FUZZ_CHECK(room > 0 && pf.cap <= 64);
		size_t n = size - off < room ? size - off : room;
		if (n > step)
			n = step;
		memcpy(p, data + off, n);
		off += n;
		pi_feeder_commit(&pf, n, fed_run, &f);
		if (!n)
			break;
	}
	FUZZ_CHECK(r == 0 || (r == -E2BIG && !skip));
	FUZZ_CHECK(f.n <= size);
	if (!r && !pf.overlong)
		FUZZ_CHECK(f.n == size && !memcmp(f.out, data, size));
	free(pf.buf);
	free(f.out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	feeder(data, size, true);
	feeder(data, size, false);

	/* One copy, so that the lines are slices of a buffer that ends where the input does. */
	char *buf = malloc(size ? size : 1);
	FUZZ_CHECK(buf);
	memcpy(buf, data, size);
	struct slice all = { buf, size }, line;
	int ncols = -1;
	int started = 0;
	while (slice_line(&all, &line)) {
		if (!started) {
			if (!slice_trim(line).n)
				continue;
			started = 1;
			if (pi_is_header(line)) {
				/* build_irqs takes the count even when a later token is bad. */
				int n = 0, n2 = 0;
				int rc = pi_parse_header(line, NULL, 0, &n);
				FUZZ_CHECK(n >= 0 && (rc || n > 0));
				int *ids = malloc((size_t)(n ? n : 1) * sizeof(int));
				FUZZ_CHECK(ids);
				FUZZ_CHECK(pi_parse_header(line, ids, n, &n2) == rc && n2 == n);
				for (int i = 0; i < n; i++)
					FUZZ_CHECK(ids[i] >= 0 && ids[i] <= 65535);
				/* A smaller array than the header needs: the count still comes back. */
				int one[1];
				FUZZ_CHECK(pi_parse_header(line, one, 1, &n2) == rc && n2 == n && (!n || one[0] == ids[0]));
				free(ids);
				ncols = n;
				continue;
			}
		}
		row(line, &ncols);
	}
	free(buf);
	return 0;
}
