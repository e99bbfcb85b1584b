/* irqsight report: the page's drawing (src/render/report.js, embedded by gen-assets.sh).
 * Reads the JSON data elements of the page (check, lat0, lat1, meta), builds the DOM
 * with textContent only (host strings are never parsed as HTML), and writes what it drew
 * into the selftest element for tests/stages/82-report.sh. */
(function () {
'use strict';
var t0 = performance.now();
var st = { ok: false, errors: [], findings: null, heat_rows: 0, heat_cpus: 0, heat_cells: 0,
	   expected_cells: 0, heat_grouped: false, bars: 0, latency_files: 0, devices: 0,
	   hist_cpus: 0, hist_bars: 0, hist_marks: 0, fix: null, render_ms: null };
window.addEventListener('error', function (e) { st.errors.push(String(e.message)); done(); });
function done() { st.render_ms = Math.round((performance.now() - t0) * 10) / 10;
	/* from navigation start: reading and parsing the file too */
	st.page_ms = Math.round(performance.now() * 10) / 10;
	/* anything the page loaded besides itself (blocked by the CSP anyway) */
	st.resources = performance.getEntriesByType('resource').length;
	document.getElementById('selftest').textContent = JSON.stringify(st); }
function data(id) { var e = document.getElementById(id); return e ? JSON.parse(e.textContent) : null; }
function el(tag, attrs, kids) {
	var e = document.createElement(tag), k;
	for (k in attrs || {}) {
		if (k === 'text') e.textContent = attrs[k];
		else if (k === 'cls') e.className = attrs[k];
		else e.setAttribute(k, attrs[k]);
	}
	(kids || []).forEach(function (c) { if (c != null) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
	return e;
}
function add(parent, tag, attrs, kids) { var e = el(tag, attrs, kids); parent.appendChild(e); return e; }
function s(v) { return v == null ? '\u2014' : String(v); }
function fmt(n) { if (n == null) return '\u2014'; if (n >= 1e9) return (n / 1e9).toFixed(1) + 'G';
	if (n >= 1e6) return (n / 1e6).toFixed(1) + 'M'; if (n >= 1e4) return (n / 1e3).toFixed(0) + 'k';
	return String(Math.round(n * 10) / 10); }
function table(parent, head, rows) {
	var t = add(parent, 'table'), tr = add(add(t, 'thead'), 'tr'), tb = add(t, 'tbody');
	head.forEach(function (h) { add(tr, 'th', { text: h, scope: 'col' }); });
	rows.forEach(function (r) { var row = add(tb, 'tr'); r.forEach(function (c) { add(row, 'td', { text: s(c) }); }); });
	return t;
}
function copy(text, btn) {
	function ok() { btn.textContent = 'Copied'; setTimeout(function () { btn.textContent = 'Copy'; }, 1500); }
	function fallback() {
		var ta = el('textarea'); ta.value = text; document.body.appendChild(ta); ta.select();
		try { document.execCommand('copy'); ok(); } catch (e) { btn.textContent = 'Select and copy'; }
		ta.remove();
	}
	if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).then(ok, fallback);
	else fallback();
}

var check = data('check'), rates = data('rates'), meta = data('meta') || {}, lats = [data('lat0'), data('lat1')].filter(Boolean);
var fix = data('fix');
var main = document.getElementById('main');

/* ---- header ---- */
var hdr = document.getElementById('hdr');
if (check) {
	var sm = check.summary || {}, code = { ok: 0, warning: 1, critical: 2, unknown: 3 }[sm.status];
	if (code == null) code = 3;
	var p = check.platform || {}, h = check.host || {};
	add(hdr, 'p', {}, [el('span', { cls: 'verdict v' + code, text: (sm.status || 'unknown').toUpperCase() + ' (exit ' + code + ')' }),
		' ' + s(sm.critical) + ' critical, ' + s(sm.warning) + ' warning, ' + s(sm.info) + ' info' +
		(sm.unknown_reason ? ' \u2014 ' + sm.unknown_reason : '')]);
	add(hdr, 'p', { cls: 'meta', text: 'Kernel ' + s(p.kernel) + ' (' + s(p.arch) + ')' +
		(p.virtual_machine ? ', a virtual machine' : '') + ' \u00b7 ' + (h.live ? 'live' : 'snapshot ' + s(h.root)) +
		' \u00b7 ' + (h.time ? new Date(h.time * 1000).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : (meta.generated || 'no time (snapshot)')) +
		' \u00b7 ' + ((check.cpus && check.cpus.per_cpu) ? check.cpus.per_cpu.length : 0) + ' CPUs, ' +
		(check.irqs ? check.irqs.length : 0) + ' IRQ rows, ' + (check.devices ? check.devices.length : 0) + ' devices' +
		(h.sample_seconds ? ', sampled ' + h.sample_seconds + ' s' : ', counts since boot') });
}
if (meta.trimmed) add(hdr, 'p', { cls: 'small', text: 'This host is large: the embedded IRQ rows keep only the keys this page draws (irqsight --json check has them all).' });

/* ---- a fix bundle: its verdict and what changed (docs/report.md, "Bundles") ---- */
function dur(v) { return v < 60 ? (Math.round(v * 10) / 10) + ' s' : Math.floor(v / 60) + ' min ' + Math.round(v % 60) + ' s'; }
function fixSummary(fx) {
	var sec = add(main, 'section', { id: 'fix', 'aria-labelledby': 'h-fix' });
	var sum = (fx.summary && typeof fx.summary === 'object') ? fx.summary : {}, used = {}, f = { verdict: null, elapsed_s: null, pairs: 0, rate_pairs: 0, texts: 0 };
	add(sec, 'h2', { id: 'h-fix', text: 'Fix' });
	if (!fx.summary) add(sec, 'p', { text: 'The bundle has no summary.json.' });
	if (typeof sum.verdict === 'string') {
		f.verdict = sum.verdict; used.verdict = 1;
		var vc = /worse/i.test(sum.verdict) ? 2 : /better/i.test(sum.verdict) ? 0 : 1;
		add(sec, 'p', {}, ['Verdict: ', el('span', { cls: 'verdict v' + vc, id: 'fix-verdict', text: sum.verdict })]);
	}
	/* elapsed: fix's own key names are its business; seconds unless the key says ms */
	['elapsed_s', 'elapsed', 'elapsed_seconds', 'elapsed_ms'].some(function (k) {
		if (typeof sum[k] !== 'number') return false;
		f.elapsed_s = k === 'elapsed_ms' ? sum[k] / 1000 : sum[k]; used[k] = 1;
		add(sec, 'p', { id: 'fix-elapsed', text: 'Elapsed: ' + dur(f.elapsed_s) });
		return true;
	});
	/* before/after pairs anywhere in the summary: {"before": x, "after": y} or x_before/x_after */
	var pairs = [], other = [];
	function scalar(v) { return v === null || typeof v !== 'object'; }
	function walk(o, path, depth) {
		/* fix's measurement windows: {"before": {...}, "after": {...}} pair key by key */
		var win = o.before && o.after && typeof o.before === 'object' && typeof o.after === 'object' &&
			!Array.isArray(o.before) && !Array.isArray(o.after);
		if (win) Object.keys(o.before).forEach(function (k) {
			var p = path ? path + '.' + k : k;
			if (scalar(o.before[k]) && k in o.after && scalar(o.after[k])) pairs.push([p, o.before[k], o.after[k]]);
			else other.push([p + ' (before)', s(o.before[k])]);
		});
		Object.keys(o).forEach(function (k) {
			var v = o[k], p = path ? path + '.' + k : k;
			if (!path && used[k]) return;
			if (win && (k === 'before' || k === 'after')) return;
			if (v && typeof v === 'object' && !Array.isArray(v)) {
				if ('before' in v && 'after' in v && typeof v.before !== 'object' && typeof v.after !== 'object') {
					pairs.push([p, v.before, v.after]);
					Object.keys(v).forEach(function (x) { if (x !== 'before' && x !== 'after') other.push([p + '.' + x, v[x]]); });
				} else if (depth < 3) walk(v, p, depth + 1);
				return;
			}
			var m = /^(.*)_before$/.exec(k);
			if (m && (m[1] + '_after') in o) { pairs.push([path ? path + '.' + m[1] : m[1], v, o[m[1] + '_after']]); return; }
			if (/_after$/.test(k) && (k.replace(/_after$/, '_before')) in o) return;
			other.push([p, Array.isArray(v) ? v.join(', ') : v]);
		});
	}
	walk(sum, '', 0);
	function isRate(p) { return /irq|interrupt/i.test(p) && /rate|per_s|\/s/i.test(p); }
	pairs.sort(function (a, b) { return isRate(b[0]) - isRate(a[0]); });
	function ch(b, a) { if (typeof b !== 'number' || typeof a !== 'number' || !b) return '\u2014';
		var c = (a - b) * 100 / b; return (Math.abs(c) >= 99.5 && a ? c.toFixed(1) : Math.round(c)) + '%'; }
	var rows = pairs.map(function (x) { if (isRate(x[0])) f.rate_pairs++; return [x[0] + (isRate(x[0]) ? ' (interrupts per second)' : ''), x[1], x[2], ch(x[1], x[2])]; });
	var b = fx.before, a = check;
	if (b && a) {
		var fs = function (c, n) { var m = c.summary || {}; return n + ' (' + s(m.critical) + ' critical, ' + s(m.warning) + ' warning, ' + s(m.info) + ' info; ' + s(m.status) + ')'; };
		rows.push(['findings', fs(b, b.findings), fs(a, (a.findings || []).length), ch(b.findings, (a.findings || []).length)]);
	}
	f.pairs = rows.length;
	if (rows.length) { add(sec, 'h3', { text: 'Before \u2192 after' }); table(sec, ['What', 'Before', 'After', 'Change'], rows).id = 'fix-pairs'; }
	if (other.length) { add(sec, 'h3', { text: 'More from summary.json' }); table(sec, ['Field', 'Value'], other); }
	var texts = fx.texts || {};
	Object.keys(texts).forEach(function (k) {
		add(sec, 'details', {}, [el('summary', { text: k + ' (' + String(texts[k]).split('\n').length + ' lines)' }), el('pre', { cls: 'mono filetext', text: texts[k] })]);
		f.texts++;
	});
	add(sec, 'p', { cls: 'small', text: 'From the fix bundle ' + s(fx.dir) + ': the findings and the heat map below are the check after the fix' +
		(lats.length > 1 ? ', the latency compares the runs before and after it.' : '.') });
	st.fix = f;
}

/* ---- findings ---- */
function findings(fs) {
	var sec = add(main, 'section', { id: 'findings', 'aria-labelledby': 'h-find' });
	add(sec, 'h2', { id: 'h-find', text: (fix ? 'Findings after the fix (' : 'Findings (') + fs.length + ')' });
	var n = 0;
	fs.forEach(function (f) {
		var d = add(sec, 'details', { cls: 'finding ' + f.severity, open: '' });
		n++;
		add(d, 'summary', {}, [el('span', { cls: 'sev', text: '[' + f.severity + ']' }), f.title + ' ', el('span', { cls: 'small mono', text: f.id })]);
		if (f.evidence && f.evidence.length) {
			add(d, 'h3', { text: 'Evidence' });
			/* the first 8 like the text report; the rest one click away */
			var ev = f.evidence.map(function (e) { return [e.key, e.value]; });
			table(d, ['What', 'Seen'], ev.slice(0, 8));
			if (ev.length > 8) table(add(d, 'details', {}, [el('summary', { text: 'and ' + (ev.length - 8) + ' more' })]), ['What', 'Seen'], ev.slice(8));
		}
		if (f.meaning) { add(d, 'h3', { text: 'Meaning' }); add(d, 'p', { text: f.meaning }); }
		if (f.decision) { add(d, 'h3', { text: 'Decision' }); add(d, 'p', { text: f.decision }); }
		if ((f.fix && f.fix.length) || (f.notes && f.notes.length)) add(d, 'h3', { text: 'Fix' });
		(f.fix || []).forEach(function (c) {
			var b = el('button', { type: 'button', text: 'Copy', 'aria-label': 'Copy command: ' + c });
			b.addEventListener('click', function () { copy(c, b); });
			add(d, 'div', { cls: 'cmd' }, [el('code', { text: '$ ' + c }), b]);
		});
		(f.notes || []).forEach(function (t) { add(d, 'p', { cls: 'note', text: t }); });
	});
	st.findings = n;
}

/* ---- heat map ---- */
var ROW_LIMIT = 1024;
function heat(c) {
	var cpus = (c.cpus && c.cpus.per_cpu) || [], irqs = (c.irqs || []).filter(function (q) { return q.irq != null; });
	var sec = add(main, 'section', { id: 'heat', 'aria-labelledby': 'h-heat' });
	var rated = irqs.some(function (q) { return q.rate != null; });
	add(sec, 'h2', { id: 'h-heat', text: 'Interrupts per CPU' });
	if (!cpus.length || !irqs.length) { add(sec, 'p', { text: 'No IRQ rows to draw (' + s(c.summary && c.summary.unknown_reason) + ').' }); return; }
	/* columns: CPUs by node, then id */
	cpus = cpus.slice().sort(function (a, b) { return ((a.node == null ? 1e9 : a.node) - (b.node == null ? 1e9 : b.node)) || a.cpu - b.cpu; });
	var LBL = 210, colOf = {}, x = LBL, xs = [], cw = Math.max(2, Math.min(24, Math.floor(1040 / cpus.length))), gap = 4, lastNode, nodes = [];
	cpus.forEach(function (cp, i) {
		if (i && cp.node !== lastNode) x += gap;
		if (!i || cp.node !== lastNode) nodes.push({ node: cp.node, x: x });
		lastNode = cp.node; colOf[cp.cpu] = i; xs.push(x); x += cw;
	});
	/* rows: IRQs grouped by device (or by chip for IRQs of no PCI device) */
	var groups = {}, order = [];
	irqs.forEach(function (q) {
		var key = q.device ? q.device : 'no PCI device: ' + (q.chip || '?');
		if (!groups[key]) { groups[key] = []; order.push(key); }
		groups[key].push(q);
	});
	order.sort(function (a, b) { return (a.indexOf('no PCI') === 0) - (b.indexOf('no PCI') === 0) || (a < b ? -1 : a > b ? 1 : 0); });
	var grouped = irqs.length > ROW_LIMIT, rows = [];
	var devName = {};
	(c.devices || []).forEach(function (d) { devName[d.bdf] = (d.netdev || d.driver || '') + (d.irq_mode ? ' ' + d.irq_mode : ''); });
	order.forEach(function (key) {
		var qs = groups[key];
		if (grouped) {
			var pc = {}, rc = {}, tot = 0, rate = null;
			qs.forEach(function (q) { tot += q.total || 0; if (q.rate != null) rate = (rate || 0) + q.rate;
				for (var k in q.per_cpu) pc[k] = (pc[k] || 0) + q.per_cpu[k];
				var qr = (rates && rates[q.name]) || {};
				for (k in qr) rc[k] = (rc[k] || 0) + qr[k]; });
			rows.push({ label: key + ' ' + (devName[key] || '') + ' (' + qs.length + ' IRQs)', group: key, per_cpu: pc, cpu_rate: rc, total: tot, rate: rate,
				irqs: qs.map(function (q) { return q.irq; }) });
		} else qs.forEach(function (q) {
			rows.push({ label: q.irq + ' ' + (q.actions || []).join(',') + (q.device ? ' ' + q.device : ''), group: key, per_cpu: q.per_cpu || {},
				cpu_rate: (rates && rates[q.name]) || {},
				total: q.total, rate: q.rate, irqs: [q.irq], eff: q.effective_affinity, managed: q.managed });
		});
	});
	var rh = grouped ? 10 : 12, top = 34, W = x, H = top + rows.length * rh;
	/* the check JSON has one rate per IRQ; a live sampled report adds the per-CPU rates
	 * (the rates element), without which the map colours the counts since boot */
	var useRate = !!rates && rated, val = useRate ? 'cpu_rate' : 'per_cpu';
	add(sec, 'p', { cls: 'small', text: (useRate ? 'Colour: interrupts per second on each CPU over the ' + s(c.host && c.host.sample_seconds) + ' s sample' :
		'Colour: interrupts since boot on each CPU') +
		' (log scale; darker = more; empty = none). ' + rows.length + ' rows \u00d7 ' + cpus.length + ' CPUs. ' +
		(grouped ? 'This host has ' + irqs.length + ' IRQs (more than ' + ROW_LIMIT + '): each row adds up the IRQs of one device.' :
			'One row per IRQ, grouped by device.') + ' Hover or focus the map and use the arrow keys for details.' });
	var roleName = { vm: 'VM', isolated: 'isolated', housekeeping: 'housekeeping', other: 'other' };
	var lg = add(sec, 'p', { cls: 'legend' });
	[['vm', '#7b3fe4', 'VM (solid)'], ['isolated', '#0969da', 'isolated (striped)'], ['housekeeping', '#bbb', 'housekeeping (light)'], ['other', '#fff', 'other (blank)']].forEach(function (r) {
		add(lg, 'span', {}, [el('span', { cls: 'sw', style: 'background:' + r[1] }), r[2]]);
	});
	var wrap = add(sec, 'div', { id: 'heatwrap' });
	var cv = add(wrap, 'canvas', { width: W, height: H, tabindex: '0', role: 'img',
		'aria-label': 'Heat map of ' + rows.length + ' IRQ rows by ' + cpus.length + ' CPUs; arrow keys move, details below' });
	var g = cv.getContext('2d');
	/* role strip and node labels */
	g.font = '10px sans-serif'; g.fillStyle = '#000';
	nodes.forEach(function (n) { if (n.node != null) g.fillText('node ' + n.node, n.x, 9); });
	g.fillText('IRQ / device', 0, 30);
	var every = Math.max(1, Math.ceil(28 / cw));
	cpus.forEach(function (cp, i) { if (i % every === 0) g.fillText(String(cp.cpu), xs[i], 31); });
	cpus.forEach(function (cp, i) {
		var r = cp.role || 'other', y = 12;
		if (r === 'vm') { g.fillStyle = '#7b3fe4'; g.fillRect(xs[i], y, cw, 8); }
		else if (r === 'isolated') { g.fillStyle = '#0969da'; for (var k = 0; k < 8; k += 3) g.fillRect(xs[i], y + k, cw, 1.5); }
		else if (r === 'housekeeping') { g.fillStyle = '#bbb'; g.fillRect(xs[i], y, cw, 8); }
	});
	var max = 0;
	rows.forEach(function (r) { for (var k in r[val]) if (r[val][k] > max) max = r[val][k]; });
	var lmax = Math.log(1 + max) || 1, cells = 0;
	rows.forEach(function (r, ri) {
		var y = top + ri * rh;
		g.fillStyle = '#000'; g.font = (rh - 2) + 'px sans-serif';
		g.fillText(r.label.length > 34 ? r.label.slice(0, 33) + '\u2026' : r.label, 0, y + rh - 2, LBL - 6);
		for (var i = 0; i < cpus.length; i++) {
			var v = r[val][cpus[i].cpu] || 0;
			if (v) { var t = Math.log(1 + v) / lmax, l = Math.round(92 - t * 70);
				g.fillStyle = 'hsl(' + Math.round(50 - t * 50) + ',90%,' + l + '%)'; }
			else g.fillStyle = '#fafafa';
			g.fillRect(xs[i], y, cw - (cw > 3 ? 1 : 0), rh - 1);
			cells++;
		}
		if (ri && r.group !== rows[ri - 1].group && !grouped) { g.fillStyle = '#666'; g.fillRect(0, y - 1, W, 1); }
	});
	st.heat_rows = rows.length; st.heat_cpus = cpus.length; st.heat_cells = cells;
	st.expected_cells = rows.length * cpus.length; st.heat_grouped = grouped;
	var tip = document.getElementById('tip'), info = add(sec, 'p', { id: 'heatinfo', 'aria-live': 'polite', cls: 'mono', text: '\u00a0' });
	function detail(ri, ci) {
		var r = rows[ri], cp = cpus[ci], v = r.per_cpu[cp.cpu] || 0;
		var vmn = (cp.roles || []).filter(function (x) { return x.vm; }).map(function (x) { return x.vm; });
		return r.label + '\nCPU ' + cp.cpu + ' (node ' + s(cp.node) + ', ' + (roleName[cp.role] || s(cp.role)) + (vmn.length ? ': ' + vmn.join(',') : '') + ')' +
			'\n' + v + ' interrupts on this CPU since boot' + (r.total != null ? ' (of ' + r.total + ')' : '') +
			(useRate ? '\n' + fmt(r.cpu_rate[cp.cpu] || 0) + '/s on this CPU' : '') + (r.rate != null ? ', ' + fmt(r.rate) + '/s on all CPUs' : '') +
			(r.eff ? '\neffective affinity ' + r.eff : '') + (r.managed === 'yes' ? ' (kernel-managed)' : '');
	}
	function at(e) {
		var b = cv.getBoundingClientRect(), px = e.clientX - b.left, py = e.clientY - b.top, ri = Math.floor((py - top) / rh), ci = -1;
		for (var i = 0; i < xs.length; i++) if (px >= xs[i] && px < xs[i] + cw) { ci = i; break; }
		return ri >= 0 && ri < rows.length && ci >= 0 ? [ri, ci] : null;
	}
	cv.addEventListener('mousemove', function (e) {
		var p = at(e); if (!p) { tip.style.display = 'none'; return; }
		tip.textContent = detail(p[0], p[1]); tip.style.display = 'block';
		tip.style.left = (e.clientX + 14) + 'px'; tip.style.top = (e.clientY + 14) + 'px';
	});
	cv.addEventListener('mouseleave', function () { tip.style.display = 'none'; });
	var cur = [0, 0];
	cv.addEventListener('keydown', function (e) {
		var d = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] }[e.key];
		if (!d) return;
		e.preventDefault();
		cur = [Math.max(0, Math.min(rows.length - 1, cur[0] + d[0])), Math.max(0, Math.min(cpus.length - 1, cur[1] + d[1]))];
		info.textContent = detail(cur[0], cur[1]);
	});
	cv.addEventListener('focus', function () { info.textContent = detail(cur[0], cur[1]); });
	/* roles as text: readable without colour */
	var cs = c.cpus || {};
	table(sec, ['CPU role', 'CPUs'], [['VM (pinned vCPUs)', cs.vm || 'none'], ['isolated', cs.isolated || 'none'],
		['housekeeping', cs.housekeeping || 'none']]);
	var vms = (c.vms || []).map(function (v) { return [v.name, v.vmm, v.vcpus, v.vcpu_cpus]; });
	if (vms.length) table(sec, ['VM', 'VMM', 'vCPUs', 'on CPUs'], vms);
}

/* ---- per-CPU irq%/soft% bars (sampled runs) ---- */
function bars(c) {
	var cpus = (c.cpus && c.cpus.per_cpu) || [];
	if (!cpus.some(function (x) { return x.irq_pct != null || x.softirq_pct != null; })) return;
	var sec = add(main, 'section', { id: 'bars', 'aria-labelledby': 'h-bars' });
	add(sec, 'h2', { id: 'h-bars', text: 'Time in interrupts per CPU (sampled)' });
	var max = 1; cpus.forEach(function (x) { max = Math.max(max, (x.irq_pct || 0) + (x.softirq_pct || 0)); });
	var bw = Math.max(2, Math.min(16, Math.floor(1100 / cpus.length))), H = 120;
	var cv = add(sec, 'canvas', { width: bw * cpus.length, height: H + 14, role: 'img', tabindex: '0',
		'aria-label': 'irq% (solid) and softirq% (hatched) per CPU, up to ' + max.toFixed(1) + '%' });
	var g = cv.getContext('2d');
	cpus.forEach(function (x, i) {
		var a = (x.irq_pct || 0) / max * H, b = (x.softirq_pct || 0) / max * H;
		g.fillStyle = '#cf222e'; g.fillRect(i * bw, H - a, bw - 1, a);
		g.fillStyle = '#0969da'; for (var k = 0; k < b; k += 3) g.fillRect(i * bw, H - a - k - 1, bw - 1, 1.5);
		st.bars++;
	});
	add(sec, 'p', { cls: 'small', text: 'Solid: hardirq %; striped: softirq %; scale 0\u2013' + max.toFixed(1) + '% of each CPU.' });
	var busy = cpus.slice().sort(function (a, b) { return ((b.irq_pct || 0) + (b.softirq_pct || 0)) - ((a.irq_pct || 0) + (a.softirq_pct || 0)); }).slice(0, 8);
	table(sec, ['CPU', 'irq %', 'softirq %', 'role'], busy.map(function (x) { return [x.cpu, x.irq_pct, x.softirq_pct, x.role]; }));
}

/* ---- devices, platform ---- */
function devices(c) {
	var ds = c.devices || [], sec = add(main, 'section', { id: 'devices', 'aria-labelledby': 'h-dev' });
	add(sec, 'h2', { id: 'h-dev', text: 'Devices (' + ds.length + ')' });
	table(sec, ['BDF', 'Driver', 'Net', 'Mode', 'Vectors', 'IRQs', 'Node', 'Local CPUs'], ds.map(function (d) {
		return [d.bdf, d.driver, d.netdev, d.irq_mode, d.vectors_in_use, (d.irqs || []).length, d.numa_node, d.local_cpulist]; }));
	st.devices = ds.length;
}
function platform(c) {
	var p = c.platform || {}, sec = add(main, 'section', { id: 'platform', 'aria-labelledby': 'h-plat' });
	add(sec, 'h2', { id: 'h-plat', text: 'Platform' });
	var dl = add(sec, 'dl', { cls: 'plat' });
	[['IOMMU', p.iommu + ' (' + s(p.iommu_vendor) + ')'], ['IOMMU evidence', p.iommu_evidence], ['Interrupt remapping', p.interrupt_remapping + ', mode ' + s(p.ir_mode)],
	 ['Remapping evidence', p.ir_evidence], ['x2APIC', p.x2apic], ['APICv', p.apicv], ['Posted interrupts', p.device_posted_irqs],
	 ['Unsafe interrupts', p.unsafe_interrupts], ['VFIO devices', p.vfio_devices], ['Kernel command line', p.cmdline]].forEach(function (kv) {
		add(dl, 'dt', { text: kv[0] }); add(dl, 'dd', { text: s(kv[1]) });
	});
}

/* ---- latency ---- */
function latency(ls) {
	var sec = add(main, 'section', { id: 'latency', 'aria-labelledby': 'h-lat' });
	add(sec, 'h2', { id: 'h-lat', text: 'Wake-up latency' + (ls.length > 1 ? ': before and after' : '') });
	var names = meta.latency || [];
	var maxus = 1;
	ls.forEach(function (l) { (l.cpus || []).forEach(function (x) { maxus = Math.max(maxus, x.max_us || 0, x.p99_9_us || 0); }); });
	var decades = Math.ceil(Math.log10(maxus + 1)) || 1, W = 640, L = 60;
	function xpos(us) { return L + Math.log10(1 + us) / decades * (W - L - 10); }
	ls.forEach(function (l, li) {
		var cpus = (l.cpus || []).slice().sort(function (a, b) { return (b.p99_9_us || 0) - (a.p99_9_us || 0); }).slice(0, 48);
		var title = (ls.length > 1 ? (li ? 'After' : 'Before') : 'Latency') + ': ' + s(names[li]) + ' (' + s(l.interval_us) + ' \u00b5s interval, ' + s(l.duration_ms / 1000) + ' s' +
			((l.cpus || []).length > 48 ? '; the 48 CPUs with the worst p99.9 of ' + l.cpus.length : '') + ')';
		add(sec, 'h3', { text: title });
		var rh = 14, H = 24 + cpus.length * rh, ns = 'http://www.w3.org/2000/svg';
		var svg = document.createElementNS(ns, 'svg');
		svg.setAttribute('width', W); svg.setAttribute('height', H); svg.setAttribute('role', 'img');
		svg.setAttribute('aria-label', title + '; log scale; circle p50, triangle p99, square p99.9, bar to max');
		function S(tag, a) { var e = document.createElementNS(ns, tag); for (var k in a) e.setAttribute(k, a[k]); svg.appendChild(e); return e; }
		for (var d = 0; d <= decades; d++) {
			var xx = xpos(Math.pow(10, d) - 1);
			S('line', { x1: xx, x2: xx, y1: 12, y2: H, stroke: '#ddd' });
			S('text', { x: xx, y: 10, 'font-size': 10, 'text-anchor': d === decades ? 'end' : 'middle' }).textContent = Math.pow(10, d) + '\u00b5s';
		}
		cpus.forEach(function (x, i) {
			var y = 20 + i * rh + rh / 2;
			S('text', { x: 0, y: y + 4, 'font-size': 10 }).textContent = 'CPU ' + x.cpu;
			S('line', { x1: xpos(x.min_us || 0), x2: xpos(x.max_us || 0), y1: y, y2: y, stroke: '#888', 'stroke-width': 2 });
			S('circle', { cx: xpos(x.p50_us), cy: y, r: 3.5, fill: '#1a7f37' });
			var p = xpos(x.p99_us);
			S('polygon', { points: (p - 4) + ',' + (y + 4) + ' ' + (p + 4) + ',' + (y + 4) + ' ' + p + ',' + (y - 4), fill: '#9a6700' });
			S('rect', { x: xpos(x.p99_9_us) - 3.5, y: y - 3.5, width: 7, height: 7, fill: '#cf222e' });
		});
		sec.appendChild(svg);
		table(sec, ['CPU', 'samples', 'p50 \u00b5s', 'p99 \u00b5s', 'p99.9 \u00b5s', 'max \u00b5s'], cpus.slice(0, 16).map(function (x) {
			return [x.cpu, x.samples, x.p50_us, x.p99_us, x.p99_9_us, x.max_us]; }));
		var causes = {};
		(l.cpus || []).forEach(function (x) { ((x.spikes && x.spikes.causes) || []).forEach(function (k) {
			var key = k.kind + ' ' + k.name; causes[key] = (causes[key] || 0) + (k.spikes || 0); }); });
		var top = Object.keys(causes).sort(function (a, b) { return causes[b] - causes[a]; }).slice(0, 8);
		if (top.length) { add(sec, 'p', { text: 'Top attributed causes of spikes (' + s(l.attribution && l.attribution.method) + '):' });
			table(sec, ['Cause', 'Spikes'], top.map(function (k) { return [k, causes[k]]; })); }
		st.latency_files++;
	});
	histograms(sec, ls, decades);
	if (ls.length === 2) {
		/* per CPU, the two runs side by side: the proof a fix worked (or did not) */
		var after = {};
		(ls[1].cpus || []).forEach(function (x) { after[x.cpu] = x; });
		function ch(b, a) { return b ? Math.round((a - b) * 100 / b) + '%' : '\u2014'; }
		add(sec, 'h3', { text: 'Before \u2192 after, per CPU (\u00b5s)' });
		table(sec, ['CPU', 'p99 before', 'p99 after', 'change', 'p99.9 before', 'p99.9 after', 'change', 'max before', 'max after', 'change'],
			(ls[0].cpus || []).filter(function (x) { return after[x.cpu]; }).map(function (x) {
				var a = after[x.cpu];
				return [x.cpu, x.p99_us, a.p99_us, ch(x.p99_us, a.p99_us), x.p99_9_us, a.p99_9_us, ch(x.p99_9_us, a.p99_9_us),
					x.max_us, a.max_us, ch(x.max_us, a.max_us)];
			}));
	}
	add(sec, 'p', { cls: 'small', text: 'Log scale. Circle: p50; triangle: p99; square: p99.9; grey bar: min to max (from the saved percentiles).' });
}

/* Histograms from the saved log-spaced buckets (latency's "histogram" key): per CPU, the
 * before run as filled bars and solid marks, the after run overlaid as outlined bars and
 * dashed marks, so the two read apart without colour. Both axes log scale. */
var HIST_CPUS = 8;
function histograms(sec, ls, decades) {
	var byCpu = {}, order = [];
	ls.forEach(function (l, li) { (l.cpus || []).forEach(function (x) {
		if (!x.histogram || !x.histogram.length) return;
		if (!byCpu[x.cpu]) { byCpu[x.cpu] = []; order.push(x.cpu); }
		byCpu[x.cpu][li] = x;
	}); });
	if (!order.length) return;
	function worst(c) { return Math.max.apply(null, byCpu[c].map(function (x) { return x ? x.p99_9_us || 0 : 0; })); }
	order.sort(function (a, b) { return worst(b) - worst(a) || a - b; });
	var shown = order.slice(0, HIST_CPUS), two = ls.length > 1;
	add(sec, 'h3', { text: 'Histograms' + (order.length > HIST_CPUS ? ': the ' + HIST_CPUS + ' CPUs with the worst p99.9 of ' + order.length : '') });
	add(sec, 'p', { cls: 'small', text: 'Wake-ups per latency bucket (ten buckets a decade), both axes log scale. ' +
		(two ? 'Before: filled grey bars, solid marks; after: outlined bars, dashed marks (labels end in \u2032). ' : '') +
		'Marks: p50, p99, p99.9.' });
	var W = 640, L = 60, H = 150, T = 30, B = 18, ns = 'http://www.w3.org/2000/svg';
	function xpos(us) { return Math.min(W - 10, L + Math.log10(1 + us) / decades * (W - L - 10)); }
	shown.forEach(function (cpu) {
		var runs = byCpu[cpu], maxc = 1;
		runs.forEach(function (x) { if (x) x.histogram.forEach(function (b) { maxc = Math.max(maxc, b[2]); }); });
		var lmax = Math.log10(1 + maxc), ph = H - T - B;
		function ypos(n) { return T + ph - Math.log10(1 + n) / lmax * ph; }
		var svg = document.createElementNS(ns, 'svg');
		var label = 'CPU ' + cpu + ' latency histogram' + (two ? ', before and after' : '') + '; ' +
			runs.map(function (x, li) { return x ? (two ? (li ? 'after' : 'before') + ': ' : '') + 'p50 ' + x.p50_us + ', p99 ' + x.p99_us + ', p99.9 ' + x.p99_9_us + ' \u00b5s' : null; })
				.filter(Boolean).join('; ');
		svg.setAttribute('width', W); svg.setAttribute('height', H); svg.setAttribute('role', 'img'); svg.setAttribute('aria-label', label);
		function S(tag, a) { var e = document.createElementNS(ns, tag); for (var k in a) e.setAttribute(k, a[k]); svg.appendChild(e); return e; }
		S('text', { x: 0, y: 12, 'font-size': 11, 'font-weight': 'bold' }).textContent = 'CPU ' + cpu;
		for (var d = 0; d <= decades; d++) {
			var xx = xpos(Math.pow(10, d) - 1);
			S('line', { x1: xx, x2: xx, y1: T, y2: H - B, stroke: '#ddd' });
			S('text', { x: xx, y: H - 4, 'font-size': 10, 'text-anchor': d === decades ? 'end' : 'middle' }).textContent = Math.pow(10, d) + '\u00b5s';
		}
		for (var c = 1; c <= maxc; c *= 10) {
			var yy = ypos(c);
			S('line', { x1: L, x2: W - 10, y1: yy, y2: yy, stroke: '#eee' });
			S('text', { x: L - 4, y: yy + 3, 'font-size': 9, 'text-anchor': 'end' }).textContent = fmt(c);
		}
		runs.forEach(function (x, li) {
			if (!x) return;
			x.histogram.forEach(function (b) {
				var x0 = xpos(b[0]), x1 = Math.max(x0 + 1, xpos(b[1]) - 1), y = ypos(b[2]);
				S('rect', li ? { x: x0 + 0.75, y: y, width: Math.max(0.5, x1 - x0 - 1.5), height: T + ph - y, fill: 'none', stroke: '#000', 'stroke-width': 1.5, 'class': 'hbar' } :
					{ x: x0, y: y, width: x1 - x0, height: T + ph - y, fill: '#999', 'class': 'hbar' });
				st.hist_bars++;
			});
			[['p50', x.p50_us], ['p99', x.p99_us], ['p99.9', x.p99_9_us]].forEach(function (m) {
				if (m[1] == null) return;
				var mx = xpos(m[1]);
				S('line', { x1: mx, x2: mx, y1: T - 2, y2: H - B, stroke: li ? '#cf222e' : '#000', 'stroke-width': 1.5, 'stroke-dasharray': li ? '4 3' : 'none' });
				S('text', { x: mx + 2, y: T - 4 - (li ? 0 : 10), 'font-size': 9 }).textContent = m[0] + (li ? '\u2032' : '');
				st.hist_marks++;
			});
		});
		sec.appendChild(svg);
		st.hist_cpus++;
	});
}

/* Printing: a folded <details> prints folded whatever the style sheet says, so open every
 * one for the print and fold back afterwards what was folded. */
var folded = [];
window.addEventListener('beforeprint', function () {
	folded = Array.prototype.filter.call(document.querySelectorAll('details'), function (d) { return !d.open; });
	folded.forEach(function (d) { d.open = true; });
});
window.addEventListener('afterprint', function () { folded.forEach(function (d) { d.open = false; }); folded = []; });
/* #selftest-print (82-report): what a print would open, and that it folds back */
function printCheck() {
	var all = document.querySelectorAll('details'), closed = function () { return Array.prototype.filter.call(all, function (d) { return !d.open; }).length; };
	var before = closed();
	window.dispatchEvent(new Event('beforeprint'));
	var during = closed();
	window.dispatchEvent(new Event('afterprint'));
	st.print = { details: all.length, folded: before, folded_in_print: during, folded_after: closed() };
}

try {
	if (fix) fixSummary(fix);
	if (check) {
		findings(check.findings || []);
		heat(check);
		bars(check);
		devices(check);
		platform(check);
	} else add(main, 'p', { text: 'No check data in this report.' });
	if (lats.length) latency(lats);
	if (location.hash === '#selftest-print') printCheck();
	st.ok = st.errors.length === 0;
} catch (e) {
	st.errors.push(String(e && e.stack || e));
}
done();
})();
