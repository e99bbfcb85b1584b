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

static char *script_json(const char *json)
{
	struct buf b = { 0 };
	html_script_json(&b, json, strlen(json));
	return b.data ? b.data : strdup("");
}

TEST(html_script_json_escapes_script_end)
{
	/* a device name, a kernel log line and a command line as a host could hold them,
	 * as a JSON writer (ours: <, >, & and U+2028 left as they are) wrote them */
	char *s = script_json("{\"name\":\"</script><img src=x onerror=alert(1)>\",\"log\":\"a & b <!-- c\","
			      "\"cmd\":\"x=\\\"1\\\" 'y'\",\"sep\":\"\xe2\x80\xa8\xe2\x80\xa9\"}");
	CHECK(!strchr(s, '<'));
	CHECK(!strchr(s, '>'));
	CHECK(!strchr(s, '&'));
	CHECK(!strstr(s, "\xe2\x80"));
	CHECK(strstr(s, "\\u003c/script\\u003e\\u003cimg") != NULL);
	CHECK(strstr(s, "a \\u0026 b \\u003c!-- c") != NULL);
	CHECK(strstr(s, "x=\\\"1\\\" 'y'") != NULL);	/* escapes inside strings kept as they were */
	CHECK(strstr(s, "\"\\u2028\\u2029\"") != NULL);
	free(s);
	/* nothing else changes: JSON without those characters comes out byte for byte */
	s = script_json("{\"k\":[1,-2.5e3,true,null,{}],\"\xc3\xa9\":\"\\u003c\"}");
	CHECK_STR(s, "{\"k\":[1,-2.5e3,true,null,{}],\"\xc3\xa9\":\"\\u003c\"}");
	free(s);
	/* a cut separator at the end is copied, not read past */
	s = script_json("\"\xe2\x80");
	CHECK_STR(s, "\"\xe2\x80");
	free(s);
}

TEST(html_page_escapes_title_and_data)
{
	struct html_input in = { .title = "h<1>&\"",
				 .check_json = "{\"findings\":[{\"title\":\"</script>\"}]}",
				 .fix_json = "{\"texts\":{\"plan\":\"<!-- x\"}}",
				 .version = "0" };
	in.fix_len = strlen(in.fix_json);
	in.check_len = strlen(in.check_json);
	in.lat_json[0] = "{\"schema\": \"irqsight-latency\", \"cpus\": []}";
	in.lat_len[0] = strlen(in.lat_json[0]);
	in.lat_name[0] = "before</script>\".json";
	struct buf b = { 0 };
	render_html(&in, &b);
	CHECK(strstr(b.data, "<title>irqsight report: h&lt;1&gt;&amp;&quot;</title>") != NULL);
	/* the only "</script" are the ends of our own elements: check, lat0, fix, meta, the code */
	int n = 0;
	for (const char *p = b.data; (p = strstr(p, "</script")); p++)
		n++;
	CHECK_INT(n, 5);
	CHECK(!strstr(b.data, "<!-- x"));
	CHECK(strstr(b.data, "\"trimmed\":false") != NULL);
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
