/* render/html.c: every host string reaches the page escaped (issue 21): element text and
 * attributes as entities, embedded JSON with no way out of its <script> element. */
#include "t.h"

#include <errno.h>
#include <stdlib.h>

#include "render/html.h"
#include "util/buf.h"
#include "util/progress.h"

static char *esc(const char *s)
{
	struct buf b = { 0 };
	html_escape(&b, s, strlen(s));
	return b.data ? b.data : strdup("");
}

TEST(html_escape_entities)
{
	char *s = esc("eth0<x> & \"q\" 'a'");
	CHECK_STR(s, "eth0&lt;x&gt; &amp; &quot;q&quot; &#39;a&#39;");
	free(s);
	s = esc("</script><script>alert(1)</script>");
	CHECK(!strstr(s, "<"));
	free(s);
}

static char *embed(const char *json, bool trim, int *rc)
{
	struct buf b = { 0 };
	*rc = html_embed_json(&b, json, strlen(json), trim);
	return b.data ? b.data : strdup("");
}

TEST(html_embed_json_escapes_script_end)
{
	int rc;
	/* a device name, a kernel log line and a command line as a host could hold them */
	char *s = embed("{\"name\": \"</script><img src=x onerror=alert(1)>\",\n \"log\": \"a & b <!-- c\","
			" \"cmd\": \"x=\\\"1\\\" 'y'\", \"sep\": \"\xe2\x80\xa8\"}",
			false, &rc);
	CHECK_INT(rc, 0);
	CHECK(!strchr(s, '<'));
	CHECK(!strchr(s, '>'));
	CHECK(!strchr(s, '&'));
	CHECK(strstr(s, "\\u003c/script\\u003e") != NULL);
	CHECK(strstr(s, "a \\u0026 b \\u003c!-- c") != NULL);
	CHECK(strstr(s, "x=\\\"1\\\" 'y'") != NULL);	/* escapes inside strings kept as they were */
	CHECK(strstr(s, "\\u2028") != NULL);
	CHECK(!strchr(s, '\n'));			/* compacted */
	free(s);
}

TEST(html_embed_json_keys_and_refusals)
{
	int rc;
	char *s = embed("{\"<k>\": [1, -2.5e3, true, null, {}], \"e\": []}", false, &rc);
	CHECK_INT(rc, 0);
	CHECK_STR(s, "{\"\\u003ck\\u003e\":[1,-2.5e3,true,null,{}],\"e\":[]}");
	free(s);
	s = embed("{\"a\": \"unterminated}", false, &rc);
	CHECK_INT(rc, -EINVAL);
	free(s);
	s = embed("{\"a\": 1} trailing", false, &rc);
	CHECK_INT(rc, -EINVAL);
	free(s);
	s = embed("{\"a\": \"tab\there\"}", false, &rc);	/* a raw control character */
	CHECK_INT(rc, -EINVAL);
	free(s);
	s = embed("[truex]", false, &rc);
	CHECK_INT(rc, -EINVAL);
	free(s);
	s = embed("<script>", false, &rc);
	CHECK_INT(rc, -EINVAL);
	free(s);
}

TEST(html_embed_json_trims_irq_rows_only)
{
	int rc;
	char *s = embed(
		"{\"irqs\": [{\"name\": \"41\", \"flow\": \"edge\", \"per_cpu\": {\"0\": 5}, \"managed_why\": \"x\"}],"
		" \"devices\": [{\"flow\": \"kept\"}]}",
		true, &rc);
	CHECK_INT(rc, 0);
	CHECK_STR(s, "{\"irqs\":[{\"name\":\"41\",\"per_cpu\":{\"0\":5}}],\"devices\":[{\"flow\":\"kept\"}]}");
	free(s);
}

TEST(html_page_escapes_title_and_data)
{
	struct html_input in = { .title = "h<1>&\"",
				 .check_json = "{\"findings\": [{\"title\": \"</script>\"}]}",
				 .version = "0" };
	in.check_len = strlen(in.check_json);
	in.lat_json[0] = "{\"schema\": \"irqsight-latency\", \"cpus\": []}";
	in.lat_len[0] = strlen(in.lat_json[0]);
	in.lat_name[0] = "before</script>\".json";
	struct buf b = { 0 };
	bool trimmed;
	CHECK_INT(render_html(&in, &b, &trimmed), 0);
	CHECK(!trimmed);
	CHECK(strstr(b.data, "<title>irqsight report: h&lt;1&gt;&amp;&quot;</title>") != NULL);
	/* the only "</script" are the ends of our own elements: check, lat0, meta, the code */
	int n = 0;
	for (const char *p = b.data; (p = strstr(p, "</script")); p++)
		n++;
	CHECK_INT(n, 4);
	CHECK(strstr(b.data, "before\\u003c/script\\u003e\\\".json") != NULL);
	CHECK(strstr(b.data, "default-src 'none'") != NULL);
	CHECK(!strstr(b.data, "src=\"http") && !strstr(b.data, "href=\"http"));
	buf_free(&b);
}

TEST(progress_line)
{
	char line[128];
	progress_format(line, sizeof(line), "latency", 4, 10);
	CHECK_STR(line, "latency: 40% 6 s left");
	progress_format(line, sizeof(line), "latency", 12, 10);
	CHECK_STR(line, "latency: 99% 1 s left");
	progress_format(line, sizeof(line), "latency", 0, 600);
	CHECK_STR(line, "latency: 0% 10 min left");
}
